"""The batch check's two forms and its fast layer (api/fastbatch.py, api/batchjson.py).

`?form=compact` says exactly what the items say (each distinct answer once, an index per
subject, the invalid identifiers' problems), from the hot file and from the slow path alike, and
nothing a relying party may not see. `FastBatch` answers the ordinary batch in front of the
routing: its bytes are the route's; whatever is not ordinary gets the route's answer; a batch is
one decision log line whichever answers it; a failed log is the route's problem, never an answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.conftest import ADULT, FIRM, OTHER, Api, list_adult
from xinyong.api.fastbatch import FastBatch
from xinyong.api.schemas import BatchCheckOut, BatchCheckTable, Reason

AIR = "air_travel.book"
PATH = "/v1/checks/batch"
# FastAPI reads this as JSON; the fast layer takes only `application/json` exactly, so a request
# with it is answered by the route: the reference the fast answers are held to
ROUTE = {"Content-Type": "application/json; charset=utf-8"}
# restricted twice (once in lower case), an invalid identifier, allowed ones, repeated
SUBJECTS = [ADULT, "123", FIRM, ADULT.lower(), OTHER, FIRM, "91350100M000100Y4X"]


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Whether the fast layer took each request, in order."""
    seen: list[bool] = []
    answer = FastBatch._answer

    async def spy(self: FastBatch, *args: Any) -> bool:
        took = await answer(self, *args)
        seen.append(took)
        return took

    monkeypatch.setattr(FastBatch, "_answer", spy)
    yield seen


def _lines(api: Api) -> int:
    s = api.ws.settings
    path = s.path(s.decision_log)
    return len(path.read_bytes().splitlines()) if path.exists() else 0


def _expand(table: dict[str, Any]) -> list[dict[str, Any]]:
    """The items a compact answer stands for (less the subjects, which the caller sent)."""
    errors = iter(table["errors"])
    out = []
    for k in table["answer"]:
        if k is None:
            out.append({"outcome": None, "codes": [], "reasons": [], "error": next(errors)})
        else:
            out.append({**table["answers"][k], "error": None})
    assert next(errors, None) is None, "a problem for every null, and none else"
    return out


def _post(api: Api, form: str | None, headers: dict[str, str] | None = None) -> Any:
    query = f"?form={form}" if form else ""
    rp = api.headers("relying_party")
    body = {"subjects": SUBJECTS, "action": AIR}
    return api.client.post(PATH + query, json=body, headers={**rp, **(headers or {})})


def test_compact_says_what_the_items_say(api: Api, taken: list[bool]) -> None:
    list_adult(api)
    items = _post(api, None)
    compact = _post(api, "compact")
    assert taken == [True, True]
    assert items.status_code == compact.status_code == 200, compact.text
    got = compact.json()
    whole = items.json()
    assert {k: got[k] for k in ("action", "as_of", "pack_version")} == {
        k: whole[k] for k in ("action", "as_of", "pack_version")
    }
    assert _expand(got) == [
        {k: v for k, v in item.items() if k != "subject"} for item in whole["results"]
    ]
    assert [item["subject"] for item in whole["results"]] == SUBJECTS
    # each distinct answer once, in the order of its first subject
    assert [a["outcome"] for a in got["answers"]] == ["restrict", "allow"]
    assert got["answer"] == [0, None, 1, 0, 1, 1, None]
    assert [e["field"] for e in got["errors"]] == ["body.subjects.1", "body.subjects.6"]
    # both are the models' own JSON, byte for byte
    assert BatchCheckTable.model_validate_json(compact.content).model_dump_json().encode() == (
        compact.content
    )
    assert BatchCheckOut.model_validate_json(items.content).model_dump_json().encode() == (
        items.content
    )


