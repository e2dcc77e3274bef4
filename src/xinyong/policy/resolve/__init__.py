"""Specs → domain objects, in dependency order, with every cross-reference checked.

pack.yaml (sources) → record types (the catalogue) → schemes and lists → measures → cases. Each
step adds problems and carries on, so that one load reports everything; an object whose own
document is broken is left out, and references to it are not reported twice (see
`Context.declared`). `index` maps each resolved object back to its document for lint findings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from xinyong.domain.catalogue import Catalogue, Confidence, RecordType
from xinyong.domain.dueprocess import (
    DueProcessRules,
    ObjectionRules,
    RestorationCondition,
    RestorationRules,
)
from xinyong.domain.lists import CreditList
from xinyong.domain.measures import Measure
from xinyong.domain.scoring import ScoringScheme
from xinyong.policy.pack import Allowance, Case, Source
from xinyong.policy.problems import Problems
from xinyong.policy.resolve.cases import case
from xinyong.policy.resolve.catalogue import check_exit_refs, record_type
from xinyong.policy.resolve.context import (
    CASE,
    LIST,
    MEASURE,
    PACK,
    RECORD_TYPE,
    SCHEME,
    Context,
    Parsed,
)
from xinyong.policy.resolve.lists import credit_list
from xinyong.policy.resolve.measures import measure
from xinyong.policy.resolve.schemes import scheme
from xinyong.policy.source import Document
from xinyong.policy.spec import (
    RawCaseSpec,
    RawListSpec,
    RawMeasureSpec,
    RawPackSpec,
    RawRecordTypeSpec,
    RawScoringSchemeSpec,
)
from xinyong.policy.spec.lists import RawBlacklistSpec, RawRedListSpec, RawWatchListSpec
from xinyong.policy.spec.measure import RawRewardSpec, RawSanctionSpec
from xinyong.policy.validate import parse_document

PACK_FILE = "pack.yaml"

GROUPS: dict[str, str] = {
    "Pack": PACK,
    "RecordType": RECORD_TYPE,
    "Blacklist": LIST,
    "RedList": LIST,
    "WatchList": LIST,
    "ScoringScheme": SCHEME,
    "Sanction": MEASURE,
    "Reward": MEASURE,
    "Case": CASE,
}


@dataclass
class Resolved:
    root: Path
    pack: RawPackSpec | None = None
    sources: dict[str, Source] = field(default_factory=dict)
    catalogue: Catalogue = field(default_factory=Catalogue)
    lists: dict[str, CreditList] = field(default_factory=dict)
    schemes: dict[str, ScoringScheme] = field(default_factory=dict)
    measures: dict[str, Measure] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)
    index: dict[tuple[str, str], Document] = field(default_factory=dict)
    allowances: dict[tuple[str, str], tuple[Allowance, ...]] = field(default_factory=dict)
    due_process: DueProcessRules = field(default_factory=DueProcessRules)


def resolve(docs: Sequence[Document], pack_file: Path, problems: Problems) -> Resolved:
    out = Resolved(root=pack_file.parent)
    declared: dict[str, set[str]] = {g: set() for g in GROUPS.values()}
    parsed: list[Parsed] = []
    for doc in docs:
        data = doc.data if isinstance(doc.data, dict) else {}
        kind, name = data.get("kind"), data.get("name")
        if isinstance(kind, str) and kind in GROUPS and isinstance(name, str):
            declared[GROUPS[kind]].add(name)
        # placement is checked on the raw kind, so it is reported even for invalid documents
        if doc.file == pack_file and kind is not None and kind != "Pack":
            problems.add(doc, ("kind",), f"{PACK_FILE} holds the Pack document only; move this")
        elif doc.file != pack_file and kind == "Pack":
            problems.add(doc, ("kind",), f"the Pack document belongs in {PACK_FILE}")
        spec = parse_document(doc, problems)
        if spec is not None:
            parsed.append(Parsed(doc, spec))
            allow = getattr(spec, "allow", ())
            if allow and isinstance(kind, str) and isinstance(name, str):
                out.allowances.setdefault(
                    (GROUPS[kind], name),
                    tuple(Allowance(a.term, a.reason, a.at, i) for i, a in enumerate(allow)),
                )

    _pack(parsed, pack_file, problems, out)
    ctx = Context(problems, out.sources, declared)
    _due_process(ctx, out)

    types: list[tuple[Document, RecordType]] = []
    for p in _of(parsed, RawRecordTypeSpec):
        assert isinstance(p.spec, RawRecordTypeSpec)
        if _register(out, RECORD_TYPE, p.spec.name, p.doc, problems):
            rt = record_type(ctx, p.doc, p.spec)
            if rt is not None:
                ctx.catalogue[rt.name] = rt
                types.append((p.doc, rt))
    for doc, rt in types:
        check_exit_refs(ctx, doc, rt)
    out.catalogue = Catalogue(ctx.catalogue.values())

    for p in _of(parsed, RawScoringSchemeSpec):
        assert isinstance(p.spec, RawScoringSchemeSpec)
        if _register(out, SCHEME, p.spec.name, p.doc, problems):
            s = scheme(ctx, p.doc, p.spec)
            if s is not None:
                out.schemes[s.name] = s
    for p in _of(parsed, RawBlacklistSpec, RawRedListSpec, RawWatchListSpec):
        assert isinstance(p.spec, RawBlacklistSpec | RawRedListSpec | RawWatchListSpec)
        raw_list: RawListSpec = p.spec
        if _register(out, LIST, raw_list.name, p.doc, problems):
            out.lists[raw_list.name] = credit_list(ctx, p.doc, raw_list)
    _check_list_cycles(out, problems)
    for p in _of(parsed, RawSanctionSpec, RawRewardSpec):
        assert isinstance(p.spec, RawSanctionSpec | RawRewardSpec)
        raw_measure: RawMeasureSpec = p.spec
        if _register(out, MEASURE, raw_measure.name, p.doc, problems):
            m = measure(ctx, p.doc, raw_measure, out.lists, out.schemes)
            if m is not None:
                out.measures[m.name] = m
    grades = {name: s.grade_names() for name, s in out.schemes.items()}
    for p in _of(parsed, RawCaseSpec):
        assert isinstance(p.spec, RawCaseSpec)
        if _register(out, CASE, p.spec.name, p.doc, problems):
            out.cases[p.spec.name] = case(
                ctx,
                p.doc,
                p.spec,
                lists=out.lists,
                schemes=out.schemes,
                measures=out.measures,
                grades=grades,
            )
    return out


def _check_list_cycles(out: Resolved, problems: Problems) -> None:
    """Lists anchored on lists must form no cycle: each is evaluated after those it rests on."""
    for name in out.lists:
        path = [name]
        frontier = sorted(out.lists[name].upstream())
        while frontier:
            nxt = frontier.pop()
            if nxt == name:
                problems.add(
                    out.index[(LIST, name)],
                    ("entry",),
                    "lists anchored on each other form a cycle: " + " → ".join([*path, name]),
                )
                break
            if nxt in out.lists and nxt not in path:
                path.append(nxt)
                frontier.extend(sorted(out.lists[nxt].upstream()))


def _of(parsed: Sequence[Parsed], *kinds: type) -> list[Parsed]:
    return [p for p in parsed if isinstance(p.spec, kinds)]


def _register(out: Resolved, group: str, name: str, doc: Document, problems: Problems) -> bool:
    first = out.index.get((group, name))
    if first is not None:
        problems.add(
            doc,
            ("name",),
            f"duplicate {group} {name!r} "
            f"(first defined at {_relative(first.file, out.root)}:{_line(first)})",
        )
        return False
    out.index[(group, name)] = doc
    return True


def _relative(file: Path, root: Path) -> str:
    try:
        return file.relative_to(root).as_posix()
    except ValueError:
        return str(file)


def _line(doc: Document) -> int:
    return doc.locate(("name",))[0]


def _pack(parsed: Sequence[Parsed], pack_file: Path, problems: Problems, out: Resolved) -> None:
    for p in parsed:
        if not isinstance(p.spec, RawPackSpec) or p.doc.file != pack_file:
            continue  # misplaced documents are reported by `resolve`
        if out.pack is not None:
            problems.add(p.doc, ("kind",), f"{PACK_FILE} holds one Pack document")
            continue
        out.pack = p.spec
        out.index[(PACK, p.spec.name)] = p.doc
        for i, s in enumerate(p.spec.sources):
            if s.id in out.sources:
                problems.add(p.doc, ("sources", i, "id"), f"duplicate source id {s.id!r}")
                continue
            out.sources[s.id] = Source(
                id=s.id,
                title=s.title,
                confidence=Confidence(s.confidence),
                citation=s.citation,
                url=s.url,
                note=s.note,
            )


def _due_process(ctx: Context, out: Resolved) -> None:
    """The pack's objection and restoration rules (pack.yaml `due_process`)."""
    raw = out.pack.due_process if out.pack is not None else None
    if raw is None or out.pack is None:
        return
    doc = out.index[(PACK, out.pack.name)]
    objection = None
    if (o := raw.objection) is not None:
        if (o.reconsideration_filing_days is None) != (o.reconsideration_decision_days is None):
            ctx.problems.add(
                doc,
                ("due_process", "objection", "reconsideration_decision_days"),
                "give both reconsideration_filing_days and reconsideration_decision_days, "
                "or neither",
            )
        objection = ObjectionRules(
            review_days=o.review_days,
            correction_working_days=o.correction_working_days,
            reconsideration_filing_days=o.reconsideration_filing_days,
            reconsideration_decision_days=o.reconsideration_decision_days,
            suspends=o.suspends,
            suspends_on_reconsideration=o.suspends_on_reconsideration,
            legal_basis=ctx.citations(
                doc, ("due_process", "objection", "legal_basis"), o.legal_basis
            ),
        )
    restoration = None
    if (r := raw.restoration) is not None:
        loc = ("due_process", "restoration")
        ctx.unique(doc, (*loc, "conditions"), [c.name for c in r.conditions], "condition")
        restoration = RestorationRules(
            conditions=tuple(
                RestorationCondition(
                    c.name,
                    c.description,
                    ctx.citations(doc, (*loc, "conditions", i, "legal_basis"), c.legal_basis),
                )
                for i, c in enumerate(r.conditions)
            ),
            effect_working_days=r.effect_working_days,
            decision_days=r.decision_days,
            legal_basis=ctx.citations(doc, (*loc, "legal_basis"), r.legal_basis),
        )
    out.due_process = DueProcessRules(objection=objection, restoration=restoration)
