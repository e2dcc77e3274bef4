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
from xinyong.errors import PolicyError
from xinyong.policy.features import screen_feature
from xinyong.policy.problems import Problems
from xinyong.policy.source import Document, ReadProblem, read_documents
from xinyong.policy.spec.scheme import RawScoringSchemeSpec
from xinyong.policy.validate import parse_document
from xinyong.scorecard.fit import FeatureSpec, FitError, events, file_sha256, fit


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
        raise FitError(f"{data}: no target column {target!r}")
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
        raise FitError(f"{scheme_file}: no `sha256:` line under `scorecard:` to pin")
    scheme_file.write_text(new, encoding="utf-8")
