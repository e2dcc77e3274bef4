"""L6 (warning): every source declared in pack.yaml is cited somewhere."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from xinyong.domain.catalogue import Citation
from xinyong.policy.lint.base import Finding, Rule, Severity
from xinyong.policy.pack import Pack
from xinyong.policy.resolve.context import PACK


def cited(pack: Pack) -> set[str]:
    out: set[str] = set()

    def add(basis: Iterable[Citation]) -> None:
        out.update(c.source for c in basis)

    for rt in pack.catalogue.values():
        add(rt.legal_basis)
        add(rt.publication_basis)
    for cl in pack.lists.values():
        add(cl.legal_basis)
        add(cl.publication.legal_basis)
        if cl.notice is not None:
            add(cl.notice.legal_basis)
        for rule in cl.entry:
            add(rule.legal_basis)
            for ext in rule.extensions:
                add(ext.legal_basis)
        for exc in cl.exclusions:
            add(exc.legal_basis)
        for ex in cl.exit:
            add(ex.legal_basis)
    for s in pack.schemes.values():
        add(s.legal_basis)
        for item in s.items:
            add(item.legal_basis)
        if s.scorecard is not None:
            for i in s.scorecard.inputs:
                add(i.legal_basis)
    for m in pack.measures.values():
        add(m.legal_basis)
        add(m.cross_domain_basis)
    return out


class UnusedSource(Rule):
    code = "L6"
    severity = Severity.warning
    summary = "Warn about sources declared in pack.yaml that no rule cites."

    def check(self, pack: Pack) -> Iterator[Finding]:
        used = cited(pack)
        for i, source in enumerate(pack.sources):
            if source not in used:
                yield Finding(
                    PACK, pack.name, ("sources", i, "id"), f"source {source!r} is never cited"
                )
