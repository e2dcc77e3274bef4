"""Pack approvals over the API: two distinct authority keys put a proposed pack in force; one
key twice does not; no other role may approve."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.conftest import Api


@pytest.fixture
def api(api_on_both: Api) -> Api:
    """Every test here on a DuckDB ledger and on a PostgreSQL one (`conftest.api_on_both`)."""
    return api_on_both


def _approve(api: Api, version: str, who: str) -> tuple[int, dict[str, object]]:
    r = api.client.post(f"/v1/packs/{version}/approvals", headers=api.headers(who))
    return r.status_code, r.json()


def test_two_authority_keys_activate_a_proposed_pack(api: Api) -> None:
    old = api.ws.pack.version
    version = api.ws.propose_pack(Path("rongcheng")).version
    listed = api.client.get("/v1/packs", headers=api.headers("auditor")).json()["packs"]
    assert [(p["version"], p["in_force"]) for p in listed] == [(old, True), (version, False)]
    assert listed[0]["activated_seq"] == 0 and listed[0]["approvers"] == []

    for who in ("relying_party", "provider", "auditor", "subject", "admin"):
        status, body = _approve(api, version, who)
        assert status == 403, body

    status, first = _approve(api, version, "authority")
    assert status == 200 and first["activated"] is False and first["in_force"] is False
    assert len(first["recorded"]) == 1  # type: ignore[arg-type]
    status, again = _approve(api, version, "authority")  # the same key: counted once
    assert status == 200 and again["recorded"] == [] and again["activated"] is False
    assert again["approvers"] == first["approvers"]
    listed = api.client.get("/v1/packs", headers=api.headers("authority")).json()["packs"]
    assert listed[1]["approvers"] == first["approvers"] and listed[0]["version"] == old

    status, second = _approve(api, version, "authority_other")
    assert status == 200 and second["activated"] is True and second["in_force"] is True
    approval, activation = second["recorded"]  # type: ignore[misc]
    assert activation == approval + 1
    assert len(second["approvers"]) == 2  # type: ignore[arg-type]
    listed = api.client.get("/v1/packs", headers=api.headers("authority")).json()["packs"]
    assert listed[0]["version"] == version and listed[0]["in_force"] is True
    assert listed[0]["name"] == "rongcheng" and listed[0]["activated_seq"] == activation
    with api.ws.ledger(read_only=True) as store:
        kinds = [(e.seq, e.record_type) for e in store.steps()]
    assert kinds[-3:] == [
        (first["recorded"][0], "pack.approval"),  # type: ignore[index]
        (approval, "pack.approval"),
        (activation, "pack.activation"),
    ]
    # the new law is the one checks apply
    r = api.client.post(
        "/v1/checks",
        json={"subject": "91350100M000100Y43", "action": "air_travel.book"},
        headers=api.headers("relying_party"),
    )
    assert r.status_code == 200 and r.json()["pack_version"] == version
    status, body = _approve(api, version, "authority")
    assert status == 422 and "already in force" in str(body["detail"])


def test_an_unknown_or_malformed_version_is_refused(api: Api) -> None:
    status, body = _approve(api, "sha256:" + "1" * 64, "authority")
    assert status == 404 and "propose it first" in str(body["detail"])
    status, _ = _approve(api, "national", "authority")
    assert status == 422
