"""Fitting a scorecard: optimal binning (optbinning), logistic regression on WoE (scikit-learn),
points-to-double-the-odds scaling, integer points.

Everything here is offline and needs the `scorecard` extra; the result is a
`domain.scorecard.Scorecard`, pure data that scores without any of these libraries. The same
`fit` runs inside every cross-validation fold (see `validate.py`), so the figures the model report
states are for exactly this procedure, binning included.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xinyong.domain.scorecard import Bin, Feature, Scaling, Scorecard, points_from
from xinyong.errors import ScorecardError

if TYPE_CHECKING:
    import pandas as pd

EXTRA_HINT = "fitting needs the scorecard extra: pip install 'xinyong[scorecard]'"
# optbinning's monotonic trends a pack may state; "auto_asc_desc" lets the data choose between
# ascending and descending, never a peak or valley
TRENDS = ("ascending", "descending", "auto_asc_desc", "peak", "valley", "auto")
DEFAULT_C = 0.1  # L2 strength of the logistic regression: fixed, never tuned on test folds
MIN_BIN_SIZE = 0.05  # every bin holds at least 5% of the fitting population


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """One feature to fit: the data `column`, its `kind` (numeric or categorical; inferred from
    the data when None), the monotonic trend the pack asks for, and words for reasons."""

    name: str
    column: str
    kind: str | None = None
    trend: str | None = None
    description: str = ""


def require_ml() -> None:
    """Import the fitting libraries or say plainly which extra is missing."""
    try:
        import optbinning  # noqa: F401
        import sklearn  # noqa: F401
    except ImportError as exc:
        raise ScorecardError(f"{EXTRA_HINT} ({exc})") from exc


def file_sha256(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def frame_sha256(frame: pd.DataFrame) -> str:
    """A hash of a frame's content (columns and values as CSV), for data that has no file."""
    return "sha256:" + hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


def events(frame: pd.DataFrame, target: str, bad: Sequence[object] | None = None) -> Any:
    """The 0/1 event vector (1 = bad) of `target`: values in `bad`, or a 0/1 column."""
    import numpy as np

    col = frame[target]
    if bad is not None:
        return np.asarray(col.isin(list(bad)), dtype=int)
    values = set(col.dropna().unique().tolist())
    if not values <= {0, 1}:
        raise ScorecardError(
            f"target {target!r} has values {sorted(map(str, values))[:5]}: "
            "name the bad ones (--bad VALUE)"
        )
    return np.asarray(col, dtype=int)


def kind_of(frame: pd.DataFrame, spec: FeatureSpec) -> str:
    import pandas as pd

    if spec.kind is not None:
        return spec.kind
    return "numeric" if pd.api.types.is_numeric_dtype(frame[spec.column]) else "categorical"


def fit_binning(frame: pd.DataFrame, y: Any, spec: FeatureSpec, *, defaults: bool = False) -> Any:
    """One feature's `OptimalBinning`, with the pack's trend (or optbinning's defaults)."""
    from optbinning import OptimalBinning

    kind = kind_of(frame, spec)
    kw: dict[str, Any] = {}
    if not defaults:
        kw["min_bin_size"] = MIN_BIN_SIZE
        if spec.trend is not None:
            kw["monotonic_trend"] = spec.trend
    values = frame[spec.column].to_numpy(
        dtype=float if kind == "numeric" else object, na_value=None
    )
    if kind == "numeric":
        values = values.astype(float)
    ob = OptimalBinning(
        name=spec.name, dtype="numerical" if kind == "numeric" else "categorical", **kw
    )
    ob.fit(values, y)
    return ob


def _bins(ob: Any, kind: str, points: Sequence[int]) -> tuple[Bin, ...]:
    table = ob.binning_table.build()
    n = len(ob.splits) + 1 if kind == "numeric" else len(ob.splits)
    out = []
    for k in range(n):
        row = table.iloc[k]
        count, rate, woe = int(row["Count"]), float(row["Event rate"]), float(row["WoE"])
        if kind == "numeric":
            lower = float(ob.splits[k - 1]) if k > 0 else None
            upper = float(ob.splits[k]) if k < len(ob.splits) else None
            label = _interval(lower, upper)
            out.append(Bin(points[k], label, lower, upper, (), woe, count, rate))
        else:
            cats = tuple(sorted(str(c) for c in ob.splits[k]))
            out.append(Bin(points[k], " | ".join(cats), None, None, cats, woe, count, rate))
    return tuple(out)


def _interval(lower: float | None, upper: float | None) -> str:
    def num(x: float) -> str:
        return f"{x:g}"

    if lower is None and upper is not None:
        return f"below {num(upper)}"
    if upper is None and lower is not None:
        return f"{num(lower)} or more"
    if lower is not None and upper is not None:
        return f"{num(lower)} to under {num(upper)}"
    return "any value"


def woe_matrix(binnings: Sequence[Any], frame: pd.DataFrame, specs: Sequence[FeatureSpec]) -> Any:
    import numpy as np

    cols = []
    for ob, spec in zip(binnings, specs, strict=True):
        kind = kind_of(frame, spec)
        values = frame[spec.column].to_numpy(dtype=object, na_value=None)
        if kind == "numeric":
            values = values.astype(float)
        cols.append(ob.transform(values, metric="woe"))
    return np.column_stack(cols)


def fit(
    frame: pd.DataFrame,
    y: Any,
    specs: Sequence[FeatureSpec],
    scaling: Scaling,
    *,
    name: str,
    target: str,
    data_sha256: str,
    refused: Mapping[str, str] | None = None,
    c: float = DEFAULT_C,
) -> Scorecard:
    """Bin every feature on `frame`, fit the regression, scale to integer points."""
    require_ml()
    from sklearn.linear_model import LogisticRegression

    if not specs:
        raise ScorecardError("no feature to fit: every candidate was refused or none was declared")
    binnings = [fit_binning(frame, y, s) for s in specs]
    x = woe_matrix(binnings, frame, specs)
    lr = LogisticRegression(C=c, max_iter=1000).fit(x, y)
    beta = [float(b) for b in lr.coef_[0]]
    intercept = float(lr.intercept_[0])
    factor = scaling.factor
    # log-odds of bad = b0 + Σ β_j·WoE_j, so score = offset - factor·b0 - Σ factor·β_j·WoE_j
    base = round(scaling.offset - factor * intercept)
    features = []
    for ob, spec, b in zip(binnings, specs, beta, strict=True):
        kind = kind_of(frame, spec)
        table = ob.binning_table.build()
        n = len(ob.splits) + 1 if kind == "numeric" else len(ob.splits)
        woe = [float(table.iloc[k]["WoE"]) for k in range(n)]
        pts = points_from(woe, b, factor)
        features.append(
            Feature(
                name=spec.name,
                kind=kind,
                bins=_bins(ob, kind, pts),
                missing_points=0,  # WoE 0: a missing value is evidence of nothing
                coefficient=b,
                description=spec.description,
            )
        )
    return Scorecard(
        name=name,
        target=target,
        base=int(base),
        scaling=scaling,
        features=tuple(features),
        data_sha256=data_sha256,
        intercept=intercept,
        refused=dict(refused or {}),
        metrics={"regularisation_C": c, "min_bin_size": MIN_BIN_SIZE},
    )


def values_of(frame: pd.DataFrame, specs: Sequence[FeatureSpec]) -> list[dict[str, Any]]:
    """Per-row feature values keyed by feature name, as the scorecard reads them."""
    cols = {s.name: frame[s.column].tolist() for s in specs}
    n = len(frame)
    return [{k: v[i] for k, v in cols.items()} for i in range(n)]
