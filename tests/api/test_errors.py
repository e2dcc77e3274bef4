"""One error shape: RFC 9457 problem details for every error, naming the fields at fault;
never a 500 for bad input."""

from __future__ import annotations

import pytest

from tests.api.conftest import ADULT, Api

SHAPE = {"type", "title", "status", "detail", "errors"}


def _problem(response, status: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert set(body) == SHAPE
    assert body["status"] == status
    assert str(body["type"]).startswith("https://")
    return body


def test_no_key(api: Api) -> None:
    body = _problem(api.client.get("/v1/packs"), 401)
    assert body["title"] == "Unauthorized"
    assert body["errors"] == []


@pytest.mark.parametrize(
    "header", ["Bearer nonsense", "Bearer xy_000000000000_secret", "Basic dXNlcjpwYXNz", "Bearer "]
)
def test_a_bad_key_is_401_whatever_is_wrong(api: Api, header: str) -> None:
    body = _problem(api.client.get("/v1/packs", headers={"Authorization": header}), 401)
    assert body["detail"] in {
        "invalid, expired or revoked API key",
        "an API key is required: Authorization: Bearer <token>",
    }


def test_a_tampered_secret_is_refused(api: Api) -> None:
    token = api.tokens["authority"]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    _problem(api.client.get("/v1/packs", headers={"Authorization": f"Bearer {tampered}"}), 401)


def test_wrong_role(api: Api) -> None:
    body = _problem(api.client.get("/v1/packs", headers=api.headers("provider")), 403)
    assert "provider" in str(body["detail"])


def test_validation_names_every_field(api: Api) -> None:
    r = api.client.post(
        "/v1/checks/batch", json={"subjects": [], "extra": 1}, headers=api.headers("relying_party")
    )
    body = _problem(r, 422)
    fields = {e["field"] for e in body["errors"]}  # type: ignore[attr-defined]
    assert fields == {"body.subjects", "body.action", "body.extra"}


def test_malformed_json_is_422_not_500(api: Api) -> None:
    r = api.client.post(
        "/v1/checks",
        content=b"{not json",
        headers={**api.headers("relying_party"), "content-type": "application/json"},
    )
    _problem(r, 422)


def test_an_undecodable_body_is_400_naming_the_body(api: Api) -> None:
    r = api.client.post(
        "/v1/checks",
        content=b"\xff\xfe{",
        headers={**api.headers("relying_party"), "content-type": "application/json"},
    )
    assert _problem(r, 400)["errors"][0]["field"] == "body"  # type: ignore[index]


def test_a_bad_identifier_names_it(api: Api) -> None:
    wrong = ADULT[:-1] + ("0" if ADULT[-1] != "0" else "1")
    r = api.client.post(
        "/v1/checks",
        json={"subject": wrong, "action": "air_travel.book"},
        headers=api.headers("relying_party"),
    )
    body = _problem(r, 422)
    assert "check character" in str(body["detail"])


def test_a_bad_identifier_in_a_batch_is_named_and_the_rest_checked(api: Api) -> None:
    r = api.client.post(
        "/v1/checks/batch",
        json={"subjects": [ADULT, "123"], "action": "air_travel.book"},
        headers=api.headers("relying_party"),
    )
    assert r.status_code == 200
    first, second = r.json()["results"]
    assert first["outcome"] == "allow"
    assert second["error"]["field"] == "body.subjects.1"


def test_too_many_subjects(api: Api) -> None:
    r = api.client.post(
        "/v1/checks/batch",
        json={"subjects": [ADULT] * 10_001, "action": "air_travel.book"},
        headers=api.headers("relying_party"),
    )
    assert _problem(r, 422)["errors"][0]["field"] == "body.subjects"  # type: ignore[index]


def test_unknown_route_and_method(api: Api) -> None:
    _problem(api.client.get("/v1/nothing-here"), 404)
    _problem(api.client.put("/v1/packs", headers=api.headers("authority")), 405)


def test_unknown_list(api: Api) -> None:
    body = _problem(
        api.client.get("/v1/lists/dishonest_debtors", headers=api.headers("authority")), 404
    )
    assert "dishonest_judgment_debtors" in str(body["detail"])  # did you mean


def test_a_cursor_not_issued_here(api: Api) -> None:
    r = api.client.post(
        "/v1/changes",
        json={"subjects": [ADULT], "cursor": "99999.x.y"},
        headers=api.headers("relying_party"),
    )
    assert _problem(r, 422)["errors"] == [
        {"field": "cursor", "reason": "not a cursor this server issued", "line": None}
    ]


def test_an_unexpected_error_is_a_bare_500_problem(api: Api) -> None:
    def boom() -> None:
        raise RuntimeError("secret internals")

    api.client.app.add_api_route("/v1/boom", boom)  # type: ignore[attr-defined]
    body = _problem(api.client.get("/v1/boom"), 500)
    assert "secret internals" not in str(body)
