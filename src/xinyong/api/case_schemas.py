"""Request and response models of the due-process routes (routers/cases.py, the subject's in
routers/subject_cases.py), each with an example the OpenAPI shows.

No request carries a day: every step is taken on the server's day (the workspace's clock), so
neither the subject nor the authority chooses its filing or decision date.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from xinyong.api.schemas import USCC, AttributeValue, Identifier, Scheme, _examples

CASE_PATTERN = r"^(OBJ|NOT|RES)-[0-9]{4}-[0-9]{4,6}$"
# (a reason must say something: whitespace alone is no reason)
Text = Annotated[str, Field(min_length=1, max_length=4000, pattern=r"\S")]
Seq = Annotated[int, Field(ge=0, le=2**53, description="The record's ledger sequence number.")]
Attributes = dict[Annotated[str, Field(max_length=64)], AttributeValue]

_STEP = {"seq": 14, "type": "objection.filed", "actor": "9f3c…", "on": "2026-11-22"}
_CASE = {
    "case": "OBJ-2026-0001",
    "kind": "objection",
    "state": "filed",
    "open": True,
    "subject_key": "9f3c…",
    "record_seq": 2,
    "record_type": "court.enforcement.dishonesty_decision",
    "authority": "court.example",
    "opened_on": "2026-11-22",
    "deadlines": {"review_by": "2026-12-07"},
    "reasons": "",
    "remedy": "the authority decides by 2026-12-07",
    "overdue": [],
    "steps": [_STEP],
}


class CaseStepOut(BaseModel):
    model_config = _examples(_STEP)
    seq: int = Field(description="The step's ledger entry.")
    type: str
    actor: str = Field(description="Who took it: an API key's principal, or the subject's key.")
    on: date


class PendingOut(BaseModel):
    not_before: date = Field(description="The earliest day the deadline can be.")
    year: int = Field(description="The year whose working-day arrangement it waits for.")


class CaseOut(BaseModel):
    """A case as its steps leave it: state, deadlines, reasons, and what comes next."""

    model_config = _examples(_CASE)
    case: str
    kind: Literal["notice", "objection", "restoration"]
    state: str
    open: bool = Field(description="Still waiting on someone (the authority, or the subject).")
    subject_key: str = Field(description="The subject, by the ledger's pseudonym.")
    record_seq: int
    record_type: str
    authority: str = Field(description="The record's provider: the authority whose case it is.")
    opened_on: date
    deadlines: dict[str, date] = Field(
        description="review_by, reconsider_by, reconsideration_by, correct_by (objections); "
        "decide_by, effect_by (restorations); objection_by, takes_effect (notices)."
    )
    pending: dict[str, PendingOut] = Field(
        default_factory=dict,
        description="Deadlines that cannot be computed yet: their year's working-day "
        "arrangement is not known. Each is `not_before` or later; nobody is late on it meanwhile.",
    )
    reasons: str = Field(description="The reasons given (a notice's, or the decision's).")
    remedy: str = Field(description="The next remedy: what may be done next, by when.")
    overdue: list[str] = Field(description="What the authority is late with, today.")
    steps: list[CaseStepOut]


class CasesOut(BaseModel):
    model_config = _examples({"cases": [_CASE], "offset": 0, "limit": 100, "cursor": 14})
    cases: list[CaseOut]
    offset: int
    limit: int
    cursor: int | None = Field(
        description="The newest step of the cases matched (every page): ask again with "
        "`since` set to it for the cases that changed after this answer."
    )


class StepOut(BaseModel):
    """What a step did: the case as it now stands and the ledger entries appended; for an
    upheld objection, how many past decisions rested on the record and who was told."""

    model_config = _examples(
        {"case": _CASE, "recorded": [14], "reached": None, "notified": None},
        {
            "case": {
                **_CASE,
                "state": "upheld",
                "open": False,
                "deadlines": {"review_by": "2026-12-07", "correct_by": "2026-11-25"},
                "reasons": "Paid in full before the decision.",
                "remedy": "the record is revoked by 2026-11-25",
            },
            "recorded": [15, 16],
            "reached": 1,
            "notified": ["Fuzhou procurement centre"],
        },
    )
    case: CaseOut
    recorded: list[int] = Field(description="The ledger entries the step appended.")
    reached: int | None = Field(None, description="Past decisions that rested on the record.")
    notified: list[str] | None = Field(None, description="Relying parties told to decide again.")


class DisplayOut(BaseModel):
    """A record shown for a tiered period: until when, and from when restoration is possible."""

    model_config = _examples(
        {
            "record_seq": 9,
            "record_type": "admin.penalty.tax",
            "tier": "serious",
            "decided_on": "2025-03-03",
            "may_apply_from": "2026-03-03",
            "ends_on": "2028-03-03",
            "restored_on": None,
            "state": "displayed until 2028-03-03; restoration may be applied for",
            "restoration": None,
        }
    )
    record_seq: int
    record_type: str
    tier: str
    decided_on: date
    may_apply_from: date
    ends_on: date
    restored_on: date | None
    state: str
    restoration: str | None = Field(description="The latest application's case, if any.")


class SubjectProcessOut(BaseModel):
    """A subject's due process: its cases (notices, objections, restoration applications) and
    its records with a display period."""

    model_config = _examples({"subject": USCC, "cases": [_CASE], "displays": []})
    subject: str
    cases: list[CaseOut]
    displays: list[DisplayOut]


# -- requests ------------------------------------------------------------------------------------


class ObjectionIn(BaseModel):
    model_config = _examples({"record": 2, "grounds": "Paid in full on 25 March 2026."})
    record: Seq
    grounds: Text


class ReconsiderationIn(BaseModel):
    model_config = _examples({"grounds": "The bank confirms the payment."})
    grounds: Text


class RestorationIn(BaseModel):
    model_config = _examples(
        {
            "record": 9,
            "attested": ["conduct_corrected", "public_credit_commitment"],
            "commitment": "We will keep the tax law.",
        }
    )
    record: Seq
    attested: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        [], max_length=20, description="The pack's conditions the subject says it meets."
    )
    commitment: str = Field("", max_length=4000, description="The public credit commitment.")


class NoticeIn(BaseModel):
    model_config = _examples(
        {
            "subject": USCC,
            "record": 2,
            "list": "dishonest_judgment_debtors",
            "reasons": "Refuses to perform the judgment despite being able to.",
            "to": "legal@example.com",
        }
    )
    subject: Identifier
    scheme: Scheme | None = None
    record: Seq
    list: str = Field(min_length=1, max_length=128)
    reasons: Text
    to: str = Field(min_length=1, max_length=320, description="The subject's address.")


class ReasonsIn(BaseModel):
    model_config = _examples({"reasons": "The receipt does not name the case."})
    reasons: Text


class UpholdIn(BaseModel):
    model_config = _examples(
        {"reasons": "Payment to the case account confirmed (Art 11).", "correct": None}
    )
    reasons: Text
    correct: Attributes | None = Field(
        None, description="Correct the record to these attributes (all of them); else revoke it."
    )


class ReconsiderationDecisionIn(UpholdIn):
    model_config = _examples(
        {"uphold": True, "reasons": "Payment to the case account confirmed (Art 11)."}
    )
    uphold: bool = Field(description="Uphold the objection on reconsideration, or reject it.")


class RefusalIn(BaseModel):
    model_config = _examples(
        {"reasons": "The fine is unpaid.", "remedy": "apply again once the fine is paid"}
    )
    reasons: Text
    remedy: str = Field("", max_length=4000, description="What the applicant may do next.")
