"""Reading input files: encodings named, physical line numbers, repeated JSON keys, folders."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.errors import IngestError
from xinyong.ingest.encoding import first_bad_utf8, not_utf8
from xinyong.ingest.read import REQUIRED_COLUMNS, stage
from xinyong.service import Workspace

HEADER = ",".join(REQUIRED_COLUMNS) + "\n"
ROW = "court.spc,t,resident_id,x,individual,2024-01-01,{ref}\n"


def _stage(path: Path) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    con = duckdb.connect()
    stage(con, path)
    rows = con.execute("SELECT _line, document_ref FROM staged ORDER BY _line").fetchall()
    bad = con.execute("SELECT _line, reason FROM unreadable ORDER BY _line").fetchall()
    return rows, bad


@pytest.mark.parametrize("where", [1, 2, 5_000])
def test_gbk_file_is_named_as_such_wherever_the_bad_byte_is(tmp_path: Path, where: int) -> None:
    rows = [ROW.format(ref=f"R{i}") for i in range(5_001)]
    rows[where - 1] = ROW.format(ref="（2024）京0105执1号")
    path = tmp_path / "gbk.csv"
    path.write_bytes(
        HEADER.encode() + "".join(rows[:where]).encode("gbk") + "".join(rows[where:]).encode()
    )
    with pytest.raises(IngestError) as caught:
        stage(duckdb.connect(), path)
    message = str(caught.value)
    assert "expected UTF-8; looks like GBK" in message
    assert f"line {where + 1}," in message


def test_gbk_header_and_jsonl_are_named_too(tmp_path: Path) -> None:
    header = tmp_path / "h.csv"
    header.write_bytes("provider,法院\n".encode("gbk"))
    with pytest.raises(IngestError, match="expected UTF-8; looks like GBK"):
        stage(duckdb.connect(), header)
    lines = tmp_path / "r.jsonl"
    lines.write_bytes(b'{"provider": "a"}\n' + '{"provider": "法院"}\n'.encode("gbk"))
    with pytest.raises(IngestError, match=r"looks like GBK .*: line 2,"):
        stage(duckdb.connect(), lines)


def test_bytes_that_are_neither_utf8_nor_gbk(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"provider\n\xff\xff\xff\n")
    assert not_utf8(path) == (
        "expected UTF-8: line 2, byte 9 (0xFF) is not UTF-8; save the file as UTF-8"
    )
    utf16 = tmp_path / "u.csv"
    utf16.write_bytes("provider\n".encode("utf-16"))
    assert "looks like UTF-16" in (not_utf8(utf16) or "")


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=300), st.integers(min_value=0, max_value=3))
def test_first_bad_utf8_agrees_with_python(data: bytes, chunk_pow: int) -> None:
    import xinyong.ingest.encoding as enc

    path = Path(__import__("tempfile").mkdtemp()) / "b"
    path.write_bytes(data)
    old, enc.CHUNK = enc.CHUNK, 4**chunk_pow  # chunk edges inside multi-byte sequences
    try:
        found = first_bad_utf8(path)
    finally:
        enc.CHUNK = old
    try:
        data.decode("utf-8")
        assert found is None
    except UnicodeDecodeError as exc:
        assert found is not None
        assert found[1] == exc.start
        assert found[0] == data[: exc.start].count(b"\n") + 1


def test_csv_line_is_the_physical_line_after_multiline_fields_and_blank_lines(
    tmp_path: Path,
) -> None:
    path = tmp_path / "m.csv"
    path.write_text(
        HEADER  # 1
        + ROW.format(ref="A")  # 2
        + "\n\n"  # 3, 4: blank
        + "bad,row\n"  # 5
        + ROW.format(ref='"B\nspans\nthree"')  # 6-8
        + 'bad2,"q\nq"\n'  # 9-10
        + ROW.format(ref="C"),  # 11
        encoding="utf-8",
    )
    rows, bad = _stage(path)
    assert rows == [(2, "A"), (6, "B\nspans\nthree"), (11, "C")]
    assert [line for line, _ in bad] == [5, 9]


def test_simple_csv_keeps_ordinal_lines(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text(HEADER + ROW.format(ref="A") + "bad,row\n" + ROW.format(ref="C"))
    rows, bad = _stage(path)
    assert rows == [(2, "A"), (4, "C")]
    assert [line for line, _ in bad] == [3]


def test_jsonl_repeated_key_is_rejected_not_resolved(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(
        '{"provider": "a", "document_ref": "A"}\n'
        '{"provider": "a", "document_ref": "B", "provider": "b"}\n'
        '{"provider": "c", "document_ref": "C"}\n',
        encoding="utf-8",
    )
    con = duckdb.connect()
    stage(con, path)
    assert con.execute("SELECT _line FROM staged ORDER BY _line").fetchall() == [(1,), (3,)]
    assert con.execute("SELECT _line, reason FROM unreadable").fetchall() == [
        (2, "names a field more than once: provider")
    ]


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "records.csv"
    folder.mkdir()
    with pytest.raises(IngestError, match=r"records\.csv: is a directory, not a file"):
        stage(duckdb.connect(), folder)


def test_jsonl_attributes_with_a_repeated_key_are_rejected(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(
        '{"provider": "court.example", "record_type": "court.judgment.effective",'
        ' "subject_scheme": "uscc", "subject_id": "91350100M000100Y43", "subject_kind":'
        ' "enterprise", "decision_date": "2024-03-01", "document_ref": "J1", "attributes":'
        ' {"case_number": "J1", "court": "c", "document_type": "judgment", "court": "d"}}\n',
        encoding="utf-8",
    )
    report = workspace.ingest(path)
    assert (report.accepted, report.rejected) == (0, 1)
    assert report.rejects_path is not None
    text = report.rejects_path.read_text(encoding="utf-8")
    assert "attributes: has a key more than once" in text
