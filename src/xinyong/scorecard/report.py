"""The model report (JSON and HTML) and PSI monitoring.

The report states: the data (hash, rows, event rate), the features used (with dimension, bins,
points) and refused or held out, the cross-validated AUC, KS and Gini with their spread and the
comparisons, calibration by score decile, the score distribution, and outcome rates per group of
each held-out protected attribute — measured for audit with fairlearn's `MetricFrame`, never used
to score. PSI compares a new population with the fitting one, per score band and per feature
bin, with the usual alerts: below 0.10 stable, 0.10–0.25 watch, above 0.25 act.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from xinyong.domain.scorecard import Scorecard

WATCH, ACT = 0.10, 0.25


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """Population stability index of two distributions over the same bins (shares; a bin empty
    on one side counts as 0.0001 so the index stays finite)."""
    total = 0.0
    for exp_share, act_share in zip(expected, actual, strict=True):
        e, a = max(exp_share, 1e-4), max(act_share, 1e-4)
        total += (a - e) * math.log(a / e)
    return total


def alert(value: float) -> str:
    return "act" if value > ACT else "watch" if value >= WATCH else "stable"


def _shares(keys: Sequence[object], labels: Sequence[object]) -> list[float]:
    n = max(len(keys), 1)
    return [sum(1 for k in keys if k == lab) / n for lab in labels]


def score_bands(card: Scorecard, step: int = 50) -> list[int]:
    lo, hi = card.scaling.minimum, card.scaling.maximum
    return list(range(lo, hi + 1, step))


def _band(score: int, bands: Sequence[int]) -> int:
    found = bands[0]
    for b in bands:
        if score >= b:
            found = b
    return found


def stability(
    card: Scorecard,
    fitted: Sequence[Mapping[str, Any]],
    new: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """PSI of the score (50-point bands) and of each feature's bins, new against fitted."""
    bands = score_bands(card)
    out: dict[str, Any] = {}
    e = [_band(card.score(v), bands) for v in fitted]
    a = [_band(card.score(v), bands) for v in new]
    value = psi(_shares(e, bands), _shares(a, bands))
    out["score"] = {"psi": round(value, 4), "alert": alert(value)}
    features = {}
    for f in card.features:
        labels: list[object] = [b.label for b in f.bins] + [None]

        def label(v: Mapping[str, Any], f: Any = f) -> object:
            b = f.bin_of(v.get(f.name))
            return None if b is None else b.label

        value = psi(
            _shares([label(v) for v in fitted], labels), _shares([label(v) for v in new], labels)
        )
        features[f.name] = {"psi": round(value, 4), "alert": alert(value)}
    out["features"] = features
    return out


