"""The ledger in one DuckDB file: entries, their Merkle tree, and signed checkpoints beside it.

Tables (see README.md for the why):

- `entries`: one row per entry, the columns of `record.Entry`; `seq` is assigned here.
- `nodes(level, idx, hash)`: every *complete* Merkle node; level 0 holds the leaf hashes.
- `batches(first_seq, size, received_at, root)`: one row per committed `append`, so a deleted
  checkpoint file is noticed and a bad entry can be placed in its batch.
- `ledger_meta(key, value)`: `format_version` and the log's `origin`.

`append` is the hot path of ingest and runs in SQL inside one transaction: insert the rows, hash
the batch's canonical bytes into leaves, build every new complete node above them from the
leaves and the stored frontier alone in one statement (`tree.py`), insert the new nodes, and
sign the checkpoint of the new size by the pending protocol of `checkpoints.py`. Each step costs
O(batch), never O(ledger).
"""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import structlog

from xinyong.domain import merkle
from xinyong.domain.checkpoint import Checkpoint, PendingCommit
from xinyong.domain.record import (
    CANONICAL_FIELDS,
    CANONICAL_VERSION,
    Entry,
    EntryKind,
    epoch_us,
    netstring,
)
from xinyong.domain.subject import AGE_OF_MAJORITY, SubjectKind
from xinyong.errors import DataLoss, LedgerError, TamperDetected
from xinyong.storage.arrowbatch import (
    check_batch_columns,
    chunked,
    leaf_hashes,
    nodes_table,
    row_group_cuts,
    row_numbers,
)
from xinyong.storage.base import BATCH_COLUMN_NAMES, BATCH_COLUMNS, KEY_COLUMNS, REF_COLUMNS
from xinyong.storage.checkpoints import CheckpointStore
from xinyong.storage.storedtree import StoredTree
from xinyong.storage.tree import fetch_nodes

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

    from xinyong.settings import Settings
    from xinyong.storage.base import VerifyReport

log = structlog.get_logger(__name__)

# 2: `subject_birth_date` is kept only on entries decided while the subject is a minor (the
# CHECK below); a format-1 ledger may hold adults' birth dates, and only re-ingesting into a new
# ledger removes them (an append-only ledger cannot forget), so it is not opened.
# 3: workflow steps (entry kind `step`), the only entries that may concern no subject. Every
# format-2 row is a valid format-3 row, so a format-2 ledger is read as it is, and migrated in
# place when opened for writing (`_migrate`).
FORMAT_VERSION = "3"
MIGRATES_FROM = "2"
BATCH_VIEW = "xinyong_append_batch"
KEYS_VIEW = "xinyong_lookup_keys"
NODES_VIEW = "xinyong_append_nodes"  # one append's new nodes, leaves included, as Arrow
LEAF_READ_ROWS = 16_384  # rows of canonical bytes (≈ 4 MB) handed from DuckDB at a time
ROW = "xinyong_batch_row"  # batch row number, added before the batch is handed to DuckDB

ENTRY_COLUMNS: tuple[str, ...] = ("seq", *BATCH_COLUMN_NAMES, "received_at")


def _sql_list(values: list[str]) -> str:
    # Only for our own enum values, which are identifiers without quotes.
    assert all(v.isidentifier() for v in values)
    return ", ".join(f"'{v}'" for v in values)


ENTRY_KINDS = [k.value for k in EntryKind]
SUBJECT_KINDS = [k.value for k in SubjectKind]

# The day the subject comes of age (`domain.subject.comes_of_age`); NULL (no birth date) passes.
_KEPT_UNTIL = f"CAST(subject_birth_date + INTERVAL {AGE_OF_MAJORITY * 12} MONTH AS DATE)"

STEP = EntryKind.step.value
SUBJECT_COLUMNS = ("subject_scheme", "subject_key", "subject_kind")


