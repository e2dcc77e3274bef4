"""`method: scorecard` schemes → `domain.scorecard.ScorecardUse`.

What is checked, each reported at the line that causes it:
- every feature passes the feature screen (`policy.features`): a protected meaning in its name,
  its description, its attribute's name and description or the attribute's enum values refuses it;
- `social_relations` is refused as a dimension (principle 3: nobody is scored for whom they know);
- age is used only with a `legal_basis` on the feature;
- the record type and each attribute exist in the catalogue;
- the artefact file exists, its content hash equals the `sha256:` the scheme states, and its
  features and scaling are the ones the scheme declares (a stale or swapped artefact is refused).
"""

from __future__ import annotations

from dataclasses import asdict

from xinyong.domain.scorecard import Scorecard, ScorecardInput, ScorecardUse
from xinyong.policy.features import screen_feature
from xinyong.policy.resolve.context import Context
from xinyong.policy.source import Document
from xinyong.policy.spec.scheme import RawScorecardSpec


def scorecard_use(ctx: Context, doc: Document, raw: RawScorecardSpec) -> ScorecardUse | None:
    problems = ctx.problems
    base = ("scorecard",)
    ok = True
    rt = ctx.record_type(doc, (*base, "record_type"), raw.record_type)
    ctx.unique(doc, (*base, "features"), [f.name for f in raw.features], "feature")
    inputs = []
    for i, f in enumerate(raw.features):
        loc = (*base, "features", i)
        attribute = f.attribute or f.name
        texts = [f.description]
        values: tuple[str, ...] = ()
        if rt is not None:
            spec = rt.attributes.get(attribute)
            if spec is None:
                ctx.unknown(
                    doc,
                    (*loc, "attribute" if f.attribute else "name"),
                    "attribute",
                    attribute,
                    rt.attributes,
                    of=rt.name,
                )
                ok = False
            else:
                texts.append(spec.description)
                values = spec.values
        found = screen_feature(f"{f.name} {attribute}", " ".join(texts), values)
        if found.refused:
            problems.add(
                doc,
                (*loc, "name"),
                f"feature {f.name!r} is refused: it speaks of {found.category} "
                f"(«{found.word}»), which no score may use, whatever the column is called",
                hints=[
                    "Protected attributes may be held out of the features and measured in the "
                    "model report for audit, never scored."
                ],
            )
            ok = False
        if f.dimension == "social_relations":
            problems.add(
                doc,
                (*loc, "dimension"),
                "social relations are refused as a scoring dimension: nobody is scored for whom "
                "they know (no collective punishment)",
            )
            ok = False
        if found.age and not f.legal_basis:
            problems.add(
                doc,
                (*loc, "legal_basis"),
                f"feature {f.name!r} is age: cite the legal basis that allows scoring on it",
            )
            ok = False
        basis = ctx.citations(doc, (*loc, "legal_basis"), f.legal_basis)
        inputs.append(ScorecardInput(f.name, attribute, f.dimension, basis))

    card = _artefact(ctx, doc, raw)
    if card is None or not ok or rt is None:
        return None
    declared = [f.name for f in raw.features]
    fitted = [f.name for f in card.features]
    if declared != fitted:
        problems.add(
            doc,
            (*base, "features"),
            f"the artefact scores features {fitted}, the scheme declares {declared}: refit",
        )
        return None
    if asdict(card.scaling) != raw.scaling.model_dump():
        problems.add(
            doc,
            (*base, "scaling"),
            f"the artefact was scaled with {asdict(card.scaling)}, not with this scaling: refit",
        )
        return None
    return ScorecardUse(card, raw.sha256, raw.artefact, raw.record_type, tuple(inputs))


def _artefact(ctx: Context, doc: Document, raw: RawScorecardSpec) -> Scorecard | None:
    problems = ctx.problems
    path = doc.file.parent / raw.artefact
    loc = ("scorecard", "artefact")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        problems.add(
            doc,
            loc,
            f"cannot read the artefact {raw.artefact}: {e.strerror or e}",
            hints=["`xinyong scorecard fit` writes it beside the scheme."],
        )
        return None
    try:
        card = Scorecard.from_json(text)
    except (ValueError, KeyError, TypeError) as e:
        problems.add(doc, loc, f"the artefact {raw.artefact} is not a valid scorecard: {e}")
        return None
    if card.sha256 != raw.sha256:
        problems.add(
            doc,
            ("scorecard", "sha256"),
            f"the artefact {raw.artefact} has hash {card.sha256}, not the one stated: "
            "the scheme names its model by hash and refuses any other",
        )
        return None
    return card
