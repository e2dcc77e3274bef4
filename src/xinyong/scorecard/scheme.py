"""`xinyong scorecard fit`: fit the card a pack's scorecard scheme declares, write it beside it.

The scheme file says which features to fit (each an attribute of the scheme's record type, so
the data's columns are those attribute names), their monotonic trends and the scaling. The data
file is hashed, every feature is screened (name, description and the values in the data), and
every other column of the data is screened too: a protected one is held out and named in the
artefact, so that the model report can measure outcome rates by it — for audit, never to score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xinyong.domain.scorecard import Scaling, Scorecard
from xinyong.errors import PolicyError, ScorecardError
from xinyong.policy.features import screen_feature
from xinyong.policy.problems import Problems
from xinyong.policy.source import Document, ReadProblem, read_documents
from xinyong.policy.spec.scheme import RawScoringSchemeSpec
from xinyong.policy.validate import parse_document
from xinyong.scorecard.fit import FeatureSpec, events, file_sha256, fit


@dataclass(frozen=True)
class Declared:
    """A scheme file's scorecard, read for fitting (the artefact need not exist yet)."""

    doc: Document
    spec: RawScoringSchemeSpec
    features: tuple[FeatureSpec, ...]
    scaling: Scaling

    @property
    def artefact(self) -> Path:
        assert self.spec.scorecard is not None
        return self.doc.file.parent / self.spec.scorecard.artefact


def declared(scheme_file: Path) -> Declared:
    """The scorecard scheme in `scheme_file`; PolicyError with file:line when it is not one."""
    problems = Problems()
    try:
        _, docs, _ = read_documents(scheme_file, scheme_file.read_bytes())
    except ReadProblem as p:
        problems.in_file(scheme_file, p.message, line=p.line, col=p.col)
        raise PolicyError(problems.sorted_errors()) from None
    for doc in docs:
        spec = parse_document(doc, problems)
        if isinstance(spec, RawScoringSchemeSpec) and spec.scorecard is not None:
            sc = spec.scorecard
            feats = tuple(
                FeatureSpec(
                    name=f.name,
                    column=f.attribute or f.name,
                    trend=f.trend,
                    description=f.description,
                )
                for f in sc.features
            )
            scaling = Scaling(**sc.scaling.model_dump())
            return Declared(doc, spec, feats, scaling)
    if not problems:
        problems.in_file(scheme_file, "holds no scheme with `method: scorecard`")
    raise PolicyError(problems.sorted_errors())


def screen(d: Declared, frame: Any, target: str) -> dict[str, str]:
    """Refuse a declared feature that screens as protected (PolicyError at its line); return the
    held-out columns of the data that do, as {column: category}."""
    problems = Problems()
    used = {f.column for f in d.features}
    for i, f in enumerate(d.features):
        if f.column not in frame.columns:
            problems.add(
                d.doc,
                ("scorecard", "features", i, "name"),
                f"the data has no column {f.column!r} for feature {f.name!r}",
            )
            continue
        values = frame[f.column].dropna().unique().tolist()[:200]
        found = screen_feature(f"{f.name} {f.column}", f.description, values)
        if found.refused:
            problems.add(
                d.doc,
                ("scorecard", "features", i, "name"),
                f"feature {f.name!r} is refused: its name, description or values speak of "
                f"{found.category} («{found.word}»)",
            )
    if problems:
        raise PolicyError(problems.sorted_errors())
    held: dict[str, str] = {}
    for col in frame.columns:
        if col in used or col == target:
            continue
        found = screen_feature(str(col), "", frame[col].dropna().unique().tolist()[:200])
        if found.refused and found.category is not None:
            held[str(col)] = found.category
    return held


