"""P4: no public shaming of individuals.

Publishing an individual's record needs an explicit publication basis on the record type; a list
that covers individuals is public only with a publication basis of its own. The default is private
to the subject and to authorised, purpose-logged checks.
"""

from __future__ import annotations

from collections.abc import Iterator

from xinyong.domain.lists import PublicationScope
from xinyong.domain.subject import SubjectKind
from xinyong.policy.lint.base import Finding, Rule, Severity, principle
from xinyong.policy.pack import Pack
from xinyong.policy.resolve.context import LIST, RECORD_TYPE

_WHY = principle(4, "no public shaming of individuals")


class NoPublicShaming(Rule):
    code = "P4"
    severity = Severity.error
    summary = "Individuals' records and listings are published only on an explicit legal basis."

    def check(self, pack: Pack) -> Iterator[Finding]:
        for rt in pack.catalogue.values():
            if (
                rt.publishable
                and SubjectKind.individual in rt.subject_kinds
                and not rt.publication_basis
            ):
                yield Finding(
                    RECORD_TYPE,
                    rt.name,
                    ("publishable",),
                    "publishing an individual's record needs an explicit legal basis: add "
                    f"`publication_basis:` or make it `publishable: false` {_WHY}",
                )
        for cl in pack.lists.values():
            if (
                cl.publication.scope is PublicationScope.public
                and SubjectKind.individual in cl.subject_kinds
                and not cl.publication.legal_basis
            ):
                yield Finding(
                    LIST,
                    cl.name,
                    ("publication", "scope"),
                    "a public list of individuals needs `publication: {legal_basis: …}` citing "
                    f"the provision that orders publication {_WHY}",
                )
