"""`xinyong calendar`: the working-day calendar deadlines are counted on, and the early warning
operators get (here, and from `evaluate`, `verify` and `serve`) before it runs out."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from xinyong.domain.workdays import WARN_DAYS, coverage_warning, spans
from xinyong.service import Workspace

WorkspaceOpt = Annotated[
    Path,
    typer.Option("--workspace", "-w", envvar="XINYONG_WORKSPACE", help="Workspace folder."),
]


def warn(ws: Workspace) -> None:
    """The calendar's warning, on stderr (stdout carries the command's own output), if any."""
    found = coverage_warning(ws.calendar, ws.today())
    if found is not None:
        typer.echo(f"warning: {found}", err=True)


def calendar(
    workspace: WorkspaceOpt = Path("."),
    on: Annotated[
        datetime | None,
        typer.Option("--on", formats=["%Y-%m-%d"], help="Take this day as today."),
    ] = None,
    overrides: Annotated[
        Path | None,
        typer.Option(
            "--overrides",
            metavar="FILE",
            help="Check this workday override file and show the calendar with it, before "
            "naming it in the settings (default: the settings' workday_overrides).",
        ),
    ] = None,
) -> None:
    """Show the working-day calendar: the years whose State Council holiday arrangement is
    known, with their source (the chinese-calendar package, or the workday override file), the
    last known year, and a warning when today is within 90 days of its end. Deadlines past it
    are pending and the listings resting on them held (docs/guides/calendar.md)."""
    ws = Workspace.open(workspace)
    if overrides is None:
        cal = ws.calendar
    else:
        from xinyong.domain.workdays import WorkdayCalendar
        from xinyong.policy.workdays import load_workday_overrides

        cal = WorkdayCalendar.official(load_workday_overrides(overrides))
    today = on.date() if on else ws.today()
    typer.echo(f"working-day calendar (today {today}):")
    for first, last, source in spans(cal):
        years = str(first) if first == last else f"{first}-{last}"
        typer.echo(f"  {years:<9} {source}")
    end = cal.known_until(today)
    if end is None:
        typer.echo(f"known through: nothing from {today.year} on")
    else:
        typer.echo(f"known through: {end} ({(end - today).days} days from today)")
    found = coverage_warning(cal, today)
    typer.echo(f"warning: {found}" if found else f"ok: more than {WARN_DAYS} days known ahead")