def fit_scheme(
    scheme_file: Path,
    data: Path,
    target: str,
    bad: tuple[str, ...] | None = None,
    *,
    cv: bool = True,
) -> tuple[Scorecard, Path]:
    """Fit the card `scheme_file` declares on `data` and write it beside the scheme."""
    import pandas as pd

    d = declared(scheme_file)
    frame = pd.read_csv(data) if data.suffix != ".parquet" else pd.read_parquet(data)
    if target not in frame.columns:
        raise ScorecardError(f"{data}: no target column {target!r}")
    held = screen(d, frame, target)
    y = events(frame, target, bad)
    card = fit(
        frame,
        y,
        d.features,
        d.scaling,
        name=d.spec.name,
        target=target,
        data_sha256=file_sha256(data),
        refused=held,
    )
    if cv:
        from xinyong.scorecard.validate import cross_validate

        figures = cross_validate(frame, y, d.features, d.scaling, compare=False)["scorecard"]
        card = Scorecard(**{**card.__dict__, "metrics": {**card.metrics, "cv_5x5": figures}})
    d.artefact.parent.mkdir(parents=True, exist_ok=True)
    d.artefact.write_text(card.to_json(), encoding="utf-8")
    return card, d.artefact


def pin_hash(scheme_file: Path, sha256: str) -> None:
    """Write `sha256` into the scheme's `sha256:` line (the author pins what was fitted)."""
    text = scheme_file.read_text(encoding="utf-8")
    new, n = re.subn(r"(?m)^(\s*sha256:\s*)\S.*$", lambda m: m.group(1) + sha256, text, count=1)
    if n != 1:
        raise ScorecardError(f"{scheme_file}: no `sha256:` line under `scorecard:` to pin")
    scheme_file.write_text(new, encoding="utf-8")


def _frame(data: Path) -> Any:
    import pandas as pd

    return pd.read_parquet(data) if data.suffix == ".parquet" else pd.read_csv(data)


def cross_validate_scheme(
    scheme_file: Path,
    data: Path,
    target: str,
    bad: tuple[str, ...] | None = None,
    *,
    splits: int = 5,
    repeats: int = 5,
    seed: int = 42,
) -> dict[str, dict[str, float | int]]:
    """The leak-free CV figures of the scheme's procedure on `data`, with the comparisons."""
    from xinyong.scorecard.validate import cross_validate

    d = declared(scheme_file)
    frame = _frame(data)
    screen(d, frame, target)
    y = events(frame, target, bad)
    return cross_validate(
        frame, y, d.features, d.scaling, splits=splits, repeats=repeats, seed=seed
    )


def fitted_card(d: Declared) -> Scorecard:
    """The artefact the scheme names, checked against the hash it states."""
    assert d.spec.scorecard is not None
    card = Scorecard.from_json(d.artefact.read_text(encoding="utf-8"))
    if card.sha256 != d.spec.scorecard.sha256:
        raise ScorecardError(
            f"{d.artefact}: hash {card.sha256}, not the {d.spec.scorecard.sha256} the scheme states"
        )
    return card


def report_scheme(
    scheme_file: Path,
    data: Path,
    target: str,
    bad: tuple[str, ...] | None = None,
    *,
    splits: int = 5,
    repeats: int = 5,
) -> dict[str, Any]:
    """The model report of the scheme's fitted card on the data it was fitted on."""
    from xinyong.scorecard.report import model_report
    from xinyong.scorecard.validate import cross_validate

    d = declared(scheme_file)
    card = fitted_card(d)
    if file_sha256(data) != card.data_sha256:
        raise ScorecardError(
            f"{data} is not the data the card was fitted on ({card.data_sha256}): "
            "a report describes the fitting data"
        )
    frame = _frame(data)
    y = events(frame, target, bad)
    cv = cross_validate(frame, y, d.features, d.scaling, splits=splits, repeats=repeats)
    rows = [{f.name: r.get(f.column) for f in d.features} for r in frame.to_dict("records")]
    assert d.spec.scorecard is not None
    dims = {f.name: f.dimension for f in d.spec.scorecard.features}
    return model_report(card, frame, y, rows, cv=cv, dimensions=dims)


def stability_scheme(scheme_file: Path, fitted: Path, new: Path) -> dict[str, Any]:
    """PSI of a new population against the fitting one, per score band and feature."""
    from xinyong.scorecard.report import stability

    d = declared(scheme_file)
    card = fitted_card(d)

    def rows(path: Path) -> list[dict[str, Any]]:
        frame = _frame(path)
        return [{f.name: r.get(f.column) for f in d.features} for r in frame.to_dict("records")]

    return stability(card, rows(fitted), rows(new))