def entries_ddl(table: str = "entries") -> str:
    """The `entries` table of format 3 (storage/README.md states each constraint's reason)."""
    return f"""CREATE TABLE {table} (
        seq BIGINT NOT NULL,
        entry_kind VARCHAR NOT NULL CHECK (entry_kind IN ({_sql_list(ENTRY_KINDS)})),
        refers_to BIGINT CHECK (refers_to >= 0 AND refers_to < seq),
        provider VARCHAR NOT NULL,
        record_type VARCHAR NOT NULL,
        subject_scheme VARCHAR,
        subject_key VARCHAR,
        subject_kind VARCHAR CHECK (subject_kind IN ({_sql_list(SUBJECT_KINDS)})),
        subject_birth_date DATE CHECK (year(subject_birth_date) BETWEEN 1 AND 9999),
        decision_date DATE NOT NULL CHECK (year(decision_date) BETWEEN 1 AND 9999),
        document_ref VARCHAR NOT NULL,
        attributes VARCHAR NOT NULL,
        received_at TIMESTAMP NOT NULL,
        CHECK (entry_kind = '{STEP}' OR (entry_kind = 'record') = (refers_to IS NULL)),
        CHECK ((subject_key IS NULL) = (subject_scheme IS NULL)
               AND (subject_key IS NULL) = (subject_kind IS NULL)),
        CHECK (entry_kind = '{STEP}' OR subject_key IS NOT NULL),
        CHECK (entry_kind <> '{STEP}' OR subject_birth_date IS NULL),
        CHECK (decision_date < {_KEPT_UNTIL})
    )"""


# A subject's report reads a handful of rows out of tens of millions: an ART index turns a
# full scan (~1 s at 10M rows) into ~2 ms, for ~25% more append time (README.md).
ENTRIES_INDEX = "CREATE INDEX entries_subject_key ON entries (subject_key)"

SCHEMA: tuple[str, ...] = (
    "CREATE TABLE ledger_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    entries_ddl(),
    ENTRIES_INDEX,
    # Hashes do not compress, and DuckDB's attempts (dictionary, FSST) cost ~5x the insert.
    """CREATE TABLE nodes (
        level UTINYINT NOT NULL,
        idx BIGINT NOT NULL,
        hash BLOB USING COMPRESSION uncompressed NOT NULL
    )""",
    """CREATE TABLE batches (
        first_seq BIGINT NOT NULL,
        size BIGINT NOT NULL,
        received_at TIMESTAMP NOT NULL,
        root BLOB NOT NULL
    )""",
)

# -- canonical bytes in SQL ----------------------------------------------------------------------
# Each field as the text `Entry.canonical_fields()` gives it; NULL for an absent value. DuckDB
# renders DATE as zero-padded ISO `YYYY-MM-DD` like `date.isoformat()` for years 1..9999, which
# the CHECK constraints guarantee.
_FIELD_TEXT: dict[str, str] = {
    "seq": "CAST(seq AS VARCHAR)",
    "entry_kind": "entry_kind",
    "refers_to": "CAST(refers_to AS VARCHAR)",
    "provider": "provider",
    "record_type": "record_type",
    "subject_scheme": "subject_scheme",
    "subject_key": "subject_key",
    "subject_kind": "subject_kind",
    "subject_birth_date": "CAST(subject_birth_date AS VARCHAR)",
    "decision_date": "CAST(decision_date AS VARCHAR)",
    "document_ref": "document_ref",
    "attributes": "attributes",
    "received_at": "CAST(epoch_us(received_at) AS VARCHAR)",
}
if tuple(_FIELD_TEXT) != CANONICAL_FIELDS:  # pragma: no cover - guards a change in record.py
    raise ImportError("storage.duckdb canonical fields are out of step with domain.record")


NULLABLE = frozenset({"refers_to", "subject_birth_date", *SUBJECT_COLUMNS})


def _netstring_parts(field: str) -> str:
    # Arguments of one concat() for the netstring of `field`. strlen() is the UTF-8 byte length,
    # as netstrings count bytes. Flat concat() arguments build the string about twice as fast
    # as nested ||; for a nullable field, NULL || … is NULL and so falls through to '~'.
    text = _FIELD_TEXT[field]
    if field in NULLABLE:
        return f"coalesce(CAST(strlen({text}) AS VARCHAR) || ':' || {text} || ',', '~')"
    return f"strlen({text}), ':', {text}, ','"


