"""Statistical scorecards (评分卡): a fitted model as pure data, scored and explained without ML.

A scorecard is the artefact `xinyong scorecard fit` writes: for each feature, its bins (numeric
intervals or groups of categories) with the integer points a subject in that bin gets, a base,
and the scaling that produced them. A subject's score is `base + Σ points`, clamped to
`minimum..maximum` (350..950): the clamp is part of the model, so every engine and a person with
the table in hand get the same integer. Nothing here needs scikit-learn: fitting is an offline
step, scoring is table look-up, and that is what the compiler turns into SQL.

Points come from the logistic regression on weight-of-evidence (WoE) values by points-to-double-
the-odds scaling: `factor = pdo / ln 2`, `offset = anchor_score - factor · ln(anchor_odds)`,
score = offset + factor · ln(odds of good). Each bin's points are `-factor · β_j · WoE_jk`
rounded to an integer; the intercept and offset go to `base`.

Reasons (adverse-action style) are the features where the subject lost most points against the
feature's best bin, at most four, each with what would raise the score.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from xinyong.domain.catalogue import Citation

# the schema of the artefact file; bump on any change that alters how a stored artefact scores
ARTEFACT_FORMAT = "xinyong.scorecard/1"
MAX_REASONS = 4
Value = str | int | float | None


@dataclass(frozen=True, slots=True)
class Scaling:
    """Points to double the odds: `anchor_score` at good:bad odds `anchor_odds`, `pdo` more points
    for twice the odds; scores are clamped to `minimum..maximum`."""

    anchor_score: int
    anchor_odds: float
    pdo: int
    minimum: int = 350
    maximum: int = 950

    @property
    def factor(self) -> float:
        return self.pdo / math.log(2)

    @property
    def offset(self) -> float:
        return self.anchor_score - self.factor * math.log(self.anchor_odds)


@dataclass(frozen=True, slots=True)
class Bin:
    """One bin: numeric `[lower, upper)` (None for an open end) or a set of `categories`."""

    points: int
    label: str
    lower: float | None = None
    upper: float | None = None
    categories: tuple[str, ...] = ()
    woe: float = 0.0
    count: int = 0
    event_rate: float = 0.0


@dataclass(frozen=True, slots=True)
class Feature:
    """A scored feature: `numeric` bins are ordered intervals covering the line; `categorical`
    bins are disjoint groups. A missing value or a category never seen in fitting gets
    `missing_points` (WoE 0: no evidence either way)."""

    name: str
    kind: str  # "numeric" | "categorical"
    bins: tuple[Bin, ...]
    missing_points: int
    coefficient: float
    description: str = ""

    def bin_of(self, value: Value) -> Bin | None:
        """The bin `value` falls in; None for a missing or unseen value."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        if self.kind == "numeric":
            x = float(value)
            for b in self.bins:
                if (b.lower is None or x >= b.lower) and (b.upper is None or x < b.upper):
                    return b
            return None
        text = str(value)
        for b in self.bins:
            if text in b.categories:
                return b
        return None

    def points_of(self, value: Value) -> int:
        b = self.bin_of(value)
        return self.missing_points if b is None else b.points

    @property
    def best(self) -> Bin:
        return max(self.bins, key=lambda b: b.points)

    @property
    def max_points(self) -> int:
        return max([self.missing_points, *(b.points for b in self.bins)])

    @property
    def min_points(self) -> int:
        return min([self.missing_points, *(b.points for b in self.bins)])


@dataclass(frozen=True, slots=True)
class Reason:
    """A feature that cost the subject points: how many against its best bin, in words."""

    feature: str
    points_lost: int
    text: str
    remedy: str


