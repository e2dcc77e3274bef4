"""L4: a measure fits its trigger.

Sanctions follow blacklists, watch lists or grades; rewards follow red lists or grades. A
"rewards only" scheme deducts nothing, caps no grade and triggers no sanction: that is what the
flag promises.
"""

from __future__ import annotations

from collections.abc import Iterator

from xinyong.domain.lists import ListKind
from xinyong.domain.measures import GradeTrigger, ListTrigger, MeasureKind
from xinyong.policy.lint.base import Finding, Rule, Severity
from xinyong.policy.pack import Pack
from xinyong.policy.resolve.context import MEASURE, SCHEME


class TriggerFitsMeasure(Rule):
    code = "L4"
    severity = Severity.error
    summary = (
        "Sanctions are not triggered by red lists or rewards-only schemes, nor rewards by "
        "blacklists; rewards-only schemes never deduct or cap grades."
    )

    def check(self, pack: Pack) -> Iterator[Finding]:
        for s in pack.schemes.values():
            if s.rewards_only:
                for i, item in enumerate(s.items):
                    if item.points < 0:
                        yield Finding(
                            SCHEME,
                            s.name,
                            ("items", i, "points"),
                            f"a rewards-only scheme cannot deduct points (got {item.points})",
                        )
                    if item.grade_at_most is not None:
                        yield Finding(
                            SCHEME,
                            s.name,
                            ("items", i, "grade_at_most"),
                            "a rewards-only scheme cannot cap grades",
                        )
        for m in pack.measures.values():
            t = m.trigger
            loc = ("trigger",)
            if isinstance(t, ListTrigger) and t.list in pack.lists:
                kind = pack.lists[t.list].kind
                if m.kind is MeasureKind.sanction and kind is ListKind.red_list:
                    yield Finding(
                        MEASURE, m.name, (*loc, "list"), "a sanction cannot follow a red list"
                    )
                if m.kind is MeasureKind.reward and kind is not ListKind.red_list:
                    yield Finding(
                        MEASURE, m.name, (*loc, "list"), f"a reward cannot follow a {kind.value}"
                    )
            if (
                isinstance(t, GradeTrigger)
                and t.scheme in pack.schemes
                and m.kind is MeasureKind.sanction
                and pack.schemes[t.scheme].rewards_only
            ):
                yield Finding(
                    MEASURE,
                    m.name,
                    (*loc, "scheme"),
                    f"{t.scheme} is rewards-only: its grades trigger rewards, never sanctions",
                )
