"""Baseline B2 of `benchmarks/ingest.py`: what a Python engineer would write instead of xinyong.

The same checks as ingest, written the usual way: `csv` reads the file; one pydantic v2 model
validates each row (required fields, the provider pattern, entry and subject kinds, the decision
date, references' length and characters), and its validators check the record type against the
catalogue, the identifier by the project's domain validators (`IdentifierScheme.problem`: the
GB 32100 and GB 11643 check characters by python-stdnum, division codes, birth dates), and the
attributes with a pydantic model per record type generated from the catalogue (strict types,
enum values, bounds, scales, lengths, required attributes, unknown keys refused); repeated JSON
keys are refused too. Then in plain Python: the subject key (HMAC-SHA256 pseudonym for personal
schemes, `hmac`), the canonical attributes (`json.dumps`), duplicates and conflicts within the
file, acts resolved to the sequence number of the record they act on; a rejects file (`csv`)
with line, fields and reasons; canonical bytes and SHA-256 leaves and interior nodes (`hashlib`);
then the entries and nodes as Arrow tables into an indexed DuckDB table, in one transaction,
committed and closed.

Like the benchmark's xinyong run, it loads into a fresh database, so there is no ledger to look
keys or targets up in (xinyong skips that lookup on an empty ledger too).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import hmac
import itertools
import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import duckdb
import numpy as np
import pyarrow as pa
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from xinyong.domain.catalogue import AttributeSpec, AttributeType, Catalogue, RecordType
from xinyong.domain.identifiers import SchemeRegistry
from xinyong.domain.record import EntryKind
from xinyong.domain.subject import SubjectKind, kept_birth_date
from xinyong.sample.generate import COLUMNS

PROVIDER = r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$"
REFERENCE = r"^[^\x00-\x1f\x7f]{1,128}$"
NO_CONTROLS = r"^[^\x00-\x1f\x7f]*$"
DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DECIMAL_TEXT = r"^-?[0-9]{1,18}(\.[0-9]+)?$"
EARLIEST = date(1900, 1, 1)
ACTS_NEED_NO_ATTRIBUTES = (EntryKind.revocation, EntryKind.fulfilment, EntryKind.restoration)


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen = dict(pairs)
    if len(seen) != len(pairs):
        raise ValueError("has a key more than once")
    return seen


def _attribute_field(spec: AttributeSpec, required: bool) -> tuple[Any, Any]:
    t = spec.type
    kind: Any
    if t is AttributeType.string:
        kind = Annotated[StrictStr, Field(max_length=spec.max_length, pattern=NO_CONTROLS)]
    elif t is AttributeType.enum:
        kind = Literal[tuple(spec.values)]
    elif t is AttributeType.integer:
        kind = Annotated[StrictInt, Field(ge=spec.minimum, le=spec.maximum)]
    elif t is AttributeType.decimal:
        kind = _decimal_type(spec)
    elif t is AttributeType.date:
        kind = date
    else:
        kind = StrictBool
    return (kind, ...) if required else (kind | None, None)


def _decimal_type(spec: AttributeSpec) -> Any:
    """A JSON number or numeric text (the text checked as ingest does), then bounds and scale."""

    def numeric_text(value: object) -> object:
        if isinstance(value, str) and re.fullmatch(DECIMAL_TEXT[1:-1], value) is None:
            raise ValueError("must be a decimal number")
        if isinstance(value, bool):
            raise ValueError("must be a decimal number")
        return value

    return Annotated[
        Decimal,
        BeforeValidator(numeric_text),
        Field(ge=spec.minimum, le=spec.maximum, decimal_places=spec.scale or 0),
    ]


def attribute_models(rt: RecordType) -> tuple[type[BaseModel], type[BaseModel]]:
    """Models of `rt`'s attributes: for records and corrections (required ones enforced), and for
    the other acts (which refer to a record that has them)."""
    config = ConfigDict(extra="forbid", strict=False)
    full = {n: _attribute_field(s, s.required) for n, s in rt.attributes.items()}
    loose = {n: _attribute_field(s, False) for n, s in rt.attributes.items()}
    name = rt.name.replace(".", "_")
    return (
        create_model(name, __config__=config, **full),
        create_model(name + "_act", __config__=config, **loose),
    )


def make_row_model(catalogue: Catalogue, schemes: SchemeRegistry, today: date) -> type[BaseModel]:
    types = catalogue.record_types
    models = {name: attribute_models(rt) for name, rt in types.items()}
    specs = {name: rt.attributes for name, rt in types.items()}

    # A file names each subject about ten times: check each identifier once.
    @functools.cache
    def identifier_problem(scheme: str, value: str) -> str | None:
        return schemes.get(scheme).problem(value)

    class Row(BaseModel):
        model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

        provider: Annotated[str, Field(pattern=PROVIDER)]
        record_type: str
        entry_kind: EntryKind = EntryKind.record
        subject_scheme: str
        subject_id: str
        subject_kind: SubjectKind
        decision_date: date
        document_ref: Annotated[str, Field(pattern=REFERENCE)]
        attributes: str | None = None
        refers_to: Annotated[str, Field(pattern=REFERENCE)] | None = None
        # Derived by the validators below.
        subject_value: str = ""
        canonical: str = "{}"

        @field_validator("record_type")
        @classmethod
        def known_type(cls, value: str) -> str:
            if value not in types:
                raise ValueError(f"unknown record type {value!r}")
            return value

        @field_validator("decision_date", mode="before")
        @classmethod
        def iso_date(cls, value: object) -> object:
            if not isinstance(value, str) or not DATE_TEXT.fullmatch(value):
                raise ValueError("must be a calendar date YYYY-MM-DD")
            return value

        @field_validator("decision_date")
        @classmethod
        def date_range(cls, value: date) -> date:
            if value > today:
                raise ValueError("is after today")
            if value < EARLIEST:
                raise ValueError(f"is before {EARLIEST}")
            return value

        @model_validator(mode="after")
        def consistent(self) -> Row:
            rt = types[self.record_type]
            if self.entry_kind not in rt.entry_kinds:
                raise ValueError(f"record type {self.record_type} takes no {self.entry_kind}")
            if self.subject_scheme not in schemes:
                raise ValueError(f"unknown scheme {self.subject_scheme!r}")
            scheme = schemes.get(self.subject_scheme)
            if (why := identifier_problem(scheme.name, self.subject_id)) is not None:
                raise ValueError(f"subject_id: {why}")
            if self.subject_kind not in scheme.subject_kinds:
                raise ValueError(f"a {scheme.name} identifies no {self.subject_kind}")
            if self.subject_kind not in rt.subject_kinds:
                raise ValueError(f"{self.record_type} does not apply to a {self.subject_kind}")
            if (self.entry_kind is EntryKind.record) != (self.refers_to is None):
                raise ValueError("refers_to is required exactly for acts on a record")
            self.subject_value = scheme.normalise(self.subject_id)
            self.canonical = self._attributes(rt)
            return self

        def _attributes(self, rt: RecordType) -> str:
            full, loose = models[rt.name]
            values = (
                json.loads(self.attributes, object_pairs_hook=_no_repeats)
                if (self.attributes is not None)
                else {}
            )
            if not isinstance(values, dict):
                raise ValueError("attributes must be a JSON object")
            kind = self.entry_kind
            model = loose if kind in ACTS_NEED_NO_ATTRIBUTES else full
            typed = model.model_validate(values).model_dump(exclude_none=True)
            spec = specs[rt.name]
            for name, value in typed.items():
                if isinstance(value, Decimal):
                    typed[name] = f"{value:.{spec[name].scale or 0}f}"
                elif isinstance(value, date):
                    typed[name] = value.isoformat()
            return json.dumps(typed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    return Row


def _netstring(text: str | None) -> bytes:
    if text is None:
        return b"~"
    raw = text.encode()
    return b"%d:%s," % (len(raw), raw)


def _tree(leaves: list[bytes]) -> tuple[list[list[bytes]], bytes]:
    sha = hashlib.sha256
    levels: list[list[bytes]] = []
    level = leaves
    while len(level) > 1:
        paired = [
            sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)
        ]
        # Only complete nodes are stored (level L has n >> L); a pair holding a carried-up
        # node is not one, though it is on the way to the root.
        levels.append(paired[: len(leaves) >> (len(levels) + 1)])
        level = paired + level[-1:] if len(level) % 2 else paired
    return levels, (level[0] if level else sha(b"").digest())


SCHEMA = (
    """CREATE TABLE entries (
        seq BIGINT NOT NULL, entry_kind VARCHAR NOT NULL, refers_to BIGINT,
        provider VARCHAR NOT NULL, record_type VARCHAR NOT NULL, subject_scheme VARCHAR NOT NULL,
        subject_key VARCHAR NOT NULL, subject_kind VARCHAR NOT NULL, subject_birth_date DATE,
        decision_date DATE NOT NULL, document_ref VARCHAR NOT NULL, attributes VARCHAR NOT NULL,
        received_at TIMESTAMP NOT NULL)""",
    "CREATE INDEX entries_subject_key ON entries (subject_key)",
    "CREATE TABLE nodes (level UTINYINT NOT NULL, idx BIGINT NOT NULL, hash BLOB NOT NULL)",
)
ENTRY = (
    "seq", "entry_kind", "refers_to", "provider", "record_type", "subject_scheme", "subject_key",
    "subject_kind", "subject_birth_date", "decision_date", "document_ref", "attributes",
)  # fmt: skip


def validate_file(
    path: Path,
    rejects: Path,
    *,
    catalogue: Catalogue,
    schemes: SchemeRegistry,
    pseudonym_key: bytes,
    today: date,
) -> dict[str, list[Any]]:
    """The accepted rows of `path` as entry columns (seq from 0), the rejects written."""
    Row = make_row_model(catalogue, schemes, today)
    personal = {s.name for s in schemes if s.personal}

    @functools.cache
    def subject_of(scheme: str, value: str) -> tuple[str, date | None]:
        if scheme not in personal:
            return f"{scheme}:{value}", None
        mac = hmac.new(pseudonym_key, f"{scheme}:{value}".encode(), hashlib.sha256)
        return f"{scheme}:#{mac.hexdigest()}", date(
            int(value[6:10]), int(value[10:12]), int(value[12:14])
        )

    out: dict[str, list[Any]] = {name: [] for name in ENTRY}
    firsts: dict[tuple[str, ...], tuple[int, tuple[Any, ...]]] = {}
    records: dict[tuple[str, ...], tuple[int, int]] = {}  # target key → (line, seq)
    with (
        path.open(newline="", encoding="utf-8") as fh,
        rejects.open("w", newline="", encoding="utf-8") as bad,
    ):
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader)]
        if sorted(header) != sorted(COLUMNS):
            raise ValueError(f"{path}: unexpected columns {header}")
        width = len(header)
        writer = csv.writer(bad)
        writer.writerow(["line", "field", "reason", *header])
        line = 1
        for values in reader:
            line = reader.line_num
            if len(values) != width:
                writer.writerow([line, "(row)", f"expected {width} fields, got {len(values)}"])
                continue
            try:
                row = Row.model_validate({k: v for k, v in zip(header, values, strict=True) if v})
            except ValidationError as exc:
                problems = exc.errors(include_url=False, include_input=False)
                fields = "; ".join(".".join(map(str, p["loc"])) or "(row)" for p in problems)
                reasons = "; ".join(p["msg"] for p in problems)
                writer.writerow([line, fields, reasons, *values])
                continue
            scheme = row.subject_scheme
            subject_key, born = subject_of(scheme, row.subject_value)
            # the ledger keeps a birth date only while the subject is a minor (ledger format 2)
            born = kept_birth_date(born, row.decision_date)
            kind = row.entry_kind
            key = (row.provider, row.document_ref, row.record_type, subject_key, kind.value)
            content = (
                scheme, row.subject_kind, born, row.decision_date, row.canonical, row.refers_to,
            )  # fmt: skip
            first = firsts.get(key)
            if first is not None:
                if first[1] != content:
                    writer.writerow(
                        [line, "document_ref", f"conflicts with line {first[0]}", *values]
                    )
                continue  # a duplicate of an earlier row: nothing to do
            firsts[key] = (line, content)
            refers_to = None
            if kind is not EntryKind.record:
                target = records.get((row.provider, row.refers_to, row.record_type, subject_key))
                if target is None:
                    writer.writerow([line, "refers_to", "no record to act on", *values])
                    continue
                refers_to = target[1]
            seq = len(out["seq"])
            if kind is EntryKind.record:
                records[(row.provider, row.document_ref, row.record_type, subject_key)] = (
                    line,
                    seq,
                )
            for name, v in zip(
                ENTRY,
                (seq, kind.value, refers_to, row.provider, row.record_type, scheme, subject_key,
                 row.subject_kind.value, born, row.decision_date, row.document_ref,
                 row.canonical),
                strict=True,
            ):  # fmt: skip
                out[name].append(v)
    return out


def leaves(out: dict[str, list[Any]], received_us: list[int]) -> list[bytes]:
    """SHA-256 leaf of each entry's canonical bytes (`received_us` per entry)."""
    prefix = b"\x0016:xinyong-entry-v1,"
    sha = hashlib.sha256
    ns = _netstring
    return [
        sha(
            prefix
            + ns(str(seq)) + ns(kind) + ns(None if ref is None else str(ref)) + ns(prov)
            + ns(rtype) + ns(scheme) + ns(key) + ns(skind)
            + ns(None if born is None else born.isoformat()) + ns(decided.isoformat())
            + ns(doc) + ns(attrs) + ns(str(us))
        ).digest()
        for seq, kind, ref, prov, rtype, scheme, key, skind, born, decided, doc, attrs, us in zip(
            *(out[name] for name in ENTRY), received_us, strict=True
        )
    ]  # fmt: skip


