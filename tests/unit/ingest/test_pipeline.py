"""Ingest scenarios on real files: rejects, idempotency, conflicts, acts on records, formats."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest
from tests.conftest import BOOTSTRAP, TODAY, ledger_rows

from xinyong.errors import IngestError
from xinyong.sample.generate import COLUMNS, write_csv
from xinyong.service import Workspace


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: r.get(c, "") for c in COLUMNS} for r in rows)
    return path


_ledger = ledger_rows


@pytest.fixture
def sample_csv(workspace: Workspace, tmp_path: Path) -> tuple[Path, dict[int, str]]:
    sample = write_csv(
        tmp_path / "records.csv",
        workspace.pack.catalogue,
        rows=5_000,
        subjects=600,
        seed=11,
        today=TODAY,
        malformed=0.02,
    )
    return sample.path, sample.bad_lines


def test_rejects_file_holds_exactly_the_broken_rows(
    workspace: Workspace, sample_csv: tuple[Path, dict[int, str]]
) -> None:
    path, bad = sample_csv
    report = workspace.ingest(path)
    assert report.rows == 5_000
    assert report.rejected == len(bad) == 100
    assert report.accepted == 5_000 - len(bad)
    assert report.rejects_path is not None
    rejects = _rows(report.rejects_path)
    assert {int(r["line"]) for r in rejects} == set(bad)
    assert all(r["reason"] for r in rejects)
    # the reason names the field that was broken
    expect_field = {
        "bad_check_character": "subject_id",
        "impossible_date": "decision_date",
        "unknown_record_type": "record_type",
        "missing_document_ref": "document_ref",
        "bad_attributes": "attributes",
        "extra_column": "(row)",
        "kind_mismatch": "subject_kind",
        "future_date": "decision_date",
    }
    for r in rejects:
        assert expect_field[bad[int(r["line"])]] in r["field"].split("; "), r
    # nothing is lost: a rejected row keeps its input values (or its raw text)
    by_line = {int(r["line"]): r for r in rejects}
    originals = _rows(path)
    for line, how in bad.items():
        if how != "extra_column":
            assert by_line[line]["provider"] == originals[line - 2]["provider"]
        else:
            assert by_line[line]["raw"].endswith(",surplus")


def test_reingest_is_a_no_op_and_verify_passes(
    workspace: Workspace, sample_csv: tuple[Path, dict[int, str]]
) -> None:
    path, _ = sample_csv
    first = workspace.ingest(path)
    before = _ledger(workspace)
    again = workspace.ingest(path)
    assert again.accepted == 0
    assert again.already_in_ledger == first.accepted
    assert _ledger(workspace) == before
    assert workspace.verify().ok


def test_jsonl_and_parquet_give_the_same_ledger_as_csv(
    tmp_path: Path, sample_csv: tuple[Path, dict[int, str]], workspace: Workspace
) -> None:
    path, bad = sample_csv
    good = [r for i, r in enumerate(_rows_raw(path)) if i + 2 not in bad]
    clean = _write(tmp_path / "clean.csv", good)
    jsonl = tmp_path / "clean.jsonl"
    with jsonl.open("w", encoding="utf-8") as fh:
        for r in good:
            row: dict[str, object] = {k: v for k, v in r.items() if v != ""}
            if "attributes" in row:
                row["attributes"] = json.loads(str(row["attributes"]))
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    parquet = tmp_path / "clean.parquet"
    duckdb.execute(f"COPY (SELECT * FROM read_csv('{clean}', all_varchar = true)) TO '{parquet}'")
    ledgers = []
    for i, source in enumerate((clean, jsonl, parquet)):
        ws = workspace if i == 0 else _twin(workspace, tmp_path / f"ws{i}")
        report = ws.ingest(source)
        assert report.rejected == 0, report
        ledgers.append(_ledger(ws))
    assert ledgers[0] == ledgers[1] == ledgers[2]
    assert len(ledgers[0]) == len(good)


def _rows_raw(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return [dict(zip(header, r, strict=False)) for r in reader]


def _twin(workspace: Workspace, folder: Path) -> Workspace:
    """A second workspace with the same pseudonym key, so subject keys compare equal."""
    twin = Workspace.init(folder, today=TODAY)
    s, t = workspace.settings, twin.settings
    t.key_path(t.pseudonym_key_file).write_bytes(s.key_path(s.pseudonym_key_file).read_bytes())
    return twin


def _one(workspace: Workspace, tmp_path: Path) -> dict[str, str]:
    sample = write_csv(
        tmp_path / "one.csv", workspace.pack.catalogue, rows=50, subjects=5, seed=3, today=TODAY
    )
    rows = [r for r in _rows(sample.path) if r["entry_kind"] == "record"]
    actable = [
        r
        for r in rows
        if "correction" in workspace.pack.catalogue.get(r["record_type"]).entry_kinds
    ]
    return actable[0]


def test_same_key_other_content_is_a_conflict(workspace: Workspace, tmp_path: Path) -> None:
    row = _one(workspace, tmp_path)
    changed = {
        **row,
        "decision_date": "2020-01-02" if row["decision_date"] != "2020-01-02" else "2020-01-03",
    }
    report = workspace.ingest(_write(tmp_path / "a.csv", [row, row, changed]))
    assert (report.accepted, report.duplicates, report.rejected) == (1, 1, 1)
    assert report.rejects_path is not None
    (reject,) = _rows(report.rejects_path)
    assert reject["line"] == "4" and "conflicts with line 2" in reject["reason"]
    again = workspace.ingest(_write(tmp_path / "b.csv", [changed]))
    assert again.rejected == 1 and again.rejects_path is not None
    reason = _rows(again.rejects_path)[0]["reason"]
    assert f"conflicts with ledger entry {BOOTSTRAP}" in reason  # after init's activation


def test_correction_acts_on_an_earlier_record(workspace: Workspace, tmp_path: Path) -> None:
    row = _one(workspace, tmp_path)
    correction = {
        **row,
        "entry_kind": "correction",
        "document_ref": "CORR-1",
        "refers_to": row["document_ref"],
    }
    orphan = {**correction, "document_ref": "CORR-2", "refers_to": "NO-SUCH-DOC"}
    report = workspace.ingest(_write(tmp_path / "c.csv", [row, correction, orphan]))
    assert (report.accepted, report.rejected) == (2, 1)
    assert report.rejects_path is not None
    assert "to act on" in _rows(report.rejects_path)[0]["reason"]
    entries = _ledger(workspace)
    assert entries[1][1] == "correction" and entries[1][2] == BOOTSTRAP
    # a later file may act on a record already in the ledger
    later = {**correction, "document_ref": "CORR-3"}
    assert workspace.ingest(_write(tmp_path / "d.csv", [later])).accepted == 1
    assert _ledger(workspace)[2][2] == BOOTSTRAP


def test_act_before_its_record_in_the_file_is_rejected(
    workspace: Workspace, tmp_path: Path
) -> None:
    row = _one(workspace, tmp_path)
    correction = {
        **row,
        "entry_kind": "correction",
        "document_ref": "CORR-1",
        "refers_to": row["document_ref"],
    }
    report = workspace.ingest(_write(tmp_path / "e.csv", [correction, row]))
    assert (report.accepted, report.rejected) == (1, 1)
    assert report.rejects_path is not None
    assert "comes later in the file" in _rows(report.rejects_path)[0]["reason"]


def test_unknown_column_is_refused_with_a_hint(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("provider,record_typ,subject_scheme\n", encoding="utf-8")
    with pytest.raises(IngestError) as info:
        workspace.ingest(path)
    text = str(info.value)
    assert "bad.csv" in text
    assert "unknown column 'record_typ' (did you mean 'record_type'?)" in text
    assert "missing column 'subject_id'" in text


def test_resident_ids_are_not_stored(workspace: Workspace, tmp_path: Path) -> None:
    sample = write_csv(
        tmp_path / "p.csv", workspace.pack.catalogue, rows=300, subjects=40, seed=5, today=TODAY
    )
    workspace.ingest(sample.path)
    people = [s.identifier for s in sample.subjects if s.scheme == "resident_id"]
    assert people
    s = workspace.settings
    con = duckdb.connect(str(s.path(s.database)), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SHOW TABLES").fetchall()]
        for table in tables:
            text = con.execute(
                f"SELECT string_agg(CAST(t AS VARCHAR), '|') FROM \"{table}\" t"
            ).fetchone()
            assert text is not None
            for number in people:
                assert number not in str(text[0]), f"{number} stored in {table}"
    finally:
        con.close()
    shown = workspace.subject(people[0])
    assert shown.subject_key.startswith("resident_id:#")


def test_act_without_attributes_is_appended(workspace: Workspace, tmp_path: Path) -> None:
    """A revocation names its record and needs no attributes; its canonical attributes are {}."""
    row = _one(workspace, tmp_path)
    revocation = {
        **row,
        "entry_kind": "revocation",
        "document_ref": "REV-1",
        "refers_to": row["document_ref"],
        "attributes": "",
    }
    report = workspace.ingest(_write(tmp_path / "r.csv", [row, revocation]))
    assert (report.accepted, report.rejected) == (2, 0)
    entries = _ledger(workspace)
    assert entries[1][1] == "revocation" and entries[1][2] == BOOTSTRAP and entries[1][11] == "{}"
    assert workspace.verify().ok


def test_keys_repeated_in_the_file_are_told_apart(workspace: Workspace, tmp_path: Path) -> None:
    """Rows are grouped by key for duplicates and conflicts: same key, same content is a
    duplicate; same key, other content a conflict; other keys (however alike) stand alone."""
    row = _one(workspace, tmp_path)
    other_doc = {**row, "document_ref": row["document_ref"] + "x"}
    other_kind = {**row, "entry_kind": "correction", "refers_to": row["document_ref"]}
    changed = {
        **row,
        "decision_date": "2020-01-02" if row["decision_date"] != "2020-01-02" else "2020-01-03",
    }
    rows = [row, other_doc, row, other_kind, changed, other_doc]
    report = workspace.ingest(_write(tmp_path / "k.csv", rows))
    assert (report.accepted, report.duplicates, report.rejected) == (3, 2, 1)
    assert report.rejects_path is not None
    (reject,) = _rows(report.rejects_path)
    assert reject["line"] == "6" and "conflicts with line 2" in reject["reason"]
