"""The authorisation matrix: every caller × every route × own vs other subject.

Deny by default: no key, an expired or a revoked key is 401 everywhere; a key of a role the
route does not admit is 403; a subject key reading another subject is 403; the roles the route
admits get a 2xx. A relying party's answer carries no record and no file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api import dpcases
from tests.api.conftest import (
    ADULT,
    COURT,
    OTHER,
    OTHER_AUTHORITY,
    Api,
    build,
    ingest,
    list_adult,
    penalty,
    record,
)
from tests.api.routes import ALLOWED, AUTHORITY_ROUTES, ROLES, SUBJECT_ROUTES

CALLERS = (None, "expired", "revoked", *ROLES)
PROPOSED: list[str] = []  # the version of the pack the matrix fixture proposed
WHOSE = ("own", "other")


def _notice(subject: str, ref: str, **over: object) -> dict[str, object]:
    return record("notice", subject, document_ref=f"{ref}-{subject}", **over)


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """An API whose ledger holds, for both subjects, a record to correct and one to revoke (a
    pack with the notice and restoration workflows the due-process routes need)."""
    built = build(tmp_path_factory.mktemp("matrix"), "dueprocess")
    # a pack to approve: one authority key approving it (twice: own, other) never activates it
    PROPOSED.append(built.ws.propose_pack(Path("rongcheng")).version)
    with built.client:
        for subject in (ADULT, OTHER):
            for ref in ("C", "R"):
                r = built.client.post(
                    "/v1/records", json=_notice(subject, ref), headers=built.headers("provider")
                )
                assert r.status_code == 200, r.text
        yield built


def _case(api: Api, path: str, subject: str, fresh: bool) -> str:
    """A case for a due-process route: `subject`'s (of the matrix's court for ADULT, of another
    authority for OTHER), in the state the route acts on; made anew when the step will be
    taken (`fresh`), else one of the right kind made once (the request is refused before it
    would act)."""
    provider = COURT if subject == ADULT else OTHER_AUTHORITY
    kind = "RES" if "/restorations/" in path else "OBJ"
    if not fresh and (kind, subject) in _CASES:
        return _CASES[kind, subject]
    if kind == "RES":
        case = dpcases.restoration(api, subject, provider)
    else:
        state = {
            "review": "filed",
            "rejection": "under_review",
            "upholding": "under_review",
            "reconsideration-decision": "reconsideration",
            "reconsideration": "rejected",
        }.get(path.rsplit("/", 1)[-1], "filed")
        case = dpcases.objection(api, subject, provider, state if fresh else "filed")
    if not fresh:
        _CASES[kind, subject] = case
    return case


_CASES: dict[tuple[str, str], str] = {}


def _due_process(api: Api, method: str, path: str, subject: str, fresh: bool) -> dict[str, Any]:
    """The request body of a due-process route, and its case."""
    provider = COURT if subject == ADULT else OTHER_AUTHORITY
    if path.endswith("/objections") and fresh:
        return {"json": {"record": dpcases.dishonest(api, subject, provider), "grounds": "Paid."}}
    if path.endswith("/restorations") and fresh:
        seq = ingest(api, penalty(subject, f"PM-{len(_CASES)}-{subject}", provider))
        return {"json": {"record": seq, "attested": dpcases.CONDITIONS, "commitment": "Kept."}}
    if path == "/v1/notices":
        seq = dpcases.dishonest(api, subject, provider) if fresh else 0
        return {
            "json": {
                "subject": subject,
                "record": seq,
                "list": "dishonest_judgment_debtors",
                "reasons": "Refuses to perform despite being able to.",
                "to": "debtor@example.com",
            }
        }
    body = {
        "rejection": {"reasons": "The receipt names no case."},
        "upholding": {"reasons": "Paid before the decision."},
        "reconsideration-decision": {"uphold": False, "reasons": "Not paid."},
        "grant": {"reasons": "Fine paid; commitment published."},
        "refusal": {"reasons": "Fine unpaid.", "remedy": "apply again once it is paid"},
        "reconsideration": {"grounds": "The bank confirms the payment."},
        "objections": {"record": 0, "grounds": "Paid."},
        "restorations": {"record": 0, "attested": dpcases.CONDITIONS, "commitment": "Kept."},
    }.get(path.rsplit("/", 1)[-1])
    return {} if body is None or method == "GET" else {"json": body}


def _request(api: Api, method: str, path: str, subject: str, fresh: bool = False) -> dict[str, Any]:
    """A valid request for the route, about `subject`; `fresh`: a due-process step will be
    taken, on state made for it."""
    if "{case}" in path:
        path = path.replace("{case}", _case(api, path, subject, fresh))
    due = _due_process(api, method, path, subject, fresh) if _DUE.match(path) else {}
    bodies: dict[tuple[str, str], Callable[[], dict[str, Any]]] = {
        ("POST", "/v1/records"): lambda: {"json": _notice(subject, "N")},
        ("POST", "/v1/records/corrections"): lambda: {
            "json": _notice(subject, "C", refers_to=f"C-{subject}", decision_date="2023-02-02")
        },
        ("POST", "/v1/records/revocations"): lambda: {
            "json": _notice(subject, "R", refers_to=f"R-{subject}", decision_date="2023-02-03")
        },
        ("POST", "/v1/records/batch"): lambda: {
            "files": {"file": ("r.jsonl", _jsonl(_notice(subject, "B")), "application/x-ndjson")}
        },
        ("POST", "/v1/checks"): lambda: {"json": {"subject": subject, "action": "air_travel.book"}},
        ("POST", "/v1/checks/batch"): lambda: {
            "json": {"subjects": [subject], "action": "air_travel.book"}
        },
        ("POST", "/v1/changes"): lambda: {"json": {"subjects": [subject]}},
        ("GET", "/v1/decisions"): lambda: {"params": {"subject": subject}},
        ("POST", "/v1/keys"): lambda: {
            "json": {"name": "n", "role": "subject", "subject": subject}
        },
    }
    url = path.replace("{identifier}", subject).replace("{name}", "dishonest_judgment_debtors")
    url = url.replace("{version}", PROPOSED[-1])
    if "{key_id}" in url:
        key, _ = api.ws.api_keys.create(**_throwaway())
        url = url.replace("{key_id}", key.key_id)
    return {"method": method, "url": url, **bodies.get((method, path), dict)(), **due}


_DUE = re.compile(
    r"^/v1/(notices|objections/|restorations/|subjects/\{identifier\}/(objections|restorations))"
)


CASE_REF = "(2023)京0105执200号"


def _jsonl(row: dict[str, object]) -> bytes:
    import json

    return (json.dumps(row, ensure_ascii=False) + "\n").encode()


def _throwaway() -> dict[str, Any]:
    from datetime import UTC, datetime, timedelta

    from xinyong.domain.access import Role, Scope

    now = datetime.now(UTC)
    return {
        "name": "throwaway",
        "role": Role.auditor,
        "scope": Scope(),
        "now": now,
        "expires_at": now + timedelta(days=1),
    }


@pytest.mark.parametrize("whose", WHOSE)
@pytest.mark.parametrize(("method", "path"), sorted(ALLOWED), ids=str)
@pytest.mark.parametrize("caller", CALLERS, ids=lambda c: c or "no-key")
def test_matrix(matrix: Api, caller: str | None, method: str, path: str, whose: str) -> None:
    api, subject = matrix, ADULT if whose == "own" else OTHER
    allowed = caller in ALLOWED[(method, path)]
    request = _request(api, method, path, subject, fresh=allowed and method == "POST")
    response = api.client.request(headers=api.headers(caller), **request)
    body = response.text
    if caller in (None, "expired", "revoked"):
        assert response.status_code == 401, body
        assert response.headers["www-authenticate"] == "Bearer"
    elif (
        not allowed
        or (caller == "subject" and path in SUBJECT_ROUTES and whose == "other")
        or (caller == "authority" and path in AUTHORITY_ROUTES and whose == "other")
    ):
        assert response.status_code == 403, body
    else:
        assert 200 <= response.status_code < 300, body
    if not 200 <= response.status_code < 300:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == response.status_code


def test_every_route_is_in_the_table(matrix: Api) -> None:
    served = {
        (method.upper(), path)
        for path, ops in matrix.client.get("/openapi.json").json()["paths"].items()
        for method in ops
    }
    assert served == set(ALLOWED)


def test_every_route_admits_someone_and_no_route_admits_everyone() -> None:
    for route, roles in ALLOWED.items():
        assert roles, route
        assert roles != set(ROLES), route


def test_a_relying_party_sees_reason_codes_never_records(api: Api) -> None:
    c, rp = api.client, api.headers("relying_party")
    list_adult(api)
    answer = c.post("/v1/checks", json={"subject": ADULT, "action": "air_travel.book"}, headers=rp)
    got = answer.json()
    assert got["outcome"] == "restrict"
    assert set(got["codes"]) == {"measure_applies"}  # the codes a relying party is told
    # (`officer`: the role and entity a measure reaches a person through, none here)
    assert {
        "measure",
        "kind",
        "outcome",
        "agency",
        "legal_basis",
        "lists",
        "grade",
        "officer",
    } == set(got["reasons"][0])
    text = answer.text
    for secret in (CASE_REF, "court:110105", "refuses_despite_ability", "subject_key"):
        assert secret not in text


def test_a_relying_party_checks_only_the_actions_it_was_granted(api: Api) -> None:
    r = api.client.post(
        "/v1/checks",
        json={"subject": ADULT, "action": "rail.high_speed.book"},
        headers=api.headers("relying_party"),
    )
    assert r.status_code == 403
    assert "air_travel.book" in r.json()["detail"]


def test_a_provider_submits_only_for_its_authority_and_types(api: Api) -> None:
    c = api.client
    before = api.ws.verify(key=api.ws.public_key_file()).size
    for who, row in (
        ("provider_other", record("notice")),  # another authority's key, this court's record
        ("provider", record("notice", provider="tax:3501")),
        ("provider", record("notice", record_type="tax.arrears")),
    ):
        r = c.post("/v1/records", json=row, headers=api.headers(who))
        assert r.status_code == 403, r.text
        assert r.json()["errors"], r.text
    assert api.ws.verify(key=api.ws.public_key_file()).size == before  # nothing written
