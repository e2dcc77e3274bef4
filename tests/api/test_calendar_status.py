"""Operators see the working-day calendar's end, and its warning, on `GET /v1/evaluations`."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.conftest import TODAY
from xinyong.domain.workdays import WorkdayCalendar


def test_evaluations_carry_the_calendar_warning(api: Api) -> None:
    last = WorkdayCalendar.official().last_year
    r = api.client.get("/v1/evaluations", headers=api.headers("authority"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["calendar_known_until"] == f"{last}-12-31"
    days = (WorkdayCalendar.official().known_until(TODAY) - TODAY).days  # type: ignore[operator]
    warned = body["calendar_warning"]
    assert (warned is not None) == (days <= 90)
    if warned is not None:
        assert f"deadlines falling in {last + 1} are pending" in warned