_PREFIX = netstring(CANONICAL_VERSION).decode("ascii")
assert "'" not in _PREFIX
CANONICAL_SQL = f"concat('{_PREFIX}', " + ", ".join(map(_netstring_parts, _FIELD_TEXT)) + ")"
# RFC 6962 leaf hash: SHA-256(0x00 || canonical bytes); sha256() of a BLOB gives hex text.
LEAF_INPUT_SQL = f"'\\x00'::BLOB || encode({CANONICAL_SQL})"
LEAF_SQL = f"unhex(sha256({LEAF_INPUT_SQL}))"

# The batch as entry rows: seq assigned, columns cast to the table's types, received_at set. Both
# the INSERT and the leaf hashes read this, so the leaves hash exactly the values stored.
BATCH_ENTRIES = (
    f"SELECT $first + {ROW} AS seq, "
    + ", ".join(f"CAST({name} AS {sql_type}) AS {name}" for name, sql_type in BATCH_COLUMNS)
    + f", make_timestamp($received_us) AS received_at FROM {BATCH_VIEW}"
)
INSERT_ENTRIES = f"INSERT INTO entries {BATCH_ENTRIES}"
# What each new leaf hashes, with the INSERT's very casts: append hashes it with `hashlib`.
BATCH_LEAF_INPUTS = f"SELECT seq, {LEAF_INPUT_SQL} AS leaf_input FROM ({BATCH_ENTRIES})"

SELECT_ENTRIES = f"SELECT {', '.join(ENTRY_COLUMNS)} FROM entries"


