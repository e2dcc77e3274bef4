"""P3: no collective punishment.

A measure reaches the subject and, only where the provision it cites names them, the persons the
law holds responsible for an entity's conduct. Family members, children, relatives and associates
are never reachable, whatever a citation says.
"""

from __future__ import annotations

from collections.abc import Iterator

from xinyong.domain.measures import Role
from xinyong.policy.lint.base import Finding, Rule, Severity, principle
from xinyong.policy.pack import Pack
from xinyong.policy.resolve.context import MEASURE

_WHY = principle(
    3,
    "no collective punishment; a measure reaches the listed subject and, where its legal basis "
    "names them, the persons responsible for an entity's conduct, never family members, "
    "children, relatives or associates",
)


class NoCollectivePunishment(Rule):
    code = "P3"
    severity = Severity.error
    summary = "Measures target only the subject and persons their legal basis names."

    def check(self, pack: Pack) -> Iterator[Finding]:
        for m in pack.measures.values():
            named = m.named_roles()
            for i, c in enumerate(m.legal_basis):
                for role in c.names:
                    if role.prohibited or role is Role.subject:
                        yield Finding(
                            MEASURE,
                            m.name,
                            ("legal_basis", i, "names"),
                            f"{role.value!r} cannot be named here {_WHY}",
                            item=role.value,
                        )
            for role in m.targets:
                if role.prohibited:
                    message = f"{role.value!r} may never be targeted {_WHY}"
                elif role.responsible and role not in named:
                    message = (
                        f"{role.value!r} is reachable only where the measure's legal basis names "
                        f"them; add `names: [{role.value}]` to the citation that does {_WHY}"
                    )
                else:
                    continue
                yield Finding(MEASURE, m.name, ("targets",), message, item=role.value)
