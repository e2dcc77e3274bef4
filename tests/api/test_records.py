"""Providers through the API: a submitted record changes the next check (no batch run);
submissions are idempotent; files of every format return their rejects by line and field;
corrections and revocations are new entries that change the outcome back."""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.api.conftest import ADULT, CASE, Api, list_adult, record


@pytest.fixture
def api(api_on_both: Api) -> Api:
    """Every test here on a DuckDB ledger and on a PostgreSQL one (`conftest.api_on_both`)."""
    return api_on_both


CHECK = {"subject": ADULT, "action": "air_travel.book"}


def _outcome(api: Api) -> str:
    r = api.client.post("/v1/checks", json=CHECK, headers=api.headers("relying_party"))
    assert r.status_code == 200, r.text
    return str(r.json()["outcome"])


def test_a_record_submitted_changes_the_next_check(api: Api) -> None:
    assert _outcome(api) == "allow"
    list_adult(api)
    # the decision index was brought up to date before the submit returned: no evaluate run
    assert _outcome(api) == "restrict"
    file = api.client.get(f"/v1/subjects/{ADULT}", headers=api.headers("subject")).json()
    air = next(d for d in file["decisions"] if d["action"] == "air_travel.book")
    assert air["reasons"][0]["code"] == "measure_applies"  # the subject is told every reason
    revoke = {**record("dishonest"), "decision_date": "2023-06-01", "refers_to": f"D{CASE}"}
    r = api.client.post("/v1/records/revocations", json=revoke, headers=api.headers("provider"))
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 1
    assert _outcome(api) == "allow"


def test_submitting_again_appends_nothing(api: Api) -> None:
    provider = api.headers("provider")
    first = api.client.post("/v1/records", json=record("notice"), headers=provider).json()
    again = api.client.post("/v1/records", json=record("notice"), headers=provider).json()
    assert (first["accepted"], first["already_in_ledger"]) == (1, 0)
    assert (again["accepted"], again["already_in_ledger"]) == (0, 1)
    assert again["ledger_size"] == first["ledger_size"]


def _size(api: Api) -> int:
    return api.ws.verify(key=api.ws.public_key_file()).size


def test_a_rejected_record_names_its_field_and_writes_nothing(api: Api) -> None:
    before = _size(api)  # init's activation and the key file's generations
    bad = record("notice", subject_id=ADULT[:-1] + ("0" if ADULT[-1] != "0" else "1"))
    r = api.client.post("/v1/records", json=bad, headers=api.headers("provider"))
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in r.json()["errors"]] == ["body.subject_id"]
    assert _size(api) == before  # nothing written


def _jsonl(rows: list[dict[str, object]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


def _csv(rows: list[dict[str, object]]) -> bytes:
    import csv

    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]))
    w.writeheader()
    for r in rows:
        w.writerow(
            {
                k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v
                for k, v in r.items()
            }
        )
    return out.getvalue().encode()


def _parquet(rows: list[dict[str, object]]) -> bytes:
    table = pa.table(
        {
            k: [
                json.dumps(r[k], ensure_ascii=False) if isinstance(r[k], dict) else r[k]
                for r in rows
            ]
            for k in rows[0]
        }
    )
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "encode", "bad_line"),
    [("r.jsonl", _jsonl, 2), ("r.csv", _csv, 3), ("r.parquet", _parquet, 2)],
)
def test_a_batch_returns_rejects_by_line_and_field(api: Api, name, encode, bad_line) -> None:  # type: ignore[no-untyped-def]
    rows = [record("notice"), record("dishonest", decision_date="2999-01-01")]
    r = api.client.post(
        "/v1/records/batch",
        files={"file": (name, encode(rows), "application/octet-stream")},
        headers=api.headers("provider"),
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["rows"], got["accepted"], got["rejected"]) == (2, 1, 1)
    [reject] = got["rejects"]
    assert (reject["line"], reject["field"]) == (bad_line, "decision_date")
    assert "future" in reject["reason"] or "after" in reject["reason"]


def test_a_batch_with_a_row_outside_the_scope_is_refused_whole(api: Api) -> None:
    before = _size(api)
    rows = [record("notice"), record("dishonest", provider="tax:3501")]
    r = api.client.post(
        "/v1/records/batch",
        files={"file": ("r.jsonl", _jsonl(rows), "application/x-ndjson")},
        headers=api.headers("provider"),
    )
    assert r.status_code == 403
    assert r.json()["errors"] == [{"field": "provider", "reason": "not your authority", "line": 2}]
    assert _size(api) == before  # nothing written


def test_a_batch_of_unknown_format_names_the_field(api: Api) -> None:
    r = api.client.post(
        "/v1/records/batch",
        files={"file": ("records.txt", b"x", "text/plain")},
        headers=api.headers("provider"),
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body.format"
