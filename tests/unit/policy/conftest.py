"""Policy test fixtures: small packs written from dicts of filename → YAML text (dbt `project`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from pack_helpers import write_pack


@pytest.fixture
def project(tmp_path: Path) -> Callable[..., Path]:
    """`project({"extra.yaml": "..."})` writes BASE plus the given files and returns the folder."""

    def make(files: Mapping[str, str | None] | None = None, *, base: bool = True) -> Path:
        return write_pack(tmp_path / "pack", files or {}, base=base)

    return make
