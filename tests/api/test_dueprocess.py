"""Due process over the API: the subject objects, asks for reconsideration and applies for
restoration; the authority issues notices and decides, on its own authority's cases only; the
auditor reads. Every step is a ledger entry naming the key and dated by the server's clock;
a refused step is a 409 problem with its reasons and the next remedy, and records nothing.

The attacker tests are the subject's and the authority's keys reaching for what is not theirs:
another subject's record seq or case number, another authority's case or record.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.api import dpcases
from tests.api.conftest import (
    ADULT,
    COURT,
    OTHER,
    OTHER_AUTHORITY,
    TODAY,
    Api,
    build,
    drop_schema,
    ingest,
    penalty,
    record,
)
from xinyong.domain.access import Role
from xinyong.domain.record import EntryKind
from xinyong.dueprocess import ledger


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    """Every test here on a DuckDB ledger and on a PostgreSQL one."""
    built = build(tmp_path, "dueprocess", store=request.param)
    try:
        with built.client:
            yield built
    finally:
        drop_schema(tmp_path)


def _size(api: Api) -> int:
    with api.ws.ledger(read_only=True) as store:
        return store.size()


def _steps(api: Api, case: str) -> list[ledger.Event]:
    with api.ws.ledger(read_only=True) as store:
        return [e for e in ledger.events(store) if e.case == case]


def _key_id(api: Api, name: str) -> str:
    return next(k.key_id for k in api.ws.api_keys.list_keys() if k.name == name)


def _post(api: Api, who: str, url: str, body: dict[str, Any] | None = None) -> Any:
    return api.client.post(url, json=body, headers=api.headers(who))


def _cases(api: Api, who: str, query: str = "") -> list[dict[str, Any]]:
    found = api.client.get(f"/v1/cases{query}", headers=api.headers(who))
    assert found.status_code == 200, found.text
    cases: list[dict[str, Any]] = found.json()["cases"]
    return cases


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    found: dict[str, Any] = response.json()
    assert found["status"] == status
    return found


def test_an_objection_from_filing_to_revocation(api: Api) -> None:
    seq = dpcases.dishonest(api, ADULT, COURT)
    filed = _post(
        api, "subject", f"/v1/subjects/{ADULT}/objections", {"record": seq, "grounds": "Paid."}
    )
    assert filed.status_code == 201, filed.text
    case = filed.json()["case"]
    assert (case["state"], case["record_seq"], case["opened_on"]) == ("filed", seq, str(TODAY))
    assert case["authority"] == COURT and case["deadlines"]["review_by"] == "2026-12-07"
    assert case["remedy"] == "the authority decides by 2026-12-07"
    name = case["case"]

    review = _post(api, "authority", f"/v1/objections/{name}/review")
    assert review.json()["case"]["state"] == "under_review", review.text
    rejected = _post(
        api, "authority", f"/v1/objections/{name}/rejection", {"reasons": "No case named."}
    )
    assert rejected.json()["case"]["reasons"] == "No case named."
    assert rejected.json()["case"]["remedy"] == "ask for reconsideration by 2026-12-02"
    again = _post(
        api,
        "subject",
        f"/v1/subjects/{ADULT}/objections/{name}/reconsideration",
        {"grounds": "The bank confirms it."},
    )
    assert again.status_code == 201, again.text
    decided = _post(
        api,
        "authority",
        f"/v1/objections/{name}/reconsideration-decision",
        {"uphold": True, "reasons": "Payment confirmed."},
    )
    assert decided.status_code == 200, decided.text
    got = decided.json()
    assert got["case"]["state"] == "upheld_on_reconsideration"
    assert got["reached"] == 0 and got["notified"] == []

    # every step in the ledger: who (the subject's key, or the authority key's principal), when
    authority = f"authority#{_key_id(api, 'authority')}"
    steps = _steps(api, name)
    assert [e.type for e in steps] == [
        "objection.filed",
        "objection.review",
        "objection.rejected",
        "reconsideration.filed",
        "reconsideration.decided",
    ]
    subject_key = api.ws.subject_key(ADULT)
    assert [e.actor for e in steps] == [subject_key, authority, authority, subject_key, authority]
    assert {e.on for e in steps} == {TODAY}
    # the upheld decision revoked the record in the same batch
    with api.ws.ledger(read_only=True) as store:
        acts = [
            e
            for e in store.entries(subject_key=subject_key)
            if e.refers_to == seq and e.entry_kind is not EntryKind.step
        ]
    assert [a.entry_kind for a in acts] == [EntryKind.revocation]
    # and the subject reads it, with what comes next
    mine = api.client.get(f"/v1/subjects/{ADULT}/dueprocess", headers=api.headers("subject"))
    (only,) = [c for c in mine.json()["cases"] if c["case"] == name]
    assert only["remedy"] == "the record is revoked by 2026-11-25"
    assert [s["seq"] for s in only["steps"]] == [e.seq for e in steps]


def test_the_server_sets_the_day_never_the_caller(api: Api) -> None:
    seq = dpcases.dishonest(api, ADULT, COURT)
    before = _size(api)
    body = {"record": seq, "grounds": "Paid.", "on": "2026-01-05"}
    found = _problem(_post(api, "subject", f"/v1/subjects/{ADULT}/objections", body), 422)
    assert [e["field"] for e in found["errors"]] == ["body.on"]
    assert _size(api) == before
    # the authority cannot backdate its decision either
    case = dpcases.objection(api, ADULT, COURT, "under_review")
    body = {"reasons": "No.", "on": "2026-01-05"}
    _problem(_post(api, "authority", f"/v1/objections/{case}/rejection", body), 422)


def test_a_subject_key_never_reaches_another_subjects_records(api: Api) -> None:
    theirs = dpcases.dishonest(api, OTHER, COURT)
    their_penalty = ingest(api, penalty(OTHER, "P-theirs"))
    their_case = dpcases.objection(api, OTHER, COURT, "rejected")
    before = _size(api)
    me = f"/v1/subjects/{ADULT}"
    # another subject's record seq, under my own identifier: not found, as if there were none
    nowhere = _post(api, "subject", f"{me}/objections", {"record": 10**6, "grounds": "x"})
    other = _post(api, "subject", f"{me}/objections", {"record": theirs, "grounds": "x"})
    assert _problem(other, 404)["detail"] == _problem(nowhere, 404)["detail"].replace(
        str(10**6), str(theirs)
    )
    body = {"record": their_penalty, "attested": dpcases.CONDITIONS, "commitment": "c"}
    _problem(_post(api, "subject", f"{me}/restorations", body), 404)
    # another subject's case number: not found either
    grounds = {"grounds": "x"}
    _problem(_post(api, "subject", f"{me}/objections/{their_case}/reconsideration", grounds), 404)
    # under the other subject's identifier: forbidden, whatever the rest
    them = f"/v1/subjects/{OTHER}"
    _problem(_post(api, "subject", f"{them}/objections", {"record": theirs, "grounds": "x"}), 403)
    _problem(_post(api, "subject", f"{them}/objections/{their_case}/reconsideration", grounds), 403)
    _problem(_post(api, "subject", f"{them}/restorations", body), 403)
    _problem(api.client.get(f"{them}/dueprocess", headers=api.headers("subject")), 403)
    assert _size(api) == before
    # and its own view holds none of the other's cases
    mine = api.client.get(f"{me}/dueprocess", headers=api.headers("subject")).json()
    assert their_case not in {c["case"] for c in mine["cases"]}


def test_an_authority_acts_on_its_own_authoritys_cases_only(api: Api) -> None:
    court_case = dpcases.objection(api, ADULT, COURT, "under_review")
    tax_case = dpcases.restoration(api, ADULT, OTHER_AUTHORITY)
    court_record = dpcases.dishonest(api, ADULT, COURT)
    before = _size(api)
    for url, body in (
        (f"/v1/objections/{court_case}/review", None),
        (f"/v1/objections/{court_case}/rejection", {"reasons": "No."}),
        (f"/v1/objections/{court_case}/upholding", {"reasons": "Yes."}),
        (
            "/v1/notices",
            {
                "subject": ADULT,
                "record": court_record,
                "list": "dishonest_judgment_debtors",
                "reasons": "r",
                "to": "a@example.com",
            },
        ),
    ):
        found = _problem(_post(api, "authority_other", url, body), 403)
        assert "authority" in found["detail"]
    _problem(_post(api, "authority", f"/v1/restorations/{tax_case}/grant", {"reasons": "ok"}), 403)
    other = api.headers("authority_other")
    _problem(api.client.get(f"/v1/cases/{court_case}", headers=other), 403)
    assert _size(api) == before
    # each lists its own; the auditor lists both
    readers = ("authority", "authority_other", "auditor")
    listed = {who: {c["case"] for c in _cases(api, who)} for who in readers}
    assert listed == {
        "authority": {court_case},
        "authority_other": {tax_case},
        "auditor": {court_case, tax_case},
    }
    # the tax authority grants its own
    granted = _post(api, "authority_other", f"/v1/restorations/{tax_case}/grant", {"reasons": "ok"})
    assert granted.json()["case"]["state"] == "granted", granted.text


def test_an_authority_key_bound_to_no_authority_acts_on_no_case(api: Api) -> None:
    later = datetime.now(UTC) + timedelta(days=1)
    _, token = api.ws.create_api_key(name="unbound", role=Role.authority, expires_at=later)
    case = dpcases.objection(api, ADULT, COURT)
    headers = {"Authorization": f"Bearer {token}"}
    _problem(api.client.get("/v1/cases", headers=headers), 403)
    _problem(api.client.post(f"/v1/objections/{case}/review", headers=headers), 403)
    # it still does what an authority key did before (read the packs)
    assert api.client.get("/v1/packs", headers=headers).status_code == 200


def test_the_auditor_reads_every_case_and_acts_on_none(api: Api) -> None:
    case = dpcases.objection(api, OTHER, OTHER_AUTHORITY)
    read = api.client.get(f"/v1/cases/{case}", headers=api.headers("auditor"))
    assert read.json()["state"] == "filed", read.text
    seen = api.client.get(f"/v1/subjects/{OTHER}/dueprocess", headers=api.headers("auditor"))
    assert [c["case"] for c in seen.json()["cases"]] == [case]
    _problem(_post(api, "auditor", f"/v1/objections/{case}/review"), 403)


def test_a_refused_step_is_409_with_its_reasons_and_next_remedy(api: Api) -> None:
    case = dpcases.objection(api, ADULT, COURT)
    seq = _steps(api, case)[0].refers_to
    before = _size(api)
    body = {"record": seq, "grounds": "Again."}
    found = _problem(_post(api, "subject", f"/v1/subjects/{ADULT}/objections", body), 409)
    assert found["remedy"] == "the authority decides by 2026-12-07"
    assert found["errors"] == [{"field": "step", "reason": f"{case} is filed", "line": None}]
    # reconsideration of an objection not rejected
    url = f"/v1/subjects/{ADULT}/objections/{case}/reconsideration"
    found = _problem(_post(api, "subject", url, {"grounds": "x"}), 409)
    assert found["remedy"] and found["errors"]
    # a decision must give reasons: whitespace is none
    _problem(_post(api, "authority", f"/v1/objections/{case}/rejection", {"reasons": "  "}), 422)
    assert _size(api) == before


def test_unknown_cases_are_404(api: Api) -> None:
    for url in ("/v1/objections/OBJ-2026-9999/review", "/v1/restorations/RES-2026-9999/refusal"):
        _problem(_post(api, "authority", url, {"reasons": "r"}), 404)
    _problem(api.client.get("/v1/cases/NOT-2026-9999", headers=api.headers("auditor")), 404)
    # a case number of the wrong kind for the route is refused by its pattern
    case = dpcases.restoration(api, ADULT, COURT)
    _problem(_post(api, "authority", f"/v1/objections/{case}/review"), 422)


def test_a_restoration_the_conditions_do_not_allow_is_recorded_refused(api: Api) -> None:
    seq = ingest(api, penalty(ADULT, "P-early"))
    body = {"record": seq, "attested": ["conduct_corrected"]}
    answer = _post(api, "subject", f"/v1/subjects/{ADULT}/restorations", body)
    assert answer.status_code == 201, answer.text
    case = answer.json()["case"]
    assert case["state"] == "refused" and "public_credit_commitment" in case["reasons"]
    assert case["remedy"].startswith(f"apply again from {TODAY}")
    assert [s["actor"] for s in case["steps"]] == [api.ws.subject_key(ADULT), "system"]
    # its display, and where the application stands, in the subject's view
    mine = api.client.get(f"/v1/subjects/{ADULT}/dueprocess", headers=api.headers("subject"))
    (shown,) = mine.json()["displays"]
    assert (shown["record_seq"], shown["may_apply_from"], shown["ends_on"]) == (
        seq,
        "2026-06-02",
        "2028-06-02",
    )
    assert shown["restoration"] == case["case"]


def test_a_notice_before_listing_and_the_subjects_deadline(api: Api) -> None:
    seq = dpcases.dishonest(api, ADULT, COURT)
    body = {
        "subject": ADULT,
        "record": seq,
        "list": "dishonest_judgment_debtors",
        "reasons": "Refuses to perform despite being able to.",
        "to": "debtor@example.com",
    }
    issued = _post(api, "authority", "/v1/notices", body)
    assert issued.status_code == 201, issued.text
    case = issued.json()["case"]
    assert case["deadlines"] == {"objection_by": "2026-12-02", "takes_effect": "2026-12-03"}
    sent = list((api.ws.settings.workspace / "outbox").glob(f"*{case['case']}*"))
    assert len(sent) == 1
    mine = api.client.get(f"/v1/subjects/{ADULT}/dueprocess", headers=api.headers("subject"))
    (notice,) = [c for c in mine.json()["cases"] if c["kind"] == "notice"]
    assert notice["remedy"] == "object by 2026-12-02"
    # an objection within the period holds the listing: no effective day any more
    _post(api, "subject", f"/v1/subjects/{ADULT}/objections", {"record": seq, "grounds": "x"})
    read = api.client.get(f"/v1/cases/{case['case']}", headers=api.headers("authority"))
    assert "takes_effect" not in read.json()["deadlines"]
    # a list that takes no notice through the workflow: 422, nothing sent
    _problem(_post(api, "authority", "/v1/notices", {**body, "list": "no_such_list"}), 422)


def test_overdue_cases_for_the_authority_to_act_on(api: Api) -> None:
    seq = dpcases.dishonest(api, ADULT, COURT)
    late = api.ws.dueprocess.file_objection(ADULT, seq, grounds="x", on=date(2026, 10, 12)).case
    on_time = dpcases.objection(api, ADULT, COURT)
    found = api.client.get("/v1/cases?overdue=true", headers=api.headers("authority")).json()
    assert [(c["case"], c["overdue"]) for c in found["cases"]] == [
        (late, ["review due by 2026-10-27, not decided"])
    ]
    every = api.client.get("/v1/cases?open=true", headers=api.headers("authority")).json()
    assert {c["case"] for c in every["cases"]} == {late, on_time}
    # nobody else sees them as the court's to act on
    theirs = api.client.get("/v1/cases?overdue=true", headers=api.headers("authority_other"))
    assert theirs.json()["cases"] == []


def test_an_upheld_objection_reaches_the_relying_parties_that_decided_on_the_record(
    api: Api,
) -> None:
    ingest(api, record("notice", ADULT, document_ref="N-reach"))  # the court's warning
    seq = dpcases.dishonest(api, ADULT, COURT)
    dp = api.ws.dueprocess
    # noticed in October: the listing is in force today, and a check rests on the record
    dp.issue_notice(
        ADULT,
        seq,
        "dishonest_judgment_debtors",
        actor="court",
        reasons="r",
        to="a@example.com",
        on=date(2026, 10, 12),
    )
    check = {"subject": ADULT, "action": "air_travel.book"}
    asked = api.client.post("/v1/checks", json=check, headers=api.headers("relying_party"))
    assert asked.json()["outcome"] == "restrict", asked.text
    case = dp.file_objection(ADULT, seq, grounds="Paid.").case
    upheld = _post(api, "authority", f"/v1/objections/{case}/upholding", {"reasons": "Paid."})
    assert upheld.status_code == 200, upheld.text
    got = upheld.json()
    assert got["case"]["state"] == "upheld"
    assert got["reached"] == 1
    assert got["notified"] == [f"relying_party#{_key_id(api, 'relying_party')}"]


def test_polling_the_cases_that_changed_since_a_cursor(api: Api) -> None:
    held = dpcases.dishonest(api, ADULT, COURT)
    notice = {
        "subject": ADULT,
        "record": held,
        "list": "dishonest_judgment_debtors",
        "reasons": "r",
        "to": "a@example.com",
    }
    noticed = _post(api, "authority", "/v1/notices", notice).json()["case"]["case"]
    quiet = dpcases.objection(api, ADULT, COURT)
    moving = dpcases.objection(api, ADULT, COURT)
    first = api.client.get("/v1/cases", headers=api.headers("authority")).json()
    assert [c["case"] for c in first["cases"]] == [noticed, quiet, moving]
    cursor = first["cursor"]
    assert cursor == max(c["steps"][-1]["seq"] for c in first["cases"])
    # nothing changed: nothing listed, the same cursor back
    again = _cases_since(api, cursor)
    assert (again["cases"], again["cursor"]) == ([], cursor)
    # a step on one case: that case only, and a newer cursor
    _post(api, "authority", f"/v1/objections/{moving}/review")
    changed = _cases_since(api, cursor)
    assert [c["case"] for c in changed["cases"]] == [moving]
    assert changed["cursor"] > cursor
    # the listings held while their notice's period to object runs
    held_now = api.client.get("/v1/cases?kind=notice&open=true", headers=api.headers("authority"))
    assert [c["case"] for c in held_now.json()["cases"]] == [noticed]


def _cases_since(api: Api, cursor: int) -> dict[str, Any]:
    found = api.client.get(f"/v1/cases?since={cursor}", headers=api.headers("authority"))
    assert found.status_code == 200, found.text
    out: dict[str, Any] = found.json()
    return out
