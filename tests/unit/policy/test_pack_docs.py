"""The pack format reference and the JSON schema stay in step with the specs and the rules."""

from __future__ import annotations

import io

import pytest
from pack_helpers import REPO

from xinyong.policy.export_schema import SCHEMA_PATH, policy_pack_schema, render
from xinyong.policy.lint import RULES
from xinyong.policy.spec import SPECS

PACK_FORMAT = REPO / "docs" / "reference" / "pack-format.md"
PRINCIPLES = REPO / "docs" / "concepts" / "principles.md"
REGENERATE = "cog -r -I src docs/reference/pack-format.md"


def test_pack_format_is_current() -> None:
    cogapp = pytest.importorskip("cogapp", reason="cogapp is not installed (pip install -e .[dev])")
    out, err = io.StringIO(), io.StringIO()
    cog = cogapp.Cog()
    cog.set_output(stdout=out, stderr=err)
    status = cog.main(["cog", "--check", "--diff", "-I", str(REPO / "src"), str(PACK_FORMAT)])
    assert status == 0, f"run: {REGENERATE}\n{out.getvalue()}\n{err.getvalue()}"


@pytest.mark.parametrize("kind", list(SPECS))
def test_every_kind_has_a_section(kind: str) -> None:
    headings = [
        line.lstrip("#").strip()
        for line in PACK_FORMAT.read_text(encoding="utf-8").splitlines()
        if line.startswith("## ")
    ]
    assert any(kind in h.split(", ") for h in headings), f"no `## {kind}` section"


@pytest.mark.parametrize("code", [r.code for r in RULES])
def test_every_rule_is_documented(code: str) -> None:
    assert f"| {code} |" in PACK_FORMAT.read_text(encoding="utf-8")
    if code.startswith("P"):
        assert f"**{code}**" in PRINCIPLES.read_text(encoding="utf-8")


def test_schema_file_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render(), (
        "run: python -m xinyong.policy.export_schema"
    )


def test_schema_offers_only_permitted_values() -> None:
    schema = policy_pack_schema()
    assert set(schema["discriminator"]["mapping"]) == set(SPECS)
    text = render()
    for banned in ("petitioning", "religion", "family_member"):
        assert f'"{banned}"' not in text
