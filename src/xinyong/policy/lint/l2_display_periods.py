"""L2 (warning): severity tiers named minor/general/serious stay within NDRC Order No. 36.

Order 36 (in force 2026-04-01): minor ≤ 3 months; general 3 months to 1 year; serious 1 to 3 years.
"""

from __future__ import annotations

from collections.abc import Iterator

from xinyong.domain.catalogue import Period, TieredDisplay
from xinyong.policy.lint.base import Finding, Rule, Severity
from xinyong.policy.pack import Pack
from xinyong.policy.resolve.context import RECORD_TYPE

ORDER_36: dict[str, tuple[Period, Period]] = {
    "minor": (Period(), Period(months=3)),
    "general": (Period(months=3), Period(years=1)),
    "serious": (Period(years=1), Period(years=3)),
}


class DisplayWithinOrder36(Rule):
    code = "L2"
    severity = Severity.warning
    summary = "Tiered display periods named minor/general/serious follow NDRC Order No. 36."

    def check(self, pack: Pack) -> Iterator[Finding]:
        for rt in pack.catalogue.values():
            if not isinstance(rt.disclosure, TieredDisplay):
                continue
            for name, tier in rt.disclosure.tiers.items():
                bounds = ORDER_36.get(name)
                if bounds is None:
                    continue
                lo, hi = bounds
                loc = ("disclosure", "tiers", name)
                if tier.maximum.approx_days() > hi.approx_days():
                    yield Finding(
                        RECORD_TYPE,
                        rt.name,
                        (*loc, "maximum"),
                        f"{tier.maximum} is longer than NDRC Order No. 36 allows for "
                        f"{name!r} ({hi})",
                    )
                if tier.minimum.approx_days() < lo.approx_days():
                    yield Finding(
                        RECORD_TYPE,
                        rt.name,
                        (*loc, "minimum"),
                        f"{tier.minimum} is shorter than NDRC Order No. 36's minimum for "
                        f"{name!r} ({lo})",
                    )
