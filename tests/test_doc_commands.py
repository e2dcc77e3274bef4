"""The commands the README's tour and the guides show run as written, with the exit codes they say.

Each walk is a list of Markdown documents (or one section of one) whose ```bash blocks run in
order in one fresh folder, so a later guide continues in the workspace an earlier one made. A
fenced block right after `<!-- file: NAME -->` is written to NAME first, where it stands in the
walk. A command's expected exit code is the `# exit N` of its comment, else 0. Only `xinyong`
commands run; the others (installing, running the test suite) must be in `NOT_RUN`, and a server
in `SERVERS`, so a new command cannot be skipped by accident. The clock is pinned (`XINYONG_TODAY`).
A ```text block right after `<!-- output -->` is output the command before it prints: each of its
lines must be a line of that command's standard output.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TODAY = "2026-11-22"
WALKS: dict[str, list[tuple[str, str | None]]] = {
    "readme-tour": [("README.md", "A short tour")],
    "guides": [
        ("docs/guides/getting-started.md", None),
        ("docs/guides/ingest.md", None),
        ("docs/guides/checks.md", None),
    ],
    "dueprocess": [("docs/guides/dueprocess.md", None)],
    "calendar": [("docs/guides/calendar.md", None)],
    "postgres": [("docs/guides/postgres.md", None)],
}
# Walks that need the PostgreSQL server, and the schema each makes (dropped before and after).
POSTGRES_WALKS = {"postgres": "xinyong_guide"}
POSTGRES_URL = os.environ.get(
    "XINYONG_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
# Commands the docs show that set up or test a checkout: not run here (CI does that itself).
NOT_RUN = {
    "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && xinyong demo",
    ". .venv/bin/activate && pip install -e '.[dev]' && python -m pytest -n auto --dist loadfile",
}
# A server runs until stopped: tests/api/test_guides.py runs it and the API guides against it.
SERVERS = {"xinyong serve -w ./ws"}
_FILE = re.compile(r"^<!-- file: (\S+) -->$")
_OUTPUT = "<!-- output -->"
_EXIT = re.compile(r"#\s*exit (\d+)")


@dataclass(frozen=True)
class Step:
    source: str
    line: int
    command: str | None = None  # a shell line, or
    file: str | None = None  # a file to write
    text: str = ""
    exit_code: int = 0
    expect: tuple[str, ...] = ()  # lines its output must hold


def _section(lines: list[str], heading: str | None) -> tuple[int, list[str]]:
    if heading is None:
        return 0, lines
    start = next(i for i, line in enumerate(lines) if re.match(rf"#+ {re.escape(heading)}$", line))
    end = next(
        (i for i in range(start + 1, len(lines)) if re.match(r"#{1,2} ", lines[i])), len(lines)
    )
    return start, lines[start:end]


def steps(doc: str, heading: str | None) -> list[Step]:
    """The files and commands of `doc` (its section `heading`), in order."""
    offset, lines = _section((ROOT / doc).read_text(encoding="utf-8").splitlines(), heading)
    out: list[Step] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line == _OUTPUT:
            i += 1
            assert lines[i].startswith("```"), f"{doc}:{offset + i + 1}: a block must follow"
            first = i + 1
            i = first
            while not lines[i].startswith("```"):
                i += 1
            assert out and out[-1].command, f"{doc}:{offset + first}: output of no command"
            expect = tuple(x for x in lines[first:i] if x.strip())
            out[-1] = replace(out[-1], expect=expect)
            i += 1
            continue
        name = _FILE.match(line)
        if name or line.startswith("```bash"):
            if name:
                i += 1
                assert lines[i].startswith("```"), f"{doc}:{offset + i + 1}: a block must follow"
            first = i + 1
            i = first
            while not lines[i].startswith("```"):
                i += 1
            body = lines[first:i]
            if name:
                text = "\n".join(body) + "\n"
                out.append(Step(doc, offset + first, file=name.group(1), text=text))
            else:
                for k, cmd in enumerate(body):
                    if not cmd.strip() or cmd.lstrip().startswith("#"):
                        continue  # a comment continuing the line above
                    found = _EXIT.search(cmd)
                    code = int(found.group(1)) if found else 0
                    out.append(Step(doc, offset + first + k + 1, command=cmd, exit_code=code))
        i += 1
    return out


def _run(step: Step, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert step.command is not None
    argv = shlex.split(step.command, comments=True)
    assert argv[0] == "xinyong"
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINYONG_")}
    env["XINYONG_TODAY"] = TODAY
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "xinyong", *argv[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _drop_schema(schema: str) -> None:
    """Drop the schema a PostgreSQL walk makes; skip (fail under CI) without the server."""
    import psycopg

    try:
        with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5) as con:
            con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    except psycopg.Error as e:
        reason = f"PostgreSQL at {POSTGRES_URL} is unreachable ({str(e).strip()})"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
        pytest.skip(reason)


@pytest.fixture
def server_schema(walk: str) -> Iterator[None]:
    schema = POSTGRES_WALKS.get(walk)
    if schema is not None:
        _drop_schema(schema)
    yield
    if schema is not None:
        _drop_schema(schema)


@pytest.mark.parametrize(
    "walk",
    [pytest.param(w, marks=pytest.mark.postgres) if w in POSTGRES_WALKS else w for w in WALKS],
)
def test_documented_commands_run_as_written(walk: str, tmp_path: Path, server_schema: None) -> None:
    ran = 0
    for doc, heading in WALKS[walk]:
        for step in steps(doc, heading):
            where = f"{step.source}:{step.line}"
            if step.file is not None:
                (tmp_path / step.file).write_text(step.text, encoding="utf-8")
                continue
            assert step.command is not None
            if shlex.join(shlex.split(step.command, comments=True)) in SERVERS:
                continue
            if not step.command.startswith("xinyong "):
                assert step.command in NOT_RUN, f"{where}: not an xinyong command: {step.command}"
                continue
            result = _run(step, tmp_path)
            assert result.returncode == step.exit_code, (
                f"{where}: `{step.command}` exited {result.returncode}, the docs say "
                f"{step.exit_code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            )
            printed = [x.rstrip() for x in result.stdout.splitlines()]
            for want in step.expect:
                assert want.rstrip() in printed, (
                    f"{where}: `{step.command}` did not print the line the docs show:\n"
                    f"{want}\nstdout:\n{result.stdout}"
                )
            ran += 1
    assert ran >= 5


def test_the_steps_parser_reads_exit_codes_and_files() -> None:
    tour = steps("README.md", "A short tour")
    assert tour[0].file == "records.csv"
    codes = {s.command.split("#")[0].strip(): s.exit_code for s in tour if s.command}
    assert codes["xinyong id check resident_id 110105194912310021"] == 1
    assert codes["xinyong init ./ws"] == 0
    assert not any(c.startswith("#") for c in codes)
