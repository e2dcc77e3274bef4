"""Relying parties' checks over HTTP come from the hot decision file: a record submitted through
the API changes the next check (the file is rewritten before the submit returns), a batch
answers as the per-item models would, and checks run beside a submit without failing."""

from __future__ import annotations

import threading

import pytest

from tests.api.conftest import ADULT, FIRM, Api, list_adult


@pytest.fixture
def api(api_on_both: Api) -> Api:
    """Every test here on a DuckDB ledger and on a PostgreSQL one (`conftest.api_on_both`)."""
    return api_on_both


CHECK = {"subject": ADULT, "action": "air_travel.book"}


def _fresh(api: Api) -> bool:
    hot = api.ws.quick.hot()
    return hot is not None and hot.current() is not None


def test_a_submitted_record_changes_the_next_check_from_the_hot_file(api: Api) -> None:
    rp = api.headers("relying_party")
    assert _fresh(api)
    assert api.client.post("/v1/checks", json=CHECK, headers=rp).json()["outcome"] == "allow"
    list_adult(api)
    assert _fresh(api), "the submit rewrote the hot file before it returned"
    r = api.client.post("/v1/checks", json=CHECK, headers=rp)
    assert r.json()["outcome"] == "restrict"
    assert r.json()["reasons"][0]["legal_basis"], "the measure and its legal basis"


def test_a_batch_from_the_hot_file_equals_the_models(api: Api) -> None:
    list_adult(api)
    rp = api.headers("relying_party")
    body = {"subjects": [ADULT, "123", FIRM, ADULT.lower()], "action": "air_travel.book"}
    fast = api.client.post("/v1/checks/batch", json=body, headers=rp)
    assert fast.status_code == 200, fast.text
    api.ws.hot_file().unlink()  # the slow path: one check and one model per subject
    assert not _fresh(api)
    slow = api.client.post("/v1/checks/batch", json=body, headers=rp)
    assert slow.status_code == 200, slow.text
    assert fast.json() == slow.json()
    outcomes = [item["outcome"] for item in fast.json()["results"]]
    assert outcomes == ["restrict", None, "allow", "restrict"]


def test_a_subject_sees_a_batch_check_made_on_them(api: Api) -> None:
    """The batch is one decision log entry; over HTTP the subject still reads that check (who
    asked, why, the answer) and an auditor finds it by subject, outcome and asker."""
    list_adult(api)
    rp = api.headers("relying_party")
    body = {"subjects": [FIRM, ADULT, "123"], "action": "air_travel.book"}
    r = api.client.post("/v1/checks/batch", json=body, headers=rp)
    assert r.status_code == 200, r.text
    mine = api.client.get(f"/v1/subjects/{ADULT}/checks", headers=api.headers("subject"))
    assert mine.status_code == 200, mine.text
    checks = mine.json()["checks"]
    assert [(c["outcome"], c["purpose"], c["action"]) for c in checks] == [
        ("restrict", "ticket sale", "air_travel.book")
    ]
    assert checks[0]["asked_by"].startswith("relying_party")
    auditor = api.headers("auditor")
    found = api.client.get(
        "/v1/decisions", params={"outcome": "restrict", "subject": ADULT}, headers=auditor
    ).json()["checks"]
    assert found == checks
    everyone = api.client.get(
        "/v1/decisions", params={"asked_by": checks[0]["asked_by"]}, headers=auditor
    ).json()["checks"]
    assert [c["outcome"] for c in everyone] == ["allow", "restrict"]  # the invalid one: none


def test_checks_run_beside_submits(api: Api) -> None:
    rp = api.headers("relying_party")
    # each checker runs until the submits are done and it has made checks before and after them
    # (not for a fixed time: on a loaded machine a fixed window may hold no check at all)
    submitted = threading.Event()
    failures: list[str] = []
    during = [0]

    def checker() -> None:
        made = 0
        while not submitted.is_set() or made < 2:
            r = api.client.post("/v1/checks", json=CHECK, headers=rp)
            if r.status_code != 200 or r.json()["outcome"] not in ("allow", "restrict"):
                failures.append(f"{r.status_code} {r.text}")
            made += 1
            if not submitted.is_set():
                during[0] += 1

    threads = [threading.Thread(target=checker) for _ in range(8)]
    for t in threads:
        t.start()
    list_adult(api)  # two submits, each re-evaluating the subject, while the checks run
    submitted.set()
    for t in threads:
        t.join()
    assert not failures, failures[:3]
    assert during[0] > 0, "no check ran while the submits ran"
    assert api.client.post("/v1/checks", json=CHECK, headers=rp).json()["outcome"] == "restrict"