@dataclass(frozen=True, slots=True)
class Scored:
    score: int
    points: Mapping[str, int]
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Scorecard:
    """A fitted scorecard. `data_sha256` is the hash of the data it was fitted on; `sha256` (the
    artefact hash a pack names) is the hash of everything else in canonical JSON."""

    name: str
    target: str
    base: int
    scaling: Scaling
    features: tuple[Feature, ...]
    data_sha256: str
    intercept: float = 0.0
    refused: Mapping[str, str] = field(default_factory=dict)
    metrics: Mapping[str, Any] = field(default_factory=dict)

    def raw(self, values: Mapping[str, Value]) -> int:
        return self.base + sum(f.points_of(values.get(f.name)) for f in self.features)

    def clamp(self, raw: int) -> int:
        return max(self.scaling.minimum, min(self.scaling.maximum, raw))

    def score(self, values: Mapping[str, Value]) -> int:
        """The score of one subject from its feature values (missing keys are missing values)."""
        return self.clamp(self.raw(values))

    def explain(self, values: Mapping[str, Value]) -> Scored:
        points = {f.name: f.points_of(values.get(f.name)) for f in self.features}
        return Scored(self.score(values), points, self.reasons(points))

    def reasons(self, points: Mapping[str, int]) -> tuple[Reason, ...]:
        """At most four features, ordered by points lost against the feature's maximum (then by
        name, so ties order the same everywhere); a feature at its best gives no reason."""
        lost = sorted(
            ((f.max_points - points.get(f.name, f.max_points), f) for f in self.features),
            key=lambda t: (-t[0], t[1].name),
        )
        out = []
        for gap, f in lost[:MAX_REASONS]:
            if gap <= 0:
                break
            what = f.description or f.name.replace("_", " ")
            out.append(
                Reason(
                    feature=f.name,
                    points_lost=gap,
                    text=f"{what}: {gap} points below the best",
                    remedy=(f"{what} «{f.best.label}» would raise the score by up to {gap} points"),
                )
            )
        return tuple(out)

    @property
    def attainable(self) -> tuple[int, int]:
        """Lowest and highest raw score before the clamp."""
        lo = self.base + sum(f.min_points for f in self.features)
        hi = self.base + sum(f.max_points for f in self.features)
        return lo, hi

    # --- the artefact file ---------------------------------------------------------------

    def content(self) -> dict[str, Any]:
        """Everything the hash covers, as plain JSON data."""
        return {
            "format": ARTEFACT_FORMAT,
            "name": self.name,
            "target": self.target,
            "base": self.base,
            "intercept": self.intercept,
            "scaling": asdict(self.scaling),
            "features": [_feature_json(f) for f in self.features],
            "data_sha256": self.data_sha256,
            "refused": dict(sorted(self.refused.items())),
            "metrics": dict(self.metrics),
        }

    @property
    def sha256(self) -> str:
        return content_hash(self.content())

    def to_json(self) -> str:
        body = self.content()
        body["sha256"] = self.sha256
        return json.dumps(body, indent=1, ensure_ascii=False, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Scorecard:
        """Parse an artefact; raise ValueError when its stated hash does not match its content."""
        data = json.loads(text)
        stated = data.pop("sha256", None)
        if data.get("format") != ARTEFACT_FORMAT:
            raise ValueError(f"not a {ARTEFACT_FORMAT} artefact (format {data.get('format')!r})")
        card = cls(
            name=data["name"],
            target=data["target"],
            base=int(data["base"]),
            intercept=float(data["intercept"]),
            scaling=Scaling(**data["scaling"]),
            features=tuple(_feature_from(f) for f in data["features"]),
            data_sha256=data["data_sha256"],
            refused=dict(data.get("refused", {})),
            metrics=dict(data.get("metrics", {})),
        )
        if stated is not None and stated != card.sha256:
            raise ValueError(
                f"the artefact's content hash is {card.sha256}, not the {stated} it states: "
                "it was edited after fitting"
            )
        return card


def content_hash(data: object) -> str:
    """`sha256:` of canonical JSON (sorted keys, no spaces): the same on every machine."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _feature_json(f: Feature) -> dict[str, Any]:
    return {
        "name": f.name,
        "kind": f.kind,
        "description": f.description,
        "coefficient": f.coefficient,
        "missing_points": f.missing_points,
        "bins": [
            {
                k: (list(v) if isinstance(v, tuple) else v)
                for k, v in asdict(b).items()
                if not (k == "categories" and not v) and not (k in ("lower", "upper") and v is None)
            }
            for b in f.bins
        ],
    }


def _feature_from(d: Mapping[str, Any]) -> Feature:
    bins = tuple(
        Bin(
            points=int(b["points"]),
            label=b["label"],
            lower=b.get("lower"),
            upper=b.get("upper"),
            categories=tuple(b.get("categories", ())),
            woe=float(b.get("woe", 0.0)),
            count=int(b.get("count", 0)),
            event_rate=float(b.get("event_rate", 0.0)),
        )
        for b in d["bins"]
    )
    return Feature(
        name=d["name"],
        kind=d["kind"],
        bins=bins,
        missing_points=int(d["missing_points"]),
        coefficient=float(d["coefficient"]),
        description=d.get("description", ""),
    )


def points_from(woe: Sequence[float], coefficient: float, factor: float) -> tuple[int, ...]:
    """Integer points of each bin: `-factor · β · WoE`, rounded half away from zero so that a
    bin and its mirror image get mirror points on every platform."""
    return tuple(_round(-factor * coefficient * w) for w in woe)


def _round(x: float) -> int:
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


@dataclass(frozen=True, slots=True)
class ScorecardInput:
    """Where a feature's value comes from: `attribute` of the scheme's record type."""

    feature: str
    attribute: str
    dimension: str
    # what allows the feature where the law must (age)
    legal_basis: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class ScorecardUse:
    """A pack's scorecard scheme: the artefact (checked against `sha256`), the record type whose
    latest live record as of the date gives a subject's features, and which attribute feeds
    which feature."""

    card: Scorecard
    sha256: str
    artefact: str
    record_type: str
    inputs: tuple[ScorecardInput, ...]

    def values(self, attributes: Mapping[str, Value]) -> dict[str, Value]:
        """A record's attributes as the card's feature values."""
        return {i.feature: attributes.get(i.attribute) for i in self.inputs}