def model_report(
    card: Scorecard,
    frame: Any,
    y: Any,
    values: Sequence[Mapping[str, Any]],
    *,
    cv: Mapping[str, Any],
    dimensions: Mapping[str, str],
) -> dict[str, Any]:
    """Everything the report states, as JSON data."""
    from fairlearn.metrics import MetricFrame, selection_rate

    scores = [card.score(v) for v in values]
    n = len(scores)
    order = sorted(range(n), key=lambda i: scores[i])
    deciles = []
    for d in range(10):
        idx = order[d * n // 10 : (d + 1) * n // 10]
        if not idx:
            continue
        deciles.append(
            {
                "decile": d + 1,
                "score_from": scores[idx[0]],
                "score_to": scores[idx[-1]],
                "observed_bad_rate": round(sum(int(y[i]) for i in idx) / len(idx), 4),
                "predicted_bad_rate": round(
                    sum(card_bad_probability(card, scores[i]) for i in idx) / len(idx), 4
                ),
            }
        )
    bands = score_bands(card)
    distribution = {str(b): 0 for b in bands}
    for s in scores:
        distribution[str(_band(s, bands))] += 1
    # a decision rule only to measure outcome rates by group: the applicants scoring below the
    # median band would be the ones declined
    cutoff = sorted(scores)[n // 2]
    declined = [int(s < cutoff) for s in scores]
    groups = {}
    for column, category in card.refused.items():
        if column not in frame.columns:
            continue
        mf = MetricFrame(
            metrics={"decline_rate": selection_rate, "bad_rate": _bad_rate},
            y_true=list(map(int, y)),
            y_pred=declined,
            sensitive_features=frame[column].astype(str).tolist(),
        )
        by = mf.by_group
        groups[column] = {
            "category": category,
            "groups": {
                str(g): {
                    "count": int((frame[column].astype(str) == str(g)).sum()),
                    "decline_rate": round(float(by.loc[g, "decline_rate"]), 4),
                    "bad_rate": round(float(by.loc[g, "bad_rate"]), 4),
                }
                for g in by.index
            },
            "decline_rate_difference": round(float(mf.difference()["decline_rate"]), 4),
        }
    return {
        "scorecard": card.name,
        "sha256": card.sha256,
        "data": {
            "sha256": card.data_sha256,
            "rows": n,
            "bad_rate": round(sum(int(v) for v in y) / max(n, 1), 4),
        },
        "scaling": {
            "anchor_score": card.scaling.anchor_score,
            "anchor_odds": card.scaling.anchor_odds,
            "pdo": card.scaling.pdo,
            "range": [card.scaling.minimum, card.scaling.maximum],
            "attainable": list(card.attainable),
            "base": card.base,
        },
        "features": [
            {
                "name": f.name,
                "dimension": dimensions.get(f.name, ""),
                "coefficient": round(f.coefficient, 4),
                "missing_points": f.missing_points,
                "bins": [
                    {
                        "bin": b.label,
                        "count": b.count,
                        "bad_rate": round(b.event_rate, 4),
                        "woe": round(b.woe, 4),
                        "points": b.points,
                    }
                    for b in f.bins
                ],
            }
            for f in card.features
        ],
        "held_out": dict(card.refused),
        "age": age_effect(card),
        "cross_validation": dict(cv),
        "calibration": deciles,
        "score_distribution": distribution,
        "outcome_rates_by_protected_group": {
            "rule": f"declined if score < {cutoff} (the median), for measurement only",
            "attributes": groups,
        },
    }


def age_effect(card: Scorecard) -> list[dict[str, Any]]:
    """Each feature that is age: its points by bin, the spread, and whether the oldest bin gets
    fewer points than the best (the condition Regulation B sets on age in a scoring system)."""
    from xinyong.policy.features import screen_feature

    out = []
    for f in card.features:
        if not screen_feature(f.name, f.description).age:
            continue
        oldest = f.bins[-1] if f.kind == "numeric" else None
        out.append(
            {
                "feature": f.name,
                "points": {b.label: b.points for b in f.bins},
                "spread": f.max_points - f.min_points,
                "oldest_bin_below_best": (None if oldest is None else oldest.points < f.max_points),
            }
        )
    return out


def _bad_rate(y_true: Any, y_pred: Any) -> float:
    del y_pred
    values = [int(v) for v in y_true]
    return sum(values) / max(len(values), 1)


def card_bad_probability(card: Scorecard, score: int) -> float:
    """The bad probability the scaling implies for a score: odds(good) = 2^((s - offset)/pdo·…)."""
    log_odds_good = (score - card.scaling.offset) / card.scaling.factor
    return 1 / (1 + math.exp(log_odds_good))


def to_html(report: Mapping[str, Any]) -> str:
    """A self-contained HTML page of the report (tables only, no scripts)."""
    e = html.escape
    parts = [
        "<!doctype html><meta charset='utf-8'>",
        f"<title>Model report: {e(report['scorecard'])}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
        "padding:.2em .5em;text-align:left}</style>",
        f"<h1>Model report: {e(report['scorecard'])}</h1>",
        f"<p>Artefact <code>{e(report['sha256'])}</code>; data "
        f"<code>{e(report['data']['sha256'])}</code>, {report['data']['rows']} rows, "
        f"bad rate {report['data']['bad_rate']}.</p>",
        "<h2>Scaling</h2>",
        _table([report["scaling"]]),
        "<h2>Cross-validation (leak-free, binning inside each fold)</h2>",
        _table([{"model": k, **v} for k, v in report["cross_validation"].items()]),
        "<h2>Held out (never scored; measured for audit)</h2>",
        _table([{"column": k, "category": v} for k, v in report["held_out"].items()]),
        "<h2>Outcome rates by protected group</h2>",
        f"<p>{e(report['outcome_rates_by_protected_group']['rule'])}</p>",
    ]
    for col, g in report["outcome_rates_by_protected_group"]["attributes"].items():
        parts.append(f"<h3>{e(col)} ({e(g['category'])})</h3>")
        parts.append(_table([{"group": k, **v} for k, v in g["groups"].items()]))
        parts.append(f"<p>Decline-rate difference: {g['decline_rate_difference']}</p>")
    parts.append("<h2>Age (used under a cited legal basis): its effect</h2>")
    parts.append(
        _table(
            [
                {
                    "feature": a["feature"],
                    "points by bin": "; ".join(f"{k}: {v}" for k, v in a["points"].items()),
                    "spread": a["spread"],
                    "oldest bin below best": a["oldest_bin_below_best"],
                }
                for a in report["age"]
            ]
        )
    )
    parts.append("<h2>Calibration by score decile (fitting data)</h2>")
    parts.append(_table(report["calibration"]))
    parts.append("<h2>Score distribution</h2>")
    dist = report["score_distribution"]
    parts.append(_table([{"band from": k, "count": v} for k, v in dist.items()]))
    parts.append("<h2>Features and bins</h2>")
    for f in report["features"]:
        parts.append(
            f"<h3>{e(f['name'])} <small>({e(f['dimension'])}; β {f['coefficient']}; "
            f"missing: {f['missing_points']} points)</small></h3>"
        )
        parts.append(_table(f["bins"]))
    return "\n".join(parts) + "\n"


def _table(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return "<p>(none)</p>"
    cols = list(rows[0])
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(r.get(c, '')))}</td>" for c in cols) + "</tr>"
        for r in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def dumps(report: Mapping[str, Any]) -> str:
    return json.dumps(report, indent=1, ensure_ascii=False, sort_keys=False) + "\n"
