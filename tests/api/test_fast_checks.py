"""`FastChecks` (api/fast.py) answers the ordinary single check in front of FastAPI's routing:
its answer is the route's, byte for byte; whatever is not ordinary goes to the route and gets
the route's answer; a check is logged once whichever answers it; a failed log is the route's
problem, never an answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import ADULT, FIRM, Api, list_adult
from xinyong.api.fast import FastChecks

CHECK = {"subject": ADULT, "action": "air_travel.book"}
# FastAPI reads this as JSON; the fast layer takes only `application/json` exactly, so a request
# with it is answered by the route: the reference the fast answers are held to
ROUTE = {"Content-Type": "application/json; charset=utf-8"}


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Whether the fast layer took each request, in order."""
    seen: list[bool] = []
    answer = FastChecks._answer

    async def spy(self: FastChecks, *args: Any) -> bool:
        took = await answer(self, *args)
        seen.append(took)
        return took

    monkeypatch.setattr(FastChecks, "_answer", spy)
    yield seen


def _lines(api: Api) -> int:
    s = api.ws.settings
    path = s.path(s.decision_log)
    return len(path.read_bytes().splitlines()) if path.exists() else 0


@pytest.mark.parametrize("who", [ADULT, FIRM])
def test_the_fast_answer_is_the_routes(api: Api, taken: list[bool], who: str) -> None:
    list_adult(api)  # ADULT restricted, with reasons; FIRM allowed
    rp = api.headers("relying_party")
    body = {"subject": who, "action": "air_travel.book"}
    before = _lines(api)
    fast = api.client.post("/v1/checks", json=body, headers=rp)
    route = api.client.post("/v1/checks", json=body, headers={**rp, **ROUTE})
    assert taken == [True], "the fast layer took the first request only"
    assert fast.status_code == route.status_code == 200, fast.text
    assert fast.content == route.content
    assert fast.headers["content-type"] == route.headers["content-type"] == "application/json"
    assert int(fast.headers["content-length"]) == len(fast.content)
    assert _lines(api) == before + 2, "each check logged once"
    assert fast.json()["outcome"] == ("restrict" if who == ADULT else "allow")


AIR = "air_travel.book"


@pytest.mark.parametrize(
    ("who", "content", "status"),
    [
        (None, {"subject": ADULT, "action": AIR}, 401),
        ("revoked", {"subject": ADULT, "action": AIR}, 401),
        ("expired", {"subject": ADULT, "action": AIR}, 401),
        ("auditor", {"subject": ADULT, "action": AIR}, 403),
        ("relying_party", {"subject": ADULT, "action": "rail.high_speed.book"}, 403),
        ("relying_party", {"subject": ADULT}, 422),
        ("relying_party", {"subject": ADULT, "action": AIR, "x": 1}, 422),
        ("relying_party", {"subject": "123", "action": AIR}, 422),
        ("relying_party", '{"subject": ', 422),
    ],
)
def test_what_is_not_ordinary_gets_the_routes_problem_and_no_line(
    api: Api, taken: list[bool], who: str | None, content: str | dict[str, object], status: int
) -> None:
    if not isinstance(content, str):
        content = json.dumps(content)
    before = _lines(api)
    headers = {**api.headers(who), "Content-Type": "application/json"}
    r = api.client.post("/v1/checks", content=content, headers=headers)
    # the same request the fast layer never sees gets the same problem
    reference = api.client.post("/v1/checks", content=content, headers={**headers, **ROUTE})
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json() == reference.json()
    assert taken in ([False], []), "passed on (a request without a bearer key is not even tried)"
    assert _lines(api) == before, "nothing logged for a refused check"


def test_the_slow_path_is_the_routes_and_logs_once(api: Api, taken: list[bool]) -> None:
    list_adult(api)
    api.ws.hot_file().unlink()  # no hot file: only the route's slow path can answer
    before = _lines(api)
    r = api.client.post("/v1/checks", json=CHECK, headers=api.headers("relying_party"))
    assert r.status_code == 200, r.text
    assert r.json()["outcome"] == "restrict"
    assert taken == [False]
    assert _lines(api) == before + 1


def test_a_failed_log_is_the_routes_problem_not_an_answer(api: Api, taken: list[bool]) -> None:
    def broken(fd: int) -> None:
        raise OSError(5, "Input/output error")

    api.ws.quick.log._fsync = broken
    rp = api.headers("relying_party")
    r = api.client.post("/v1/checks", json=CHECK, headers=rp)
    assert taken == [True]
    reference = api.client.post("/v1/checks", json=CHECK, headers={**rp, **ROUTE})
    assert r.status_code == reference.status_code == 409, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert "decision log" in r.json()["detail"]
    assert "outcome" not in r.json()


def test_a_key_revoked_by_another_process_is_refused_at_the_next_check(
    api: Api, taken: list[bool]
) -> None:
    from datetime import UTC, datetime

    from xinyong.service import Workspace

    rp = api.headers("relying_party")
    assert api.client.post("/v1/checks", json=CHECK, headers=rp).status_code == 200
    # the CLI's view of the workspace: its own key store object over the same key file
    other = Workspace.open(api.ws.settings.workspace).api_keys
    key = next(k for k in other.list_keys() if k.name == "relying_party")
    other.revoke(key.key_id, datetime.now(UTC))
    r = api.client.post("/v1/checks", json=CHECK, headers=rp)
    assert r.status_code == 401, r.text
    assert taken == [True, False]


@pytest.mark.parametrize("freeze", [False, True])
def test_the_server_freezes_what_startup_left(api: Api, freeze: bool) -> None:
    """`freeze_gc` (what `xinyong serve` asks for): once started, the startup objects are out of
    the cyclic collector's passes (its full passes over them were the p99 at 32 connections),
    and the app answers as before."""
    import gc

    from fastapi.testclient import TestClient

    from xinyong.api import create_app

    before = gc.get_freeze_count()
    try:
        with TestClient(create_app(api.ws.settings, freeze_gc=freeze)) as client:
            frozen = gc.get_freeze_count()
            got = client.post("/v1/checks", json=CHECK, headers=api.headers("relying_party"))
            assert got.status_code == 200, got.text
            assert got.json()["outcome"] == "allow"
    finally:
        gc.unfreeze()  # a test process builds many apps: let the collector see them again
    assert (frozen > before) is freeze
