"""`xinyong scorecard …`: fit a pack's scorecard, cross-validate it, report on it, monitor it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from xinyong import service

app = typer.Typer(
    help="Statistical scorecards: fit (offline, needs the scorecard extra), cross-validate, "
    "report, monitor (PSI)."
)

SchemeOpt = Annotated[
    Path, typer.Option("--scheme", help="The scheme file (method: scorecard) of a pack.")
]
TargetOpt = Annotated[str, typer.Option("--target", help="The outcome column of the data.")]
BadOpt = Annotated[
    list[str] | None,
    typer.Option("--bad", help="A value of the target that means bad (repeatable; 0/1 if none)."),
]


@app.command("fit")
def fit(  # noqa: PLR0917 - typer maps parameters to options
    data: Annotated[Path, typer.Argument(help="CSV or Parquet: one row per applicant.")],
    scheme: SchemeOpt,
    target: TargetOpt,
    bad: BadOpt = None,
    cv: Annotated[bool, typer.Option(help="Store the 5 × 5 cross-validated figures.")] = True,
    pin: Annotated[
        bool, typer.Option(help="Write the new artefact's hash into the scheme's `sha256:`.")
    ] = False,
) -> None:
    """Fit the scorecard the scheme declares and write its artefact beside the scheme."""
    card, path = service.fit_scorecard(scheme, data, target, tuple(bad) if bad else None, cv=cv)
    lo, hi = card.attainable
    typer.echo(f"{path}: {card.sha256}")
    typer.echo(
        f"  {len(card.features)} features, base {card.base}, attainable {lo}..{hi} "
        f"(range {card.scaling.minimum}..{card.scaling.maximum})"
    )
    for column, category in sorted(card.refused.items()):
        typer.echo(f"  held out: {column} ({category}), measured for audit only")
    figures = card.metrics.get("cv_5x5")
    if figures:
        typer.echo(
            f"  cross-validated AUC {figures['auc_mean']:.3f} ± {figures['auc_std']:.3f}, "
            f"KS {figures['ks_mean']:.3f} ± {figures['ks_std']:.3f}"
        )
    if pin:
        service.pin_scorecard(scheme, card.sha256)
        typer.echo(f"  pinned in {scheme}")
    else:
        typer.echo(f"  pin it: sha256: {card.sha256} (or rerun with --pin)")


@app.command("cv")
def cross_validate(  # noqa: PLR0917 - typer maps parameters to options
    data: Annotated[Path, typer.Argument(help="CSV or Parquet: one row per applicant.")],
    scheme: SchemeOpt,
    target: TargetOpt,
    bad: BadOpt = None,
    splits: Annotated[int, typer.Option(help="Folds per repeat.")] = 5,
    repeats: Annotated[int, typer.Option(help="Repeats.")] = 5,
) -> None:
    """Leak-free repeated stratified CV of the scheme's procedure, with the comparisons (JSON)."""
    out = service.cross_validate_scorecard(
        scheme, data, target, tuple(bad) if bad else None, splits=splits, repeats=repeats
    )
    typer.echo(json.dumps(out, indent=1))


@app.command("report")
def report(
    data: Annotated[Path, typer.Argument(help="The data the card was fitted on.")],
    scheme: SchemeOpt,
    target: TargetOpt,
    out: Annotated[Path, typer.Option("--out", help="Folder for report.json and report.html.")],
    bad: BadOpt = None,
) -> None:
    """The model report (JSON and HTML) of the scheme's fitted card."""
    written = service.scorecard_report(scheme, data, target, tuple(bad) if bad else None, out)
    for path in written:
        typer.echo(str(path))


@app.command("psi")
def psi(
    fitted: Annotated[Path, typer.Argument(help="The fitting population (CSV or Parquet).")],
    new: Annotated[Path, typer.Argument(help="The new population.")],
    scheme: SchemeOpt,
) -> None:
    """Population stability of a new population against the fitting one (JSON); exit 1 when
    the score or a feature needs action (PSI > 0.25)."""
    out = service.scorecard_stability(scheme, fitted, new)
    typer.echo(json.dumps(out, indent=1))
    if out["score"]["alert"] == "act" or any(f["alert"] == "act" for f in out["features"].values()):
        raise typer.Exit(1)