def test_compact_shows_a_relying_party_nothing_more(api: Api) -> None:
    list_adult(api)
    r = _post(api, "compact")
    got = r.json()
    assert set(got) == {"action", "as_of", "pack_version", "answers", "answer", "errors"}
    for answer in got["answers"]:
        assert set(answer) == {"outcome", "codes", "reasons"}
        for reason in answer["reasons"]:
            assert set(reason) == set(Reason.model_fields)
    restricted = got["answers"][0]["reasons"][0]
    assert restricted["legal_basis"], "the measure and its legal basis"
    # no record, case, court or document of the subject's file; no identifier echoed
    for secret in ("(2023)", "Chaoyang", "court:110105", "2023-03-01", ADULT, FIRM):
        assert secret not in r.text


@pytest.mark.parametrize("form", [None, "items", "compact"])
def test_the_fast_answer_is_the_routes(api: Api, taken: list[bool], form: str | None) -> None:
    list_adult(api)
    before = _lines(api)
    fast = _post(api, form)
    route = _post(api, form, ROUTE)
    assert taken == [True], "the fast layer took the first request only"
    assert fast.status_code == route.status_code == 200, fast.text
    assert fast.content == route.content
    assert fast.headers["content-type"] == route.headers["content-type"] == "application/json"
    assert int(fast.headers["content-length"]) == len(fast.content)
    assert _lines(api) == before + 2, "each batch one line"


@pytest.mark.parametrize("form", ["items", "compact"])
def test_the_slow_path_answers_alike_and_logs_once(api: Api, taken: list[bool], form: str) -> None:
    list_adult(api)
    hot = _post(api, form)
    api.ws.hot_file().unlink()  # no hot file: only the route's slow path can answer
    before = _lines(api)
    slow = _post(api, form)
    assert slow.status_code == 200, slow.text
    assert taken == [True, False]
    assert slow.json() == hot.json()
    # the slow path logs a line per valid subject (`Checker.check`), and nothing else does
    assert _lines(api) == before + len(SUBJECTS) - 2


@pytest.mark.parametrize(
    ("who", "query", "content", "status"),
    [
        (None, "", {"subjects": [ADULT], "action": AIR}, 401),
        ("revoked", "?form=compact", {"subjects": [ADULT], "action": AIR}, 401),
        ("auditor", "?form=compact", {"subjects": [ADULT], "action": AIR}, 403),
        ("relying_party", "", {"subjects": [ADULT], "action": "rail.high_speed.book"}, 403),
        ("relying_party", "?form=compact", {"subjects": [ADULT]}, 422),
        ("relying_party", "", {"subjects": [], "action": AIR, "x": 1}, 422),
        ("relying_party", "?form=compact", {"subjects": [ADULT] * 10_001, "action": AIR}, 422),
        ("relying_party", "?form=table", {"subjects": [ADULT], "action": AIR}, 422),
        ("relying_party", "", '{"subjects": [', 422),
    ],
)
def test_what_is_not_ordinary_gets_the_routes_problem_and_no_line(  # noqa: PLR0917 - fixtures
    api: Api,
    taken: list[bool],
    who: str | None,
    query: str,
    content: str | dict[str, object],
    status: int,
) -> None:
    if not isinstance(content, str):
        content = json.dumps(content)
    before = _lines(api)
    headers = {**api.headers(who), "Content-Type": "application/json"}
    r = api.client.post(PATH + query, content=content, headers=headers)
    # the same request the fast layer never sees gets the same problem
    reference = api.client.post(PATH + query, content=content, headers={**headers, **ROUTE})
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json() == reference.json()
    assert taken in ([False], []), "passed on (an unknown form or no bearer key: not even tried)"
    assert _lines(api) == before, "nothing logged for a refused batch"


def test_a_failed_log_is_the_routes_problem_not_an_answer(api: Api, taken: list[bool]) -> None:
    def broken(fd: int) -> None:
        raise OSError(5, "Input/output error")

    api.ws.quick.log._fsync = broken
    r = _post(api, "compact")
    assert taken == [True]
    reference = _post(api, "compact", ROUTE)
    assert r.status_code == reference.status_code == 409, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert "decision log" in r.json()["detail"]
    assert "answer" not in r.json()
