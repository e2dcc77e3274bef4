"""Building blocks shared by every `Raw*Spec`: the strict base model, names, periods, citations.

Specs check *shape* only (keys, types, closed literal sets). Anything that needs another document
(a source id, a record type, an attribute's enum values) or a principle is checked later by
`xinyong.policy.resolve` and `xinyong.policy.lint`, which can point at the exact key.

Vocabularies that a principle guards (data categories, breach domains, roles, actions) are plain
strings here, with the *permitted* values published in the JSON schema for editors. The loader
then tells "prohibited by principle N" apart from "unknown, did you mean …?", which an enum type
could not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr, WithJsonSchema

from xinyong.domain.catalogue import Period
from xinyong.domain.record import RECORD_KINDS, EntryKind

_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
PERIOD_PATTERN = r"^P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?$"


class SpecModel(BaseModel):
    """Base of every spec: unknown keys are errors, and specs are values."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=False)


def _name(text: str) -> str:
    if not _NAME.match(text):
        raise ValueError(
            f"{text!r} is not a valid name: use lower-case words joined by '_' and '.', "
            "e.g. court.judgment.effective"
        )
    return text


def _source_id(text: str) -> str:
    if not _SOURCE_ID.match(text):
        raise ValueError(
            f"{text!r} is not a valid source id: use lower-case letters, digits, '-', '.', '_', "
            "e.g. spc-dishonest-2017"
        )
    return text


def _period(text: str) -> str:
    Period.parse(text)
    return text


def _term(text: str) -> str:
    if text != "open":
        try:
            Period.parse(text)
        except ValueError:
            raise ValueError(
                f"{text!r} is not a term: write `open` (ends only on an exit rule) or an ISO 8601 "
                "period such as P2Y"
            ) from None
    return text


def _record_kind(kind: EntryKind) -> EntryKind:
    if not kind.about_records:
        raise ValueError(
            f"{kind.value!r} entries are the system's own workflow steps, not records; a pack "
            f"names only {', '.join(k.value for k in RECORD_KINDS)}"
        )
    return kind


Name = Annotated[
    StrictStr,
    AfterValidator(_name),
    WithJsonSchema({"type": "string", "pattern": _NAME.pattern}),
]
SourceId = Annotated[
    StrictStr,
    AfterValidator(_source_id),
    WithJsonSchema({"type": "string", "pattern": _SOURCE_ID.pattern}),
]
PeriodText = Annotated[
    StrictStr,
    AfterValidator(_period),
    WithJsonSchema(
        {"type": "string", "pattern": PERIOD_PATTERN, "description": "ISO 8601 period, e.g. P3M"}
    ),
]
TermText = Annotated[
    StrictStr,
    AfterValidator(_term),
    WithJsonSchema(
        {
            "anyOf": [
                {"const": "open"},
                {"type": "string", "pattern": PERIOD_PATTERN},
            ],
            "description": "`open`, or a fixed ISO 8601 period such as P2Y",
        }
    ),
]
# An entry kind a pack may name: a record or an act on one (never a workflow `step`).
RecordKind = Annotated[
    EntryKind,
    AfterValidator(_record_kind),
    WithJsonSchema(
        {
            "type": "string",
            "enum": [k.value for k in RECORD_KINDS],
            "description": "A record, or an act on an earlier one (refers_to).",
        }
    ),
]
Text = StrictStr
ConfidenceMark = Literal["C", "S", "U"]


def vocabulary(values: Iterable[str], description: str, name: str) -> WithJsonSchema:
    """JSON schema of a vocabulary-checked string: its permitted values, for editors, and the
    vocabulary's `name` (`x-vocabulary`), which the format reference links to."""
    return WithJsonSchema(
        {"type": "string", "enum": list(values), "description": description, "x-vocabulary": name}
    )


class RawCitationSpec(SpecModel):
    """`{source: <id declared in pack.yaml>, article: "Art 1(1)"}`."""

    source: SourceId
    article: Text | None = None
    note: Text | None = None
    confidence: ConfidenceMark | None = Field(
        None, description="Overrides the source's mark for this provision (C, S or U)."
    )


Basis = tuple[RawCitationSpec, ...]


class RawAllowSpec(SpecModel):
    """A reviewed exception to the meaning screen (rule S1): a word of the prohibited-category
    lexicon that means something else in this document, and why. `pack validate` lists each."""

    term: Text = Field(description="The lexicon term, or the word found, as the S1 error names it.")
    reason: Text = Field(
        "", description="Why the word does not mean the prohibited category here (required)."
    )
    at: Text | None = Field(
        None,
        description="Only at this key path and below (e.g. `attributes.place`); default: the "
        "whole document.",
    )


Allow = tuple[RawAllowSpec, ...]
