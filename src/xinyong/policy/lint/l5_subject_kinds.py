"""L5: the record types a list or scheme relies on apply to the subjects it covers.

A condition on a record type that can never exist for the list's subjects is dead, and usually a
mistake in `subject_kinds`. Targeting responsible persons only makes sense when entities can be
triggered.
"""

from __future__ import annotations

from collections.abc import Iterator

from xinyong.domain.lists import RecordCondition
from xinyong.domain.measures import ListTrigger
from xinyong.domain.subject import SubjectKind
from xinyong.policy.lint.base import Finding, Rule, Severity
from xinyong.policy.pack import Pack
from xinyong.policy.resolve.context import LIST, MEASURE, SCHEME


class SubjectKindsMatch(Rule):
    code = "L5"
    severity = Severity.error
    summary = "Conditions name record types that apply to the list's or scheme's subjects."

    def check(self, pack: Pack) -> Iterator[Finding]:
        cat = pack.catalogue
        for cl in pack.lists.values():
            for i, rule in enumerate(cl.entry):
                for j, c in enumerate(rule.when):
                    if not isinstance(c, RecordCondition):
                        continue
                    rt = cat.record_types.get(c.record_type)
                    if rt is not None and not (rt.subject_kinds & cl.subject_kinds):
                        yield Finding(
                            LIST,
                            cl.name,
                            ("entry", i, "when", j, "record_type"),
                            f"{rt.name} never applies to this list's subjects "
                            f"({', '.join(sorted(cl.subject_kinds))})",
                        )
        for s in pack.schemes.values():
            for i, item in enumerate(s.items):
                rt = cat.record_types.get(item.condition.record_type)
                if rt is not None and not (rt.subject_kinds & s.subject_kinds):
                    yield Finding(
                        SCHEME,
                        s.name,
                        ("items", i, "record_type"),
                        f"{rt.name} never applies to this scheme's subjects",
                    )
        for m in pack.measures.values():
            if not isinstance(m.trigger, ListTrigger) or m.trigger.list not in pack.lists:
                continue
            kinds = pack.lists[m.trigger.list].subject_kinds
            for role in m.targets:
                if role.responsible and kinds <= {SubjectKind.individual}:
                    yield Finding(
                        MEASURE,
                        m.name,
                        ("targets",),
                        f"{role.value!r} answers for an entity, but {m.trigger.list} lists only "
                        "individuals",
                        item=role.value,
                    )
