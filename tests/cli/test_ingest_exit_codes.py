"""`records ingest` exit codes: 0 all accepted, 5 rows rejected, 1 the file refused whole."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import BOOTSTRAP
from xinyong.cli.main import main
from xinyong.service import Workspace

HEADER = (
    "provider,record_type,subject_scheme,subject_id,subject_kind,decision_date,document_ref,"
    "attributes\n"
)
GOOD = (
    "court.example,court.judgment.effective,uscc,91350100M000100Y43,enterprise,2024-03-01,J1,"
    '"{""case_number"": ""J1"", ""court"": ""c"", ""document_type"": ""judgment""}"\n'
)


def _ingest(path: Path, ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> int:
    """Run the command as the `xinyong` script does (its error handler sets the exit code)."""
    argv = ["xinyong", "records", "ingest", str(path), "-w", str(ws.settings.workspace)]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as caught:
        main()
    code = caught.value.code
    return 0 if code is None else int(code)


def test_exit_codes(workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = tmp_path / "good.csv"
    good.write_text(HEADER + GOOD, encoding="utf-8")
    assert _ingest(good, workspace, monkeypatch) == 0
    assert _ingest(good, workspace, monkeypatch) == 0  # again: nothing new, nothing rejected
    some_bad = tmp_path / "some.csv"
    some_bad.write_text(HEADER + GOOD.replace("J1", "J2") + "x,y\n", encoding="utf-8")
    assert _ingest(some_bad, workspace, monkeypatch) == 5
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes((HEADER + GOOD.replace("c", "法院")).encode("gbk"))
    assert _ingest(gbk, workspace, monkeypatch) == 1
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    assert _ingest(folder, workspace, monkeypatch) == 1
    assert _ingest(tmp_path / "missing.csv", workspace, monkeypatch) == 1
    with workspace.ledger(read_only=True) as store:
        assert store.size() == BOOTSTRAP + 2


def test_other_errors_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "r.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["xinyong", "records", "ingest", str(path), "-w", "nowhere"])
    with pytest.raises(SystemExit) as caught:
        main()
    assert caught.value.code == 1  # not a workspace
