"""Request and response models of the HTTP API, each with an example the OpenAPI shows.

Response models are projections: what a role is entitled to see, built from the façade's
domain objects in the routers. A relying party gets outcomes and reason codes, never records.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

USCC = "91350100M000100Y43"
RESIDENT = "110105194912310021"

Scheme = Literal["uscc", "resident_id"]
Identifier = Annotated[str, Field(min_length=1, max_length=64, examples=[USCC])]
Action = Annotated[str, Field(min_length=1, max_length=64, examples=["air_travel.book"])]
AttributeValue = (
    Annotated[str, Field(max_length=2000)] | bool | Annotated[int, Field(ge=-(2**53), le=2**53)]
)


def _examples(*examples: dict[str, Any]) -> ConfigDict:
    return ConfigDict(extra="forbid", json_schema_extra={"examples": list(examples)})


# -- problems (RFC 9457) ------------------------------------------------------------------------


class FieldProblem(BaseModel):
    field: str = Field(description="The field at fault, as a dotted path (`body.subjects.3`).")
    reason: str
    line: int | None = Field(None, description="The line of an uploaded file, when there is one.")


class Problem(BaseModel):
    """Every error of the API: RFC 9457 problem details, with the fields at fault."""

    model_config = _examples(
        {
            "type": "https://xinyong.example/problems/invalid-input",
            "title": "Invalid input",
            "status": 422,
            "detail": "1 field is invalid",
            "errors": [{"field": "body.action", "reason": "Field required", "line": None}],
        },
        {
            "type": "https://xinyong.example/problems/conflict",
            "title": "Conflict",
            "status": 409,
            "detail": "an objection to record 2 is already open: OBJ-2026-0001",
            "errors": [{"field": "step", "reason": "OBJ-2026-0001 is filed", "line": None}],
            "remedy": "the authority decides by 2026-12-07",
        },
    )
    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] = []
    remedy: str | None = Field(
        None, description="A refused due-process step: what the person may do next."
    )


# -- records (providers) ------------------------------------------------------------------------

_JUDGMENT = {
    "provider": "court.example",
    "record_type": "court.judgment.effective",
    "subject_scheme": "uscc",
    "subject_id": USCC,
    "subject_kind": "enterprise",
    "decision_date": "2024-03-01",
    "document_ref": "(2024)闽01民初123号",
    "attributes": {
        "case_number": "(2024)闽01民初123号",
        "court": "福州市中级人民法院",
        "document_type": "judgment",
        "amount_awarded": "58000.00",
    },
}


class _RecordFields(BaseModel):
    provider: str = Field(min_length=1, max_length=64)
    record_type: str = Field(min_length=1, max_length=128)
    subject_scheme: Scheme
    subject_id: Identifier
    subject_kind: Literal["individual", "enterprise", "public_institution", "social_organisation"]
    decision_date: date
    document_ref: str = Field(min_length=1, max_length=128)
    attributes: dict[Annotated[str, Field(max_length=64)], AttributeValue] = {}


class RecordIn(_RecordFields):
    """One record, or an act on an earlier one (`entry_kind` and `refers_to`)."""

    model_config = _examples(_JUDGMENT)
    entry_kind: Literal["record", "correction", "revocation", "fulfilment", "restoration"] = (
        "record"
    )
    refers_to: str | None = Field(None, min_length=1, max_length=128)
    refers_to_provider: str | None = Field(None, min_length=1, max_length=64)


class ActIn(_RecordFields):
    """A correction or revocation of the record whose `document_ref` is `refers_to`."""

    model_config = _examples(
        {**_JUDGMENT, "decision_date": "2024-04-02", "refers_to": "(2024)闽01民初123号"}
    )
    refers_to: str = Field(min_length=1, max_length=128)
    refers_to_provider: str | None = Field(None, min_length=1, max_length=64)


class Submission(BaseModel):
    """What a submission did: rows accepted, already in the ledger (idempotent), rejected."""

    model_config = _examples(
        {
            "rows": 2,
            "accepted": 1,
            "already_in_ledger": 0,
            "duplicates": 0,
            "rejected": 1,
            "rejects": [
                {"line": 3, "field": "subject_id", "reason": "subject_id: check character"}
            ],
            "ledger_size": 41,
            "root": "5f0c…",
        }
    )
    rows: int
    accepted: int
    already_in_ledger: int
    duplicates: int
    rejected: int
    rejects: list[FieldProblem]
    ledger_size: int
    root: str


# -- checks (relying parties) -------------------------------------------------------------------


class CheckIn(BaseModel):
    model_config = _examples({"subject": RESIDENT, "action": "air_travel.book"})
    subject: Identifier
    action: Action
    scheme: Scheme | None = None
    as_of: date | None = Field(None, description="Decide as of this date (default: the index's).")


class BatchCheckIn(BaseModel):
    model_config = _examples({"subjects": [RESIDENT, USCC], "action": "air_travel.book"})
    subjects: list[Identifier] = Field(min_length=1, max_length=10_000)
    action: Action
    as_of: date | None = None


class Reason(BaseModel):
    """A reason code a relying party is entitled to: the measure, who implements it, the lists
    or grade that triggered it and the legal basis, without the records behind them."""

    measure: str
    kind: str
    outcome: str
    agency: str
    legal_basis: list[str]
    lists: list[str]
    grade: str | None = None
    officer: str | None = Field(
        None,
        description="Set when the measure applies to an entity and reaches this person in a "
        "role its basis names: role, entity and provision.",
    )


class CheckOut(BaseModel):
    model_config = _examples(
        {
            "subject": RESIDENT,
            "action": "air_travel.book",
            "outcome": "restrict",
            "as_of": "2026-11-22",
            "pack_version": "sha256:…",
            "codes": ["measure_applies"],
            "reasons": [
                {
                    "measure": "spc.high_consumption",
                    "kind": "sanction",
                    "outcome": "restrict",
                    "agency": "people's courts",
                    "legal_basis": ["Fa Shi [2015] No. 17 Art 1"],
                    "lists": ["dishonest_judgment_debtors"],
                    "grade": None,
                }
            ],
        }
    )
    subject: str
    action: str
    outcome: str
    as_of: date
    pack_version: str
    codes: list[str] = Field(
        description="The reason codes told to a relying party: measure_applies or "
        "no_measure_applies."
    )
    reasons: list[Reason]


class BatchItem(BaseModel):
    subject: str
    outcome: str | None = None
    codes: list[str] = []
    reasons: list[Reason] = []
    error: FieldProblem | None = None


class BatchCheckOut(BaseModel):
    model_config = _examples(
        {
            "action": "air_travel.book",
            "as_of": "2026-11-22",
            "pack_version": "sha256:…",
            "results": [
                {
                    "subject": USCC,
                    "outcome": "allow",
                    "codes": ["no_measure_applies"],
                    "reasons": [],
                    "error": None,
                }
            ],
        }
    )
    action: str
    as_of: date | None
    pack_version: str
    results: list[BatchItem]


class BatchAnswer(BaseModel):
    """One distinct answer of a compact batch: what an item of the same answer would say."""

    outcome: str
    codes: list[str]
    reasons: list[Reason]


BatchForm = Literal["items", "compact"]


class BatchCheckTable(BaseModel):
    """A batch check's compact answer (`?form=compact`): each distinct answer once, and per
    subject, in the order sent, the index of its answer; an invalid identifier gets `null`
    there and its problem in `errors`."""

    model_config = _examples(
        {
            "action": "air_travel.book",
            "as_of": "2026-11-22",
            "pack_version": "sha256:…",
            "answers": [
                {"outcome": "allow", "codes": ["no_measure_applies"], "reasons": []},
                {
                    "outcome": "restrict",
                    "codes": ["measure_applies"],
                    "reasons": [
                        {
                            "measure": "restrict_air_travel",
                            "kind": "sanction",
                            "outcome": "restrict",
                            "agency": "civil aviation carriers (CAAC)",
                            "legal_basis": ["Fa Shi [2010] No. 8, amended by Fa Shi [2015] …"],
                            "lists": ["high_consumption_restricted"],
                            "grade": None,
                            "officer": None,
                        }
                    ],
                },
            ],
            "answer": [1, 0, None, 0],
            "errors": [
                {"field": "body.subjects.2", "reason": "not a valid identifier", "line": None}
            ],
        }
    )
    action: str
    as_of: date | None
    pack_version: str
    answers: list[BatchAnswer] = Field(
        description="Each distinct answer once, in the order of the first subject that got it."
    )
    answer: list[int | None] = Field(
        description="One per subject, in the order sent: the index of its answer in `answers`, "
        "or null for an invalid identifier (its problem is in `errors`)."
    )
    errors: list[FieldProblem] = Field(
        description="A problem per invalid identifier, naming it (`body.subjects.2`)."
    )


class ChangesIn(BaseModel):
    model_config = _examples(
        {"subjects": [RESIDENT, USCC], "cursor": "41.4f1c2a9b0e3d7c55.2026-11-22"}
    )
    subjects: list[Identifier] = Field(min_length=1, max_length=10_000)
    cursor: str | None = Field(
        None, max_length=128, description="The cursor of the previous answer; none: the start."
    )


class ChangesOut(BaseModel):
    model_config = _examples(
        {"cursor": "42.4f1c2a9b0e3d7c55.2026-11-22", "everything": False, "changed": [USCC]}
    )
    cursor: str = Field(description="Give this back next time to learn what changed since now.")
    everything: bool = Field(
        description="The pack in force or the evaluation date changed: check every subject again."
    )
    changed: list[str] = Field(description="The subjects, as given, to check again.")


# -- subjects -----------------------------------------------------------------------------------


class EntryOut(BaseModel):
    seq: int
    entry_kind: str
    refers_to: int | None
    provider: str
    record_type: str
    decision_date: date
    document_ref: str
    attributes: dict[str, Any]
    received_at: datetime


class ListingOut(BaseModel):
    list_name: str
    rule_name: str
    since: date
    until: date | None
    status: str
    record_seq: int | None
    via_list: str | None


class ScoreOut(BaseModel):
    scheme_name: str
    points: int
    grade: str


class MeasureOut(BaseModel):
    name: str
    kind: str
    title: str
    agency: str
    outcome: str
    legal_basis: list[str]
    lists: list[str]
    records: list[int] = Field(description="Sequence numbers of the ledger records behind it.")
    remedies: list[str]
    officer: str | None = Field(
        None,
        description="Set when the measure applies to an entity and reaches this person in a "
        "role its basis names: role, entity and provision.",
    )


class DecisionOut(BaseModel):
    action: str
    outcome: str
    as_of: date
    measures: list[MeasureOut]
    objection: list[str]
    reasons: list[dict[str, Any]] = Field(
        description="Every reason, `code` first (measure_applies, not_listed, barred, "
        "listing_ended…), with what it rests on."
    )


class SubjectFileOut(BaseModel):
    model_config = _examples(
        {
            "subject": USCC,
            "scheme": "uscc",
            "pack_version": "sha256:…",
            "as_of": "2026-11-22",
            "entries": [],
            "listings": [],
            "scores": [{"scheme_name": "enterprise_grade", "points": 1000, "grade": "A"}],
            "decisions": [],
        }
    )
    subject: str
    scheme: str
    pack_version: str
    as_of: date
    entries: list[EntryOut]
    listings: list[ListingOut]
    scores: list[ScoreOut]
    decisions: list[DecisionOut]


class LoggedCheck(BaseModel):
    """One line of the decision log: who asked, why, about whom, and the answer."""

    asked_at: datetime
    asked_by: str | None
    purpose: str | None
    subject_key: str
    action: str
    as_of: date
    outcome: str
    measures: list[str]
    pack_version: str
    audience: str | None = Field(None, description="Who the answer was served to.")


_LOGGED = {
    "asked_at": "2026-11-22T08:00:00+00:00",
    "asked_by": "airline 3U#a1b2c3d4e5f6",
    "purpose": "ticket sale",
    "subject_key": "h:3f…",
    "action": "air_travel.book",
    "as_of": "2026-11-22",
    "outcome": "allow",
    "measures": [],
    "pack_version": "sha256:…",
}


class LoggedChecks(BaseModel):
    model_config = _examples({"checks": [_LOGGED], "offset": 0, "limit": 100})
    checks: list[LoggedCheck]
    offset: int
    limit: int


# -- authorities --------------------------------------------------------------------------------


class PackOut(BaseModel):
    name: str
    version: str = Field(description="The pack's content hash.")
    in_force: bool = Field(description="The ledger's last activation names this version.")
    activated_seq: int | None = Field(
        None, description="The ledger entry (pack.activation) that put it in force."
    )
    approvers: list[str] = Field(
        description="Who approved it: for the pack in force, the approvers its activation counted "
        "(none for the bootstrap activation `init` wrote); for a proposal, the approvals so far."
    )
    approvals_required: int = Field(2, description="Distinct approvers a version needs.")
    lists: list[str]
    schemes: list[str]
    measures: list[str]


_PACK_VERSION = "sha256:83deaa6e0fde0c29da4c79955e350243b38df6a9b9afbaac2bf4801495591cc0"


class PacksOut(BaseModel):
    model_config = _examples(
        {
            "packs": [
                {
                    "name": "national",
                    "version": _PACK_VERSION,
                    "in_force": True,
                    "activated_seq": 0,
                    "approvers": [],
                    "approvals_required": 2,
                    "lists": ["dishonest_judgment_debtors"],
                    "schemes": ["enterprise_grade"],
                    "measures": ["spc.high_consumption"],
                }
            ]
        }
    )
    packs: list[PackOut] = Field(description="The pack in force first, then proposed packs.")


PackVersion = Annotated[
    str,
    Field(
        pattern=r"^sha256:[0-9a-f]{64}$",
        description="A pack's version: `sha256:` and the 64 hex digits of its content hash.",
        examples=[_PACK_VERSION],
    ),
]


class ApprovalOut(BaseModel):
    """Where a pack version stands after an approval."""

    model_config = _examples(
        {
            "version": _PACK_VERSION,
            "approvers": ["key:a1b2c3d4e5f6", "key:f6e5d4c3b2a1"],
            "approvals_required": 2,
            "recorded": [41, 42],
            "activated": True,
            "in_force": True,
        }
    )
    version: str
    approvers: list[str] = Field(
        description="The distinct approvers counted for this version (each once)."
    )
    approvals_required: int
    recorded: list[int] = Field(
        description="Ledger entries this request appended: the approval, and the activation when "
        "it was the last one needed; none when this key had already approved."
    )
    activated: bool = Field(description="This approval brought the version into force.")
    in_force: bool = Field(description="The version is the pack in force now.")


class MemberOut(BaseModel):
    subject_key: str
    since: date
    until: date | None
    listings: int


class ListOut(BaseModel):
    model_config = _examples(
        {
            "name": "dishonest_judgment_debtors",
            "as_of": "2026-11-22",
            "members": [
                {"subject_key": "h:3f…", "since": "2024-03-01", "until": None, "listings": 1}
            ],
        }
    )
    name: str
    as_of: date
    members: list[MemberOut]


class EvaluationOut(BaseModel):
    as_of: date
    pack_version: str
    result_hash: str | None
    evaluated_at: datetime
    ledger_size: int


class EvaluationsOut(BaseModel):
    model_config = _examples(
        {
            "evaluations": [
                {
                    "as_of": "2026-11-22",
                    "pack_version": "sha256:…",
                    "result_hash": "sha256:…",
                    "evaluated_at": "2026-11-22T07:00:00",
                    "ledger_size": 41,
                }
            ],
            "calendar_known_until": "2026-12-31",
            "calendar_warning": "the working-day calendar ends on 2026-12-31, in 39 days: …",
        }
    )
    evaluations: list[EvaluationOut]
    calendar_known_until: date | None = Field(
        None,
        description="The last day of the working-day calendar's run of known years from today "
        "(null: today's year is not known). Deadlines past it are pending (docs/guides/"
        "calendar.md).",
    )
    calendar_warning: str | None = Field(
        None,
        description="Set within 90 days of `calendar_known_until` (or past it): load the next "
        "year's State Council arrangement into the workday override file.",
    )


# -- keys (admin) -------------------------------------------------------------------------------

Role = Literal["provider", "relying_party", "subject", "authority", "auditor", "admin"]


class KeyIn(BaseModel):
    model_config = _examples(
        {
            "name": "airline 3U",
            "role": "relying_party",
            "actions": ["air_travel.book"],
            "purpose": "ticket sale",
            "expires_in_days": 90,
        }
    )
    name: str = Field(min_length=1, max_length=80)
    role: Role
    expires_in_days: int = Field(90, ge=1, le=3650)
    authority: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="provider: the authority it submits for; authority (optional): the "
        "authority whose due-process cases it acts on.",
    )
    record_types: list[Annotated[str, Field(max_length=128)]] = Field([], max_length=200)
    actions: list[Action] = Field([], max_length=100)
    purpose: str | None = Field(None, min_length=1, max_length=200)
    subject: Identifier | None = None


class KeyOut(BaseModel):
    model_config = _examples(
        {
            "key_id": "a1b2c3d4e5f6",
            "name": "airline 3U",
            "role": "relying_party",
            "authority": None,
            "record_types": [],
            "actions": ["air_travel.book"],
            "purpose": "ticket sale",
            "subject_key": None,
            "created_at": "2026-11-22T08:00:00+00:00",
            "expires_at": "2027-02-20T08:00:00+00:00",
            "revoked_at": None,
        }
    )
    key_id: str
    name: str
    role: str
    authority: str | None
    record_types: list[str]
    actions: list[str]
    purpose: str | None
    subject_key: str | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


_KEY = KeyOut.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]


class KeysOut(BaseModel):
    model_config = _examples({"keys": [_KEY]})
    keys: list[KeyOut]


class CreatedKey(BaseModel):
    model_config = _examples({"key": _KEY, "token": "xy_a1b2c3d4e5f6_…"})
    key: KeyOut
    token: str = Field(description="The secret token, shown this once and never stored.")
