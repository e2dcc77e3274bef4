"""Statistical scorecards through the façade: fitting, pinning, validating, reporting.

Offline work on a scheme file and its data (the `scorecard` extra), with no workspace;
`service` re-exports these, so the CLI keeps calling only the façade.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xinyong.domain.scorecard import Scorecard


def fit_scorecard(
    scheme: Path, data: Path, target: str, bad: tuple[str, ...] | None, *, cv: bool = True
) -> tuple[Scorecard, Path]:
    """Fit the card a scheme file declares on `data`; write the artefact beside the scheme."""
    from xinyong.scorecard.scheme import fit_scheme

    return fit_scheme(scheme, data, target, bad, cv=cv)


def pin_scorecard(scheme: Path, sha256: str) -> None:
    from xinyong.scorecard.scheme import pin_hash

    pin_hash(scheme, sha256)


def cross_validate_scorecard(
    scheme: Path,
    data: Path,
    target: str,
    bad: tuple[str, ...] | None,
    *,
    splits: int = 5,
    repeats: int = 5,
) -> dict[str, dict[str, float | int]]:
    from xinyong.scorecard.scheme import cross_validate_scheme

    return cross_validate_scheme(scheme, data, target, bad, splits=splits, repeats=repeats)


def scorecard_report(
    scheme: Path, data: Path, target: str, bad: tuple[str, ...] | None, out: Path
) -> list[Path]:
    """Write report.json and report.html of the scheme's fitted card into `out`."""
    from xinyong.scorecard.report import dumps, to_html
    from xinyong.scorecard.scheme import report_scheme

    report = report_scheme(scheme, data, target, bad)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "report.json", out / "report.html"]
    paths[0].write_text(dumps(report), encoding="utf-8")
    paths[1].write_text(to_html(report), encoding="utf-8")
    return paths


def scorecard_stability(scheme: Path, fitted: Path, new: Path) -> dict[str, Any]:
    from xinyong.scorecard.scheme import stability_scheme

    return stability_scheme(scheme, fitted, new)
