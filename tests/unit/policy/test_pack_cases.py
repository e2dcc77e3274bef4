"""Data-driven invalid packs from tests/policy/cases/*.yaml: exact problem headers, in order."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pack_helpers import CASES, errors
from ruamel.yaml import YAML

from xinyong.errors import PolicyError
from xinyong.policy import load_pack


def _cases() -> list[Any]:
    out = []
    for file in sorted(CASES.glob("*.yaml")):
        for case in YAML(typ="safe").load(file.read_text(encoding="utf-8")):
            out.append(pytest.param(case, id=f"{file.stem}:{case['name']}"))
    return out


@pytest.mark.parametrize("case", _cases())
def test_invalid_pack(case: dict[str, Any], project: Callable[..., Path]) -> None:
    root = project(case["files"])
    assert errors(root) == case["errors"]
    if case.get("hints"):
        with pytest.raises(PolicyError) as info:
            load_pack(root)
        text = str(info.value)
        for hint in case["hints"]:
            assert hint in text
