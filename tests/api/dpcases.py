"""Due-process cases made for API tests through the service (as an operator would, outside any
request), in the state a test needs. They need a `build(..., "dueprocess")` API."""

from __future__ import annotations

import itertools

from tests.api.conftest import Api, ingest, penalty, record

_REF = itertools.count(1)
CONDITIONS = ["conduct_corrected", "public_credit_commitment"]
STATES = ("filed", "under_review", "rejected", "reconsideration")


def dishonest(api: Api, who: str, provider: str) -> int:
    """A new dishonesty decision of `provider` about `who`: its seq."""
    return ingest(api, record("dishonest", who, provider=provider, document_ref=f"D-{next(_REF)}"))


def objection(api: Api, who: str, provider: str, state: str = "filed") -> str:
    """A new objection by `who` to a new record of `provider`, taken to `state`."""
    dp = api.ws.dueprocess
    case = dp.file_objection(who, dishonest(api, who, provider), grounds="Paid in full.").case
    upto = STATES.index(state)
    if upto >= 1:
        dp.review(case, actor="court")
    if upto >= 2:
        dp.decide(case, actor="court", upheld=False, reasons="The receipt names no case.")
    if upto >= 3:
        dp.reconsider(case, grounds="The bank confirms it.")
    return case


def restoration(api: Api, who: str, provider: str) -> str:
    """A new application by `who` to restore a new penalty of `provider`, every condition met."""
    seq = ingest(api, penalty(who, f"P-{next(_REF)}", provider))
    dp = api.ws.dueprocess
    return dp.apply_restoration(who, seq, attested=CONDITIONS, commitment="I keep the law.").case
