"""Docs coverage: every command, setting, concept and page is documented (datasette test_docs.py).

The CLI and settings references are generated with cog; `test_generated_docs_are_current` fails
when they drift from the code, and the per-item tests name exactly what is missing.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.main
from ruamel.yaml import YAML

from xinyong.cli.main import app
from xinyong.domain.record import EntryKind
from xinyong.domain.subject import SubjectKind
from xinyong.ingest.read import INPUT_COLUMNS
from xinyong.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CLI_DOC = DOCS / "reference" / "cli.md"
SETTINGS_DOC = DOCS / "reference" / "settings.md"
VOCABULARY_DOC = DOCS / "concepts" / "vocabulary.md"
INGEST_DOC = DOCS / "guides" / "ingest.md"
GENERATED = (CLI_DOC, SETTINGS_DOC)
REGENERATE = "cog -r -I src docs/reference/cli.md docs/reference/settings.md"

# The vocabulary of the design: each one a heading of docs/concepts/vocabulary.md.
CONCEPTS = (
    "subject",
    "record",
    "catalogue",
    "list",
    "scheme",
    "measure",
    "policy pack",
    "decision",
    "objection",
    "restoration",
    "notice",
)
REJECTS_COLUMNS = ("line", "field", "reason", "raw")


def _command_paths() -> list[str]:
    """Every command path of the Typer app, groups included: `xinyong`, `xinyong records ingest`…"""

    def walk(command: Any, ctx: typer.Context) -> Iterator[str]:
        yield ctx.command_path
        if not hasattr(command, "list_commands"):
            return
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from walk(sub, typer.Context(sub, info_name=name, parent=ctx))

    root = typer.main.get_command(app)
    return list(walk(root, typer.Context(root, info_name="xinyong")))


def _headings(path: Path) -> list[str]:
    """The text of every Markdown heading of `path`, outside fenced code blocks."""
    headings, fenced = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)):
            headings.append(m.group(1))
    return headings


def _nav_pages(nav: Any) -> Iterator[str]:
    """The page paths of an mkdocs `nav` (nested lists of `title: page` or bare pages)."""
    if isinstance(nav, str):
        if not re.match(r"[a-z][a-z0-9+.-]*://", nav):  # skip external links
            yield nav
    elif isinstance(nav, list):
        for item in nav:
            yield from _nav_pages(item)
    elif isinstance(nav, dict):
        for value in nav.values():
            yield from _nav_pages(value)


def _mkdocs_config() -> dict[str, Any]:
    config = YAML(typ="safe").load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert isinstance(config, dict)
    return config


# --- generated references ----------------------------------------------------------------------


@pytest.mark.parametrize("path", _command_paths())
def test_command_is_documented(path: str) -> None:
    headings = _headings(CLI_DOC)
    assert f"`{path}`" in headings, (
        f"`{path}` has no section in {CLI_DOC.relative_to(ROOT)}; run: {REGENERATE}"
    )


def test_cli_doc_has_no_stale_commands() -> None:
    documented = {h.strip("`") for h in _headings(CLI_DOC) if h.startswith("`xinyong")}
    assert documented == set(_command_paths()), f"stale sections; run: {REGENERATE}"


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_setting_is_documented(name: str) -> None:
    env = (str(Settings.model_config.get("env_prefix", "")) + name).upper()
    row = re.compile(rf"^\| `{re.escape(name)}` \| `{re.escape(env)}` \| .+ \|$", re.MULTILINE)
    assert row.search(SETTINGS_DOC.read_text(encoding="utf-8")), (
        f"setting {name} ({env}) has no row in {SETTINGS_DOC.relative_to(ROOT)}; run: {REGENERATE}"
    )


def test_generated_docs_are_current() -> None:
    """What CI runs: `cog --check`; fails when a generated page differs from what the code says."""
    cogapp = pytest.importorskip("cogapp", reason="cogapp is not installed (pip install -e .[dev])")
    out, err = io.StringIO(), io.StringIO()
    cog = cogapp.Cog()
    cog.set_output(stdout=out, stderr=err)
    status = cog.main(["cog", "--check", "--diff", "-I", str(ROOT / "src"), *map(str, GENERATED)])
    assert status == 0, (
        f"generated docs are out of date; run: {REGENERATE}\n{out.getvalue()}\n{err.getvalue()}"
    )


# --- concepts and guides -----------------------------------------------------------------------


@pytest.mark.parametrize("concept", CONCEPTS)
def test_concept_has_a_heading(concept: str) -> None:
    # "Subject (主体)" is the heading of "subject": the Chinese term in brackets is optional.
    names = {re.sub(r"\s*\(.*\)$", "", h).strip().lower() for h in _headings(VOCABULARY_DOC)}
    assert concept in names, f"no heading for {concept!r} in {VOCABULARY_DOC.relative_to(ROOT)}"


@pytest.mark.parametrize(
    "value", [k.value for k in SubjectKind] + [k.value for k in EntryKind], ids=str
)
def test_vocabulary_names_every_subject_kind_and_entry_kind(value: str) -> None:
    assert f"`{value}`" in VOCABULARY_DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("column", INPUT_COLUMNS)
def test_input_column_is_documented(column: str) -> None:
    row = re.compile(rf"^\| `{re.escape(column)}` \|", re.MULTILINE)
    assert row.search(INGEST_DOC.read_text(encoding="utf-8")), (
        f"input column {column!r} has no row in {INGEST_DOC.relative_to(ROOT)}"
    )


def test_input_columns_table_is_in_rejects_file_order() -> None:
    # The rejects file repeats the input columns in this order; the guide says so.
    text = INGEST_DOC.read_text(encoding="utf-8")
    table = text[text.index("| column | required | meaning |") :].split("\n\n", 1)[0]
    assert tuple(re.findall(r"^\| `(\w+)` \|", table, re.MULTILINE)) == INPUT_COLUMNS


@pytest.mark.parametrize("column", REJECTS_COLUMNS)
def test_rejects_column_is_documented(column: str) -> None:
    assert f"| `{column}` |" in INGEST_DOC.read_text(encoding="utf-8")


# --- the site ----------------------------------------------------------------------------------


def test_every_page_is_in_the_nav_and_every_nav_entry_exists() -> None:
    nav = list(_nav_pages(_mkdocs_config()["nav"]))
    assert len(nav) == len(set(nav)), "a page is in the nav twice"
    missing = sorted(p for p in nav if not (DOCS / p).is_file())
    assert not missing, f"nav entries without a page: {missing}"
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    omitted = sorted(pages - set(nav))
    assert not omitted, f"pages missing from the nav of mkdocs.yml: {omitted}"


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install -e .[dev])")
    site = tmp_path / "site"
    result = subprocess.run(
        [
            *(sys.executable, "-m", "mkdocs", "build", "--strict"),
            *("--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(site)),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"
    assert (site / "index.html").is_file()
