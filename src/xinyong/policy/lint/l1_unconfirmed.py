"""L1 (warning): rules resting only on unconfirmed [U] sources must be checked before shipping."""

from __future__ import annotations

from collections.abc import Iterator

from xinyong.policy.lint.base import Finding, Rule, Severity, all_unconfirmed
from xinyong.policy.pack import Pack
from xinyong.policy.resolve.context import LIST, MEASURE, RECORD_TYPE, SCHEME

_MESSAGE = "rests only on unconfirmed [U] sources; check before relying on it"


class UnconfirmedBasis(Rule):
    code = "L1"
    severity = Severity.warning
    summary = "Warn where every citation of a rule is marked U."

    def check(self, pack: Pack) -> Iterator[Finding]:
        for rt in pack.catalogue.values():
            if all_unconfirmed(pack, rt.legal_basis):
                yield Finding(RECORD_TYPE, rt.name, ("legal_basis",), _MESSAGE)
        for cl in pack.lists.values():
            if all_unconfirmed(pack, cl.legal_basis):
                yield Finding(LIST, cl.name, ("legal_basis",), _MESSAGE)
            for i, rule in enumerate(cl.entry):
                if all_unconfirmed(pack, rule.legal_basis):
                    yield Finding(LIST, cl.name, ("entry", i, "legal_basis"), _MESSAGE)
        for s in pack.schemes.values():
            if all_unconfirmed(pack, s.legal_basis):
                yield Finding(SCHEME, s.name, ("legal_basis",), _MESSAGE)
        for m in pack.measures.values():
            if all_unconfirmed(pack, m.legal_basis):
                yield Finding(MEASURE, m.name, ("legal_basis",), _MESSAGE)
