"""L3 (warning): adverse lists that cover individuals exclude minors.

SPC Fa Shi [2017] No. 7 Art 4 forbids listing minors as dishonest judgment debtors; PIPL Art 28
treats all data of children under 14 as sensitive.
"""

from __future__ import annotations

from collections.abc import Iterator

from xinyong.domain.lists import ListKind
from xinyong.domain.subject import SubjectKind
from xinyong.policy.lint.base import Finding, Rule, Severity
from xinyong.policy.pack import Pack
from xinyong.policy.resolve.context import LIST


class MinorsNotListed(Rule):
    code = "L3"
    severity = Severity.warning
    summary = "Adverse lists of individuals exclude subjects under 18."

    def check(self, pack: Pack) -> Iterator[Finding]:
        for cl in pack.lists.values():
            if cl.kind is ListKind.red_list or SubjectKind.individual not in cl.subject_kinds:
                continue
            if not any(
                e.subject is not None
                and e.subject.age_under is not None
                and e.subject.age_under >= 18
                for e in cl.exclusions
            ):
                yield Finding(
                    LIST,
                    cl.name,
                    ("subject_kinds",),
                    "lists individuals but does not exclude minors; add an exclusion with "
                    "`subject: {age_under: 18}` (cf. SPC Fa Shi [2017] No. 7 Art 4)",
                )