def load(
    path: Path,
    database: Path,
    rejects: Path,
    *,
    catalogue: Catalogue,
    schemes: SchemeRegistry,
    pseudonym_key: bytes,
    today: date,
    received_at: datetime | None = None,
) -> dict[str, Any]:
    """Validate `path`, write the rejects, and store the accepted rows hashed in `database`."""
    out = validate_file(
        path,
        rejects,
        catalogue=catalogue,
        schemes=schemes,
        pseudonym_key=pseudonym_key,
        today=today,
    )
    moment = received_at or datetime.now(UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    us = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    n = len(out["seq"])
    hashed = leaves(out, [us] * n)
    levels, root = _tree(hashed)
    entries = pa.table(
        {
            **{name: out[name] for name in ENTRY},
            "received_at": pa.array([moment.replace(tzinfo=None)] * n, pa.timestamp("us")),
        }
    )
    sizes = [n, *(len(x) for x in levels)]
    nodes = pa.table(
        {
            "level": np.repeat(np.arange(len(sizes), dtype=np.uint8), sizes),
            "idx": np.concatenate([np.arange(k, dtype=np.int64) for k in sizes]),
            "hash": pa.array(list(itertools.chain(hashed, *levels)), pa.binary()),
        }
    )
    con = duckdb.connect(str(database))
    for statement in SCHEMA:
        con.execute(statement)
    con.execute("BEGIN TRANSACTION")
    con.register("new_entries", entries)
    con.register("new_nodes", nodes)
    con.execute("INSERT INTO entries SELECT * FROM new_entries")
    con.execute("INSERT INTO nodes SELECT * FROM new_nodes")
    con.execute("COMMIT")
    con.close()
    return {"accepted": n, "root": root.hex()}