class DuckDBLedger(StoredTree):
    """The ledger in DuckDB file `path`, checkpoints in `checkpoint_dir`, signed by `signing_key`.

    `origin` names the log in its checkpoints (and is fixed when the file is created). Opened
    `read_only`, nothing is written (no recovery, no append) and `signing_key` may be None;
    checking checkpoints then needs `public_key` (or `verify(public_key)`). DuckDB lets one
    process write a file at a time; a second writer process gets a `LedgerError`. Within a
    process, keep one writing `DuckDBLedger` per file: DuckDB shares the database between
    connections of one process, so two would race for seqs. One instance is not for concurrent
    use from several threads.
    """

    engine: ClassVar[str] = "duckdb"
    concurrent_writers: ClassVar[bool] = False
    readers_beside_writer: ClassVar[bool] = False
    read_only_mode: ClassVar[bool] = True
    # DuckDB's row group. A transaction that inserts whole row groups writes them to the file as
    # it goes, and COMMIT adopts them as they are, but only when the table's own last row group
    # is full: otherwise the rows are appended again in memory, and the next checkpoint (at the
    # latest, closing the ledger) compresses and writes them a second time. Measured, 1M rows in
    # batches of 250,000 vs 245,760: closing the ledger took ≈ 4.4 CPU-s vs ≈ 0.4, and the file
    # was ≈ 30 % larger (the first copies' blocks left free).
    append_alignment: ClassVar[int] = 122_880

    def __init__(
        self,
        path: Path,
        checkpoint_dir: Path,
        signing_key: Ed25519PrivateKey | None,
        origin: str,
        *,
        read_only: bool = False,
        public_key: Ed25519PublicKey | None = None,
        witnesses: tuple[Path, ...] = (),
    ) -> None:
        if signing_key is None and not read_only:
            raise LedgerError("a ledger opened for writing needs its signing key")
        self.path = path
        self.origin = origin
        self.read_only = read_only
        self.checkpoints = CheckpointStore(
            checkpoint_dir,
            origin,
            signing_key=signing_key,
            public_key=public_key,
            witnesses=witnesses,
        )
        # The write-ahead log as found, before opening replays (and removes) it: the evidence
        # of whether an interrupted commit was written (`CheckpointStore.recover`).
        self._wal_at_open = _wal_bytes(path)
        if not read_only:
            self._check_wal_replay()
        self._con = _connect(path, read_only=read_only)
        try:
            self._open()
        except BaseException:
            self._con.close()
            raise

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        read_only: bool = False,
        public_key: Ed25519PublicKey | None = None,
    ) -> DuckDBLedger:
        """The workspace's ledger. Checkpoints are checked with `public_key`, else with the
        pinned key of `settings.verify_key`, else (writers only) with the signing key's own.
        Read-only with a key to check with, the signing key is not loaded at all.

        A writer with a pinned key refuses a signing key that is not the pinned one, before it
        signs anything (a swapped key), and checkpoints the pinned key did not sign.
        """
        from xinyong.storage.keys import signing_key_for

        signing_key, public_key = signing_key_for(settings, read_only, public_key)
        return cls(
            settings.path(settings.database),
            settings.path(settings.checkpoint_dir),
            signing_key,
            settings.ledger_origin,
            read_only=read_only,
            public_key=public_key,
            witnesses=tuple(settings.path(w) for w in settings.witness_dirs),
        )

    # -- opening ------------------------------------------------------------------------------

    def _open(self) -> None:
        tables = {
            r[0] for r in self._con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        }
        if "ledger_meta" not in tables:
            if self.read_only:
                raise LedgerError(f"{self.path} holds no ledger (no ledger_meta table)")
            self._create()
            return
        meta = dict(self._con.execute("SELECT key, value FROM ledger_meta").fetchall())
        found = meta.get("format_version")
        if found not in (FORMAT_VERSION, MIGRATES_FROM):
            raise LedgerError(
                f"{self.path}: ledger format {found!r} is not the supported {FORMAT_VERSION!r} "
                f"(nor {MIGRATES_FROM!r}, which is migrated when opened for writing)"
            )
        if meta.get("origin") != self.origin:
            raise LedgerError(
                f"{self.path} is the ledger of origin {meta.get('origin')!r}, "
                f"but settings name {self.origin!r}"
            )
        if not self.read_only:
            self._recover()
            if found == MIGRATES_FROM:
                self._migrate()

    def _migrate(self) -> None:
        """Format 2 → 3 in place, in one transaction: rebuild `entries` with format 3's
        constraints, same rows in seq order, and refuse unless every row's recomputed leaf hash
        is still its stored leaf (so the tree, and every checkpoint, still verify). Runs only
        after `_recover` has held the tree to the newest signed checkpoint."""
        import duckdb

        con = self._con
        started = time.perf_counter()
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(entries_ddl("entries_v3"))
            con.execute(
                f"INSERT INTO entries_v3 SELECT {', '.join(ENTRY_COLUMNS)} FROM entries "
                "ORDER BY seq"
            )
            con.execute("DROP INDEX entries_subject_key")
            con.execute("DROP TABLE entries")
            con.execute("ALTER TABLE entries_v3 RENAME TO entries")
            con.execute(ENTRIES_INDEX)
            ((rows, differ),) = con.execute(
                f"""SELECT count(*), count(*) FILTER (WHERE n.hash IS DISTINCT FROM l.hash)
                FROM (SELECT seq AS idx, {LEAF_SQL} AS hash FROM entries) AS l
                LEFT JOIN (SELECT idx, hash FROM nodes WHERE level = 0) AS n USING (idx)"""
            ).fetchall()
            if rows != self.size() or differ:
                raise TamperDetected(
                    f"{self.path}: not migrated to ledger format {FORMAT_VERSION}: {differ} of "
                    f"{rows} entries do not hash to their stored leaf (the ledger has "
                    f"{self.size()} entries); nothing was changed, run `verify`"
                )
            con.execute(
                "UPDATE ledger_meta SET value = $v WHERE key = 'format_version'",
                {"v": FORMAT_VERSION},
            )
            con.execute("COMMIT")
        except BaseException as exc:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            if isinstance(exc, duckdb.Error):
                raise LedgerError(
                    f"{self.path}: migrating to ledger format {FORMAT_VERSION} failed, nothing "
                    f"was changed: {exc}"
                ) from exc
            raise
        log.info(
            "ledger_migrated",
            path=str(self.path),
            to=FORMAT_VERSION,
            entries=rows,
            seconds=round(time.perf_counter() - started, 3),
        )

    def _create(self) -> None:
        self._con.execute("BEGIN TRANSACTION")
        try:
            for statement in SCHEMA:
                self._con.execute(statement)
            self._con.execute(
                "INSERT INTO ledger_meta VALUES ('format_version', $v), ('origin', $o)",
                {"v": FORMAT_VERSION, "o": self.origin},
            )
            self._con.execute("COMMIT")
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        log.info("ledger_created", path=str(self.path), origin=self.origin)
        self._recover()

    def _recover(self) -> None:
        """Finish an interrupted commit, then refuse to write on top of an unsigned state."""
        size = self.size()
        self.checkpoints.recover(size, self.root, self._wal_at_open)
        self._refuse_unsigned_state()

    def _check_wal_replay(self) -> None:
        # Opened for writing, DuckDB replays a write-ahead log, checkpoints it into the file and
        # deletes it, and it silently drops a damaged last entry. So first replay it read-only
        # and make sure no signed batch would be lost.
        wal = Path(f"{self.path}.wal")
        if not wal.exists():
            return
        con = _connect(self.path, read_only=True)
        try:
            tables = {
                r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
            }
            size = _size(con) if "batches" in tables else 0
        finally:
            con.close()
        signed = self.checkpoints.sizes()
        if signed and signed[-1] > size:
            raise DataLoss(
                f"data loss: replaying {wal} gives {size} entries but checkpoint {signed[-1]} "
                "was signed: the write-ahead log looks damaged. Nothing was deleted or renamed; "
                "keep the .wal file and restore the ledger from a backup"
            )

    # -- reading ------------------------------------------------------------------------------

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection, for engines reading the ledger in this process. Never write."""
        return self._con

    def size(self) -> int:
        return _size(self._con)

    def indexed_size(self) -> int:
        """Evaluations read the ledger itself: its size (`index.Sealer`)."""
        return self.size()

    def entries(
        self, *, subject_key: str | None = None, start: int = 0, stop: int | None = None
    ) -> list[Entry]:
        end = self.size() if stop is None else stop
        params: dict[str, object] = {"start": start, "stop": end}
        sql = f"{SELECT_ENTRIES} WHERE seq >= $start AND seq < $stop"
        if subject_key is not None:
            sql += " AND subject_key = $subject"
            params["subject"] = subject_key
        rows = self._con.execute(sql + " ORDER BY seq", params).fetchall()
        return [_entry(row) for row in rows]

    def steps(
        self,
        *,
        subject_key: str | None = None,
        refers_to: int | None = None,
        step_type: str | None = None,
    ) -> list[Entry]:
        # 'step' sorts after every other kind, so the zone maps of row groups holding no step
        # (max(entry_kind) < 'step') skip them; steps are few and appended together.
        sql = f"{SELECT_ENTRIES} WHERE entry_kind = $kind"
        params: dict[str, object] = {"kind": STEP}
        for column, value in (
            ("subject_key", subject_key),
            ("refers_to", refers_to),
            ("record_type", step_type),
        ):
            if value is not None:
                sql += f" AND {column} = ${column}"
                params[column] = value
        rows = self._con.execute(sql + " ORDER BY seq", params).fetchall()
        return [_entry(row) for row in rows]

    def lookup_keys(self, keys: pa.Table) -> pa.Table:
        # A semi-join: each stored entry once however often its key is asked for, in no
        # particular order (sorting 1M matches would add a third to the time).
        on = " AND ".join(f"k.{c} = e.{c}" for c in KEY_COLUMNS)
        sql = (
            f"SELECT {', '.join('e.' + c for c in ENTRY_COLUMNS)} FROM entries AS e "
            f"WHERE EXISTS (SELECT 1 FROM {KEYS_VIEW} AS k WHERE {on})"
        )
        return self._join(keys, KEY_COLUMNS, sql)

    def lookup_refs(self, refs: pa.Table) -> pa.Table:
        on = " AND ".join(f"k.{c} = e.{c}" for c in REF_COLUMNS)
        sql = (
            f"SELECT {', '.join('e.' + c for c in REF_COLUMNS)}, e.seq, e.record_type "
            f"FROM entries AS e WHERE e.entry_kind = 'record' "
            f"AND EXISTS (SELECT 1 FROM {KEYS_VIEW} AS k WHERE {on})"
        )
        return self._join(refs, REF_COLUMNS, sql)

    def _join(self, table: pa.Table, columns: tuple[str, ...], sql: str) -> pa.Table:
        missing = [c for c in columns if c not in table.column_names]
        if missing:
            raise LedgerError(f"lookup table lacks columns {', '.join(missing)}")
        self._con.register(KEYS_VIEW, table.select(list(columns)))
        try:
            relation = self._con.sql(sql)
            assert relation is not None
            result: pa.Table = relation.to_arrow_table()
        finally:
            self._con.unregister(KEYS_VIEW)
        return result

    def _nodes(
        self, wanted: list[merkle.NodeId], table: str = "nodes"
    ) -> dict[merkle.NodeId, bytes]:
        found = fetch_nodes(self._con, wanted, table)
        missing = [n for n in wanted if n not in found]
        if missing:
            level, idx = missing[0]
            raise TamperDetected(
                f"Merkle node (level {level}, index {idx}) is missing from the database; "
                "run `verify`"
            )
        return found

    # -- writing ------------------------------------------------------------------------------

    def append(self, batch: pa.Table, received_at: datetime) -> Checkpoint:
        """Append `batch` as entries size()…size()+n−1 and sign the new size; all or nothing."""
        if self.read_only:
            raise LedgerError("the ledger is open read-only")
        check_batch_columns(batch)
        if batch.num_rows == 0:
            latest = self.checkpoints.latest()
            assert latest is not None
            return latest
        started = time.perf_counter()
        received_us = epoch_us(received_at)
        rows = chunked(
            batch.select(list(BATCH_COLUMN_NAMES)).append_column(ROW, row_numbers(batch.num_rows)),
            # whole row groups from the batch's first row: see `ingest.pipeline` (why not topped up)
            row_group_cuts(0, batch.num_rows, self.append_alignment),
        )
        con = self._con
        con.register(BATCH_VIEW, rows)
        try:
            checkpoint = self._append_transaction(batch.num_rows, received_us)
        finally:
            con.unregister(BATCH_VIEW)
        first = checkpoint.size - batch.num_rows
        try:
            self.checkpoints.promote_pending()
        except OSError as exc:
            raise LedgerError(
                f"batch committed as entries {first}..{checkpoint.size - 1}, but its checkpoint "
                f"stayed {self.checkpoints.directory}/pending.note ({exc}); "
                "it is promoted when the ledger is next opened"
            ) from exc
        log.info(
            "ledger_append",
            first=first,
            rows=batch.num_rows,
            size=checkpoint.size,
            seconds=round(time.perf_counter() - started, 3),
        )
        return checkpoint

    def _append_transaction(self, n: int, received_us: int) -> Checkpoint:
        import duckdb

        con = self._con
        con.execute("BEGIN TRANSACTION")
        pending_written = False
        first = 0
        try:
            first = self.size()  # inside the transaction that takes the seqs
            params: dict[str, object] = {"first": first, "received_us": received_us}
            con.execute(INSERT_ENTRIES, params)
            base_root, root = self._add_nodes(first, first + n, params)
            con.execute(
                "INSERT INTO batches VALUES ($first, $size, make_timestamp($us), $root)",
                {"first": first, "size": first + n, "us": received_us, "root": root},
            )
            checkpoint = Checkpoint(self.origin, first + n, root)
            # DuckDB writes its log only at COMMIT (checked with 2.0.0), so its length now is
            # what recovery compares with to tell a commit that never happened from a lost one.
            self.checkpoints.write_pending(
                PendingCommit(
                    Checkpoint(self.origin, first, base_root), checkpoint, _wal_bytes(self.path)
                )
            )
            pending_written = True
            con.execute("COMMIT")
        except duckdb.Error as exc:
            self._abort(pending_written)
            if isinstance(exc, duckdb.ConstraintException | duckdb.ConversionException):
                problems = _diagnose(con, first)
                first_problem = problems[0] if problems else str(exc)
                raise LedgerError(
                    f"batch of {n} rows refused, nothing appended: {first_problem}",
                    details=problems[1:],
                ) from exc
            raise LedgerError(f"append failed, nothing appended: {exc}") from exc
        except OSError as exc:  # the pending checkpoint could not be written
            self._abort(pending_written)
            raise LedgerError(
                f"append failed, nothing appended: cannot write the checkpoint in "
                f"{self.checkpoints.directory}: {exc}"
            ) from exc
        except BaseException:
            self._abort(pending_written)
            raise
        return checkpoint

    def _add_nodes(self, first: int, new: int, params: dict[str, object]) -> tuple[bytes, bytes]:
        """Hash the batch into leaves, add every node they complete; the old and new roots.

        DuckDB builds each new entry's canonical bytes from the batch with the INSERT's casts;
        the leaves and the nodes above them are hashed here with `hashlib`, from those bytes
        and the stored frontier of the old tree alone (`merkle.grow`), so the cost is that of
        the batch. Measured at 1M rows (2026-12-05, a CPU with the SHA extensions): ≈ 0.6 CPU-s
        less than hashing in DuckDB's SQL (`tree.tree_sql`, which `verify` still uses), whose
        `sha256` is plain C and returns hex text to unhex, for ≈ 0.3 s more wall time.
        """
        con = self._con
        frontier = self._nodes(merkle.root_nodes(first))
        base_root = merkle.root_from_nodes(first, lambda level, idx: frontier[level, idx])
        # Read in small record batches, hashed as they come: a whole batch's bytes at once would
        # be fresh memory (page faults) for every append.
        # (a relation's reader, not a DB-API result's, which copies every row first)
        relation = con.sql(BATCH_LEAF_INPUTS, params=params)
        assert relation is not None
        reader: pa.RecordBatchReader = relation.to_arrow_reader(LEAF_READ_ROWS)
        leaves = leaf_hashes(reader, first, new)
        grown = merkle.grow(first, leaves, frontier)

        def node(level: int, idx: int) -> bytes:
            start = first >> level
            return grown[level][idx - start] if idx >= start else frontier[level, idx]

        con.register(NODES_VIEW, nodes_table(first, grown))
        try:
            con.execute(f"INSERT INTO nodes SELECT level, idx, hash FROM {NODES_VIEW}")
        finally:
            con.unregister(NODES_VIEW)
        return base_root, merkle.root_from_nodes(new, node)

    def _abort(self, pending_written: bool) -> None:
        import duckdb

        with contextlib.suppress(duckdb.Error):  # a failed COMMIT already ended the transaction
            self._con.execute("ROLLBACK")
        if pending_written:
            # Whether a failed COMMIT committed is for the database to say, as after a crash;
            # this process saw it fail, so the log's length is no evidence of a lost commit.
            self.checkpoints.recover(self.size(), self.root, None)

    # -- verification -------------------------------------------------------------------------

    def verify(
        self, public_key: Ed25519PublicKey | None = None, against: tuple[Path, ...] = ()
    ) -> VerifyReport:
        """Recompute every leaf and the whole tree and check them against every checkpoint, in
        the checkpoint folder and in the witness folders (configured ones and `against`), and
        the decision index against the tree; signatures with `public_key` (else the store's)."""
        from xinyong.storage.verify import verify_duckdb

        store = self.checkpoints
        key = public_key or store.public_key
        if public_key is not None:
            store = CheckpointStore(store.directory, self.origin, public_key=public_key)
        folders = list(dict.fromkeys((*self.checkpoints.witnesses, *against)))
        witnesses = [CheckpointStore(w, self.origin, public_key=key) for w in folders]
        return verify_duckdb(self._con, store, witnesses)

    # -- lifetime -----------------------------------------------------------------------------

    def close(self) -> None:
        self._con.close()


# -- helpers --------------------------------------------------------------------------------------


def _wal_bytes(path: Path) -> int:
    try:
        return Path(f"{path}.wal").stat().st_size
    except FileNotFoundError:
        return 0


def _size(con: duckdb.DuckDBPyConnection) -> int:
    # fetchall, not fetchone: DuckDB 2 keeps a half-read result open and then refuses register().
    ((size,),) = con.execute("SELECT coalesce(max(size), 0) FROM batches").fetchall()
    return int(size)


def _connect(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    import duckdb

    if read_only and not path.exists():
        raise LedgerError(f"no ledger at {path}")
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.ConnectionException as exc:
        raise LedgerError(
            f"{path} is already open in this process in another mode (read-only vs read-write): "
            f"{exc}"
        ) from exc
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise LedgerError(
                f"ledger {path} is in use by another process, which holds its lock; DuckDB "
                f"allows one writer (or several readers) at a time. ({exc})"
            ) from exc
        raise _unopenable(path, exc) from exc
    except duckdb.Error as exc:
        raise _unopenable(path, exc) from exc


def _unopenable(path: Path, exc: Exception) -> LedgerError:
    return LedgerError(
        f"DuckDB cannot open or replay ledger {path}: {exc}. Nothing was deleted, renamed or "
        f"skipped: the database and its .wal file are as they were; restore from a backup or "
        "investigate with the duckdb CLI on a copy"
    )


def _entry(row: tuple[Any, ...]) -> Entry:
    (seq, kind, refers_to, provider, record_type, scheme, key, subject_kind, birth, decided,
     document_ref, attributes, received_at) = row  # fmt: skip
    return Entry(
        seq=seq,
        entry_kind=EntryKind(kind),
        refers_to=refers_to,
        provider=provider,
        record_type=record_type,
        subject_scheme=scheme,
        subject_key=key,
        subject_kind=None if subject_kind is None else SubjectKind(subject_kind),
        subject_birth_date=birth,
        decision_date=decided,
        document_ref=document_ref,
        attributes=attributes,
        received_at=received_at.replace(tzinfo=UTC),
    )


# Checks mirroring the table's constraints, run only after an append was refused, to name rows.
_REQUIRED = [n for n in BATCH_COLUMN_NAMES if n not in NULLABLE]
_ROW_CHECKS: tuple[tuple[str, str, str], ...] = (
    *((f"{c} IS NULL", c, f"{c} is missing") for c in _REQUIRED),
    ("NOT list_contains($entry_kinds, entry_kind)", "entry_kind", "entry_kind {} is unknown"),
    (
        "NOT list_contains($subject_kinds, subject_kind)",
        "subject_kind",
        "subject_kind {} is unknown",
    ),
    (
        f"entry_kind <> '{STEP}' AND (entry_kind = 'record') = (refers_to IS NOT NULL)",
        "entry_kind",
        "a {} entry has refers_to empty exactly when it is a 'record'",
    ),
    *((f"entry_kind <> '{STEP}' AND {c} IS NULL", c, f"{c} is missing") for c in SUBJECT_COLUMNS),
    (
        "(subject_key IS NULL) <> (subject_scheme IS NULL) "
        "OR (subject_key IS NULL) <> (subject_kind IS NULL)",
        "subject_key",
        "subject_key {}: a step's subject columns are all present or all absent",
    ),
    (
        f"entry_kind = '{STEP}' AND subject_birth_date IS NOT NULL",
        "subject_birth_date",
        "subject_birth_date {} is never kept on a step",
    ),
    (
        "refers_to < 0 OR refers_to >= $first + " + ROW,
        "refers_to",
        "refers_to {} is no earlier seq",
    ),
    (
        "year(decision_date) NOT BETWEEN 1 AND 9999",
        "decision_date",
        "decision_date {} is out of range",
    ),
    (
        "year(subject_birth_date) NOT BETWEEN 1 AND 9999",
        "subject_birth_date",
        "subject_birth_date {} is out of range",
    ),
    (
        f"decision_date >= {_KEPT_UNTIL}",
        "subject_birth_date",
        "subject_birth_date {} is kept only while the subject is a minor on the decision date",
    ),
)


def _diagnose(con: duckdb.DuckDBPyConnection, first: int) -> list[str]:
    import duckdb

    params = {"entry_kinds": ENTRY_KINDS, "subject_kinds": SUBJECT_KINDS, "first": first}
    casts = ", ".join(f"CAST({n} AS {t}) AS {n}" for n, t in BATCH_COLUMNS)
    problems: list[str] = []
    for condition, column, message in _ROW_CHECKS:
        used = {k: v for k, v in params.items() if f"${k}" in condition}
        sql = (
            f"SELECT {ROW}, CAST({column} AS VARCHAR) FROM (SELECT {ROW}, {casts} FROM "
            f"{BATCH_VIEW}) WHERE {condition} ORDER BY {ROW} LIMIT 3"
        )
        try:
            rows = con.execute(sql, used).fetchall()
        except duckdb.Error as exc:  # e.g. a column that does not cast at all
            return [f"{column}: {exc}"]
        quote = dict(BATCH_COLUMNS)[column] == "VARCHAR"
        problems += [f"batch row {r}: " + message.format(repr(v) if quote else v) for r, v in rows]
    return problems
