"""P7: every adverse decision is explainable, notified, time-limited and open to objection.

Structurally that means: every record type accepts corrections and revocations (the outcome of an
objection); an adverse list notifies before listing, says how to object, and has a way out, each
exit rule saying in words how the listing ends (the remedy a listed subject is shown); an
open-term entry rule has an exit other than the term; a deducting or grade-capping score item
stops counting after a window.
"""

from __future__ import annotations

from collections.abc import Iterator

from xinyong.domain.lists import ExitEvent, ListCondition, ListKind
from xinyong.domain.record import EntryKind
from xinyong.policy.lint.base import Finding, Rule, Severity, principle
from xinyong.policy.pack import Pack
from xinyong.policy.resolve.context import LIST, RECORD_TYPE, SCHEME

_WHY = principle(7, "every adverse decision is notified, time-limited and open to objection")


class DueProcess(Rule):
    code = "P7"
    severity = Severity.error
    summary = "Records are correctable; adverse lists notify, expire or exit; deductions lapse."

    def check(self, pack: Pack) -> Iterator[Finding]:
        for rt in pack.catalogue.values():
            missing = [
                k for k in (EntryKind.correction, EntryKind.revocation) if k not in rt.entry_kinds
            ]
            if missing:
                yield Finding(
                    RECORD_TYPE,
                    rt.name,
                    ("entry_kinds",),
                    "must allow "
                    + " and ".join(f"`{k.value}`" for k in missing)
                    + f" entries, the outcome of an upheld objection {_WHY}",
                )
        for cl in pack.lists.values():
            if cl.kind is ListKind.red_list:
                continue
            if cl.notice is None or not cl.notice.before_listing:
                loc = ("notice",) if cl.notice is None else ("notice", "before_listing")
                yield Finding(
                    LIST,
                    cl.name,
                    loc,
                    "an adverse list must notify the subject before listing "
                    f"(`notice: {{before_listing: true, …}}`; 国办发〔2020〕49号 para 8) {_WHY}",
                )
            if cl.objection is None:
                yield Finding(
                    LIST,
                    cl.name,
                    ("objection",),
                    "an adverse list must say how a listed subject objects "
                    f"(`objection: {{description, legal_basis}}`) {_WHY}",
                )
            if not cl.exit:
                yield Finding(
                    LIST,
                    cl.name,
                    ("exit",),
                    f"an adverse list needs at least one exit rule {_WHY}",
                )
                continue
            for i, ex in enumerate(cl.exit):
                if not ex.description.strip():
                    yield Finding(
                        LIST,
                        cl.name,
                        ("exit", i, "description"),
                        f"exit rule {ex.name!r} must say in words how the listing ends "
                        f"(`description:`): it is the remedy a listed subject is shown {_WHY}",
                    )
            real_exit = any(
                e.when or e.event not in (None, ExitEvent.term_elapsed) for e in cl.exit
            )
            for i, rule in enumerate(cl.entry):
                # a listing anchored on another list ends when that listing does
                if rule.open_term and not real_exit and not isinstance(rule.anchor, ListCondition):
                    yield Finding(
                        LIST,
                        cl.name,
                        ("entry", i, "term"),
                        "an open term needs an exit rule other than term_elapsed (fulfilment, "
                        f"restoration or a record condition) {_WHY}",
                    )
        for s in pack.schemes.values():
            for i, item in enumerate(s.items):
                if item.condition.within is not None:
                    continue
                if item.points < 0:
                    yield Finding(
                        SCHEME,
                        s.name,
                        ("items", i, "points"),
                        f"a deducting item needs `within:` so that a breach stops counting {_WHY}",
                    )
                elif item.grade_at_most is not None:
                    yield Finding(
                        SCHEME,
                        s.name,
                        ("items", i, "grade_at_most"),
                        "an item that caps the grade needs `within:` so that a breach stops "
                        f"counting {_WHY}",
                    )
