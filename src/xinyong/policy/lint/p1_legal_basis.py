"""P1: no record without a legal basis in the catalogue; no rule without a cited source."""

from __future__ import annotations

from collections.abc import Iterator

from xinyong.policy.lint.base import Finding, Rule, Severity, principle
from xinyong.policy.pack import Pack
from xinyong.policy.resolve.context import LIST, MEASURE, RECORD_TYPE, SCHEME

_RULE = "has no legal basis: every rule must cite a source declared in pack.yaml"


class LegalBasisRequired(Rule):
    code = "P1"
    severity = Severity.error
    summary = "Record types, lists, rules, schemes and measures each cite a legal basis."

    def check(self, pack: Pack) -> Iterator[Finding]:
        for rt in pack.catalogue.values():
            if not rt.legal_basis:
                yield Finding(
                    RECORD_TYPE,
                    rt.name,
                    ("legal_basis",),
                    "a record type needs a legal basis "
                    + principle(
                        1,
                        "no record without a decision by a competent authority "
                        "and a legal basis in the catalogue",
                    ),
                )
        for cl in pack.lists.values():
            if not cl.legal_basis:
                yield Finding(LIST, cl.name, ("legal_basis",), _RULE)
            for i, rule in enumerate(cl.entry):
                if not rule.legal_basis:
                    yield Finding(LIST, cl.name, ("entry", i, "legal_basis"), _RULE)
                for j, ext in enumerate(rule.extensions):
                    if not ext.legal_basis:
                        loc = ("entry", i, "extensions", j, "legal_basis")
                        yield Finding(LIST, cl.name, loc, _RULE)
            for i, exc in enumerate(cl.exclusions):
                if not exc.legal_basis:
                    yield Finding(LIST, cl.name, ("exclusions", i, "legal_basis"), _RULE)
            for i, ex in enumerate(cl.exit):
                if not ex.legal_basis:
                    yield Finding(LIST, cl.name, ("exit", i, "legal_basis"), _RULE)
            if cl.notice is not None and not cl.notice.legal_basis:
                yield Finding(LIST, cl.name, ("notice", "legal_basis"), _RULE)
        for s in pack.schemes.values():
            if not s.legal_basis:
                yield Finding(SCHEME, s.name, ("legal_basis",), _RULE)
            for i, item in enumerate(s.items):
                if not item.legal_basis:
                    yield Finding(SCHEME, s.name, ("items", i, "legal_basis"), _RULE)
        for m in pack.measures.values():
            if not m.legal_basis:
                yield Finding(MEASURE, m.name, ("legal_basis",), _RULE)
