"""P2 (with P1, P3, P5): no special categories of data in the catalogue.

Every record type and every attribute declares a `data_category` from the closed vocabulary in
`domain.catalogue`; the prohibited members carry the principle and the law that forbid them.
"""

from __future__ import annotations

from collections.abc import Iterator

from xinyong.policy.lint.base import Finding, Rule, Severity
from xinyong.policy.pack import Pack
from xinyong.policy.resolve.context import RECORD_TYPE


class NoSpecialCategories(Rule):
    code = "P2"
    severity = Severity.error
    summary = "No record type or attribute holds a prohibited category of data."

    def check(self, pack: Pack) -> Iterator[Finding]:
        for rt in pack.catalogue.values():
            banned = rt.data_category.prohibition
            if banned is not None:
                message = banned.message(rt.data_category.value)
                yield Finding(RECORD_TYPE, rt.name, ("data_category",), message)
            for attr in rt.attributes.values():
                banned = attr.data_category.prohibition
                if banned is not None:
                    loc = ("attributes", attr.name, "data_category")
                    message = banned.message(attr.data_category.value)
                    yield Finding(RECORD_TYPE, rt.name, loc, message)
