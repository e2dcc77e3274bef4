"""Rules run over a resolved pack: the design principles (P*) and lint (L*).

`run` turns each finding into a located problem: errors make the pack invalid, warnings travel
with it. Principle rules are errors by construction; see `docs/concepts/principles.md`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from xinyong.policy.lint.base import Finding as Finding
from xinyong.policy.lint.base import Rule as Rule
from xinyong.policy.lint.base import Severity as Severity
from xinyong.policy.lint.l1_unconfirmed import UnconfirmedBasis
from xinyong.policy.lint.l2_display_periods import DisplayWithinOrder36
from xinyong.policy.lint.l3_minors import MinorsNotListed
from xinyong.policy.lint.l4_triggers import TriggerFitsMeasure
from xinyong.policy.lint.l5_subject_kinds import SubjectKindsMatch
from xinyong.policy.lint.l6_unused_sources import UnusedSource
from xinyong.policy.lint.p1_legal_basis import LegalBasisRequired
from xinyong.policy.lint.p2_special_categories import NoSpecialCategories
from xinyong.policy.lint.p3_collective_punishment import NoCollectivePunishment
from xinyong.policy.lint.p4_publication import NoPublicShaming
from xinyong.policy.lint.p6_proportionality import Proportionality
from xinyong.policy.lint.p7_due_process import DueProcess
from xinyong.policy.lint.s1_screen import MeaningScreen
from xinyong.policy.pack import Pack
from xinyong.policy.problems import Problems
from xinyong.policy.source import Document, Loc

RULES: tuple[Rule, ...] = (
    LegalBasisRequired(),
    NoSpecialCategories(),
    MeaningScreen(),
    NoCollectivePunishment(),
    NoPublicShaming(),
    Proportionality(),
    DueProcess(),
    UnconfirmedBasis(),
    DisplayWithinOrder36(),
    MinorsNotListed(),
    TriggerFitsMeasure(),
    SubjectKindsMatch(),
    UnusedSource(),
)


def run(
    pack: Pack,
    index: Mapping[tuple[str, str], Document],
    problems: Problems,
    rules: Sequence[Rule] = RULES,
) -> None:
    """Run `rules` over `pack`, adding their findings to `problems` at their documents' lines."""
    for rule in rules:
        for f in rule.check(pack):
            doc = index.get((f.group, f.name))
            if doc is None:  # pragma: no cover - every resolved object comes from a document
                continue
            problems.add(
                doc,
                _with_item(doc.data, f.loc, f.item),
                f.message,
                at=f.at,
                hints=f.hints,
                warning=rule.severity is Severity.warning,
                exception=f.allowed is not None,
            )


def _with_item(data: Any, loc: Loc, item: str | None) -> Loc:
    if item is None:
        return loc
    node = data
    for el in loc:
        try:
            node = node[el]
        except (KeyError, IndexError, TypeError):
            return loc
    if isinstance(node, list) and item in node:
        return (*loc, node.index(item))
    return loc
