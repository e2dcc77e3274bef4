"""`xinyong calendar`, and the warning `evaluate`, `verify` and `serve` print on stderr when the
working-day calendar ends within 90 days (the clock pinned: `XINYONG_TODAY`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xinyong.cli.main import app
from xinyong.domain.workdays import WorkdayCalendar
from xinyong.errors import SettingsError
from xinyong.service import Workspace

LAST = WorkdayCalendar.official().last_year
WARNING = f"warning: the working-day calendar ends on {LAST}-12-31"

# SYNTHETIC TEST DATA for the year after the package's last: not an official arrangement.
SYNTHETIC = f"""\
{LAST + 1}:
  source: SYNTHETIC arrangement for tests (not official)
  holidays:
    {LAST + 1}-01-01: New Year's Day
    {LAST + 1}-05-01: Labour Day
    {LAST + 1}-05-02: Labour Day
    {LAST + 1}-10-01: National Day
    {LAST + 1}-10-02: National Day
    {LAST + 1}-10-03: National Day
"""


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("calendar") / "ws"
    Workspace.init(where, today=date(LAST, 12, 5))
    return where


def _run(args: list[str], today: date) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, args, env={"XINYONG_TODAY": today.isoformat()})
    return result.exit_code, result.stdout, result.stderr


def test_calendar_shows_the_known_years_and_warns_near_their_end(ws: Path) -> None:
    code, out, _ = _run(["calendar", "-w", str(ws)], date(LAST, 12, 5))
    assert code == 0
    assert f"2004-{LAST} chinese-calendar" in out
    assert f"known through: {LAST}-12-31 (26 days from today)" in out
    assert WARNING in out and f"deadlines falling in {LAST + 1} are pending" in out
    code, out, _ = _run(["calendar", "-w", str(ws), "--on", f"{LAST}-06-01"], date(LAST, 12, 5))
    assert code == 0 and "ok: more than 90 days known ahead" in out and "warning" not in out


def test_calendar_checks_an_override_file_before_it_is_named_in_the_settings(
    ws: Path, tmp_path: Path
) -> None:
    good = tmp_path / "next-year.yaml"
    good.write_text(SYNTHETIC, encoding="utf-8")
    code, out, _ = _run(["calendar", "-w", str(ws), "--overrides", str(good)], date(LAST, 12, 5))
    assert code == 0, out
    assert f"{LAST + 1}      SYNTHETIC arrangement for tests (not official) (next-year.yaml)" in out
    assert f"known through: {LAST + 1}-12-31" in out and "ok:" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text(SYNTHETIC.replace("-05-02", "-05-32"), encoding="utf-8")
    result = CliRunner().invoke(app, ["calendar", "-w", str(ws), "--overrides", str(bad)])
    # `main()`'s error handler prints it as `Error: …` and exits 1
    assert isinstance(result.exception, SettingsError)
    assert f"bad.yaml:6 {LAST + 1}.holidays: '{LAST + 1}-05-32' is not a date" in str(
        result.exception
    )


def test_evaluate_verify_and_serve_warn_on_stderr(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)
    key = str(ws.parent / "ws.keys" / "ledger.pub")
    for args in (["evaluate"], ["verify", "--key", key], ["serve"]):
        code, out, err = _run([*args, "-w", str(ws)], date(LAST, 12, 5))
        assert code == 0, (args, out, err)
        assert WARNING in err and WARNING not in out, args
        code, out, err = _run([*args, "-w", str(ws)], date(LAST, 6, 1))
        assert code == 0 and "warning" not in err, args
