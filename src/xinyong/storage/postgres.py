"""The ledger in PostgreSQL: the tables of `duckdb.py` in a schema of a server's database.

Same entries, same canonical bytes, same tree, same checkpoints beside it (a folder on the
writers' machine, or a shared one); `storage/README.md` and `docs/guides/postgres.md` say what
differs. In short:

- **The schema is made by migrations** (`migrate.py`, Alembic): a writer that finds an empty
  schema brings it to the head revision; a schema behind the head is refused until
  `xinyong db upgrade`.
- **Several writers**, in any processes that share the checkpoint folder: each `append` holds a
  session advisory lock on the schema from before its transaction until its checkpoint is
  promoted, so seqs, the frontier and `pending.note` belong to one writer at a time; readers
  never wait (MVCC).
- **A pending commit names its transaction** (`pg_current_xact_id()`), so recovery asks the
  server (`pg_xact_status`) whether it committed, instead of measuring a write-ahead log.
- **Read-only** is a read-only session (`default_transaction_read_only`); `verify` runs in one
  repeatable-read, read-only transaction (`pgsql.gather_postgres`).
- **Text cannot hold NUL** (U+0000) in PostgreSQL: a batch with one is refused, naming the row.
- **The decision index stays DuckDB**: a file beside the workspace (`index_path`, the setting
  `database`), which also holds a copy of the entries for the DuckDB evaluation (`connection`).
  The copy is brought up to the ledger's size whenever the store hands out the connection (a
  read-only store completes it in a temporary table), every row copied is held to its stored
  leaf hash, and `verify` holds the whole copy to the signed root (`_verify_copy`).
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import structlog

from xinyong.domain import merkle
from xinyong.domain.checkpoint import Checkpoint, PendingCommit
from xinyong.domain.record import epoch_us
from xinyong.errors import LedgerError, TamperDetected
from xinyong.storage import pgsql
from xinyong.storage.arrowbatch import check_batch_columns, row_numbers
from xinyong.storage.base import BATCH_COLUMN_NAMES, BATCH_COLUMNS, KEY_COLUMNS, REF_COLUMNS
from xinyong.storage.checkpoints import CheckpointStore
from xinyong.storage.duckdb import (
    BATCH_VIEW,
    ENTRY_COLUMNS,
    FORMAT_VERSION,
    ROW,
    _diagnose,
    _entry,
)
from xinyong.storage.storedtree import StoredTree

if TYPE_CHECKING:
    import duckdb
    import psycopg
    import pyarrow as pa
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

    from xinyong.domain.record import Entry
    from xinyong.settings import Settings
    from xinyong.storage.base import VerifyReport

    Connection = psycopg.Connection[tuple[Any, ...]]

log = structlog.get_logger(__name__)

SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
# The advisory lock of a schema's writers: (this class, hashtext(schema)).
LOCK_CLASS = 0x7879  # "xy"
BATCH_TABLE = "xinyong_append_batch"
TREE_TABLE = "xinyong_append_tree"
_PG_TYPES = {"VARCHAR": "text", "BIGINT": "bigint", "DATE": "integer"}  # dates as epoch days
EPOCH = datetime(1970, 1, 1)
INDEX_WAIT = 30.0  # seconds a writer waits for the decision index file another process holds


def _batch_select() -> str:
    """The batch as entry rows, with the INSERT's casts (as `duckdb.BATCH_ENTRIES`)."""
    cols = ", ".join(
        f"(date '1970-01-01' + {name}) AS {name}" if t == "DATE" else name
        for name, t in BATCH_COLUMNS
    )
    return (
        f"SELECT %(first)s::bigint + {ROW} AS seq, {cols}, %(received)s::timestamp AS received_at "
        f"FROM {BATCH_TABLE}"
    )


INSERT_ENTRIES = f"INSERT INTO entries ({', '.join(ENTRY_COLUMNS)}) {_batch_select()}"
SELECT_ENTRIES = f"SELECT {', '.join(ENTRY_COLUMNS)} FROM entries"


class PostgresLedger(StoredTree):
    """The ledger in schema `schema` of the PostgreSQL database at `url` (a libpq connection
    string or URL); checkpoints in `checkpoint_dir`; the decision index in DuckDB file
    `index_path`. Arguments otherwise as `DuckDBLedger`'s."""

    engine: ClassVar[str] = "postgres"
    concurrent_writers: ClassVar[bool] = True
    readers_beside_writer: ClassVar[bool] = True
    read_only_mode: ClassVar[bool] = True
    append_alignment: ClassVar[int] = 1

    def __init__(
        self,
        url: str,
        schema: str,
        checkpoint_dir: Path,
        signing_key: Ed25519PrivateKey | None,
        origin: str,
        *,
        read_only: bool = False,
        public_key: Ed25519PublicKey | None = None,
        witnesses: tuple[Path, ...] = (),
        index_path: Path | None = None,
    ) -> None:
        if signing_key is None and not read_only:
            raise LedgerError("a ledger opened for writing needs its signing key")
        if not SCHEMA_NAME.fullmatch(schema):
            raise LedgerError(f"schema name {schema!r}: use lower-case letters, digits and _")
        self.url = url
        self.schema = schema
        self.origin = origin
        self.read_only = read_only
        self.index_path = index_path
        self.checkpoints = CheckpointStore(
            checkpoint_dir,
            origin,
            signing_key=signing_key,
            public_key=public_key,
            witnesses=witnesses,
        )
        self._index: duckdb.DuckDBPyConnection | None = None
        self._copy_behind = True  # the index file's copy may lack entries (`connection`)
        self._con = _connect(url, schema, read_only=read_only)
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
    ) -> PostgresLedger:
        """The workspace's ledger (keys as `DuckDBLedger.from_settings`)."""
        from xinyong.storage.keys import signing_key_for

        if settings.postgres_url is None:
            raise LedgerError(
                "ledger_store is 'postgres' but postgres_url is not set "
                "(e.g. postgresql://postgres@127.0.0.1:5432/test)"
            )
        signing_key, public_key = signing_key_for(settings, read_only, public_key)
        return cls(
            settings.postgres_url,
            settings.ledger_schema,
            settings.path(settings.checkpoint_dir),
            signing_key,
            settings.ledger_origin,
            read_only=read_only,
            public_key=public_key,
            witnesses=tuple(settings.path(w) for w in settings.witness_dirs),
            index_path=settings.path(settings.database),
        )

    # -- opening ------------------------------------------------------------------------------

    def _open(self) -> None:
        from xinyong.storage import migrate

        state = migrate.state(self._con, self.schema)
        if state is None:
            if self.read_only:
                raise LedgerError(f"schema {self.schema!r} holds no ledger (no ledger_meta table)")
            migrate.upgrade(self.url, self.schema)
        elif state != migrate.HEAD:
            raise LedgerError(
                f"schema {self.schema!r} is at migration {state!r}, not {migrate.HEAD!r}; "
                "run `xinyong db upgrade`"
            )
        meta: dict[str, str] = dict(
            self._con.execute("SELECT key, value FROM ledger_meta").fetchall()
        )
        if meta.get("format_version") != FORMAT_VERSION:
            raise LedgerError(
                f"schema {self.schema!r}: ledger format {meta.get('format_version')!r} is not "
                f"the supported {FORMAT_VERSION!r}"
            )
        if meta.get("origin") is None and not self.read_only:
            self._con.execute(
                "INSERT INTO ledger_meta VALUES ('origin', %s) ON CONFLICT DO NOTHING",
                (self.origin,),
            )
            meta = dict(self._con.execute("SELECT key, value FROM ledger_meta").fetchall())
            log.info("ledger_created", schema=self.schema, origin=self.origin)
        if meta.get("origin") != self.origin:
            raise LedgerError(
                f"schema {self.schema!r} is the ledger of origin {meta.get('origin')!r}, "
                f"but settings name {self.origin!r}"
            )
        if not self.read_only:
            with self._writer_lock():
                self._recover()

    @contextlib.contextmanager
    def _writer_lock(self) -> Iterator[None]:
        # A session lock, not a transaction's: it must outlive COMMIT until the checkpoint is
        # promoted, or the next writer would overwrite `pending.note` before that. A crashed
        # writer's session ends, and the server releases its lock.
        self._con.execute(
            "SELECT pg_advisory_lock(%s, hashtext(%s))", (LOCK_CLASS, self.schema)
        ).fetchall()
        try:
            yield
        finally:
            if not self._con.closed:
                self._con.execute(
                    "SELECT pg_advisory_unlock(%s, hashtext(%s))", (LOCK_CLASS, self.schema)
                ).fetchall()

    def _recover(self) -> None:
        """Finish an interrupted commit, then refuse to write on top of an unsigned state
        (as `DuckDBLedger._recover`, with the server's word on the commit)."""
        size = self.size()
        self.checkpoints.recover(size, self.root, None, self._committed)
        self._refuse_unsigned_state()

    def _committed(self, pending: PendingCommit) -> bool | None:
        """Whether the transaction of a pending commit committed, as the server knows it."""
        if pending.xid is None:
            return None
        ((status,),) = self._con.execute(
            "SELECT pg_xact_status(%s::text::xid8)", (str(pending.xid),)
        ).fetchall()
        if status == "in progress":  # cannot be: its writer's lock is ours now
            raise LedgerError(
                f"the transaction {pending.xid} of pending.note is still in progress, though "
                "this process holds the writers' lock; nothing was changed"
            )
        return None if status is None else status == "committed"

    # -- reading ------------------------------------------------------------------------------

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The decision index's DuckDB file, with its copy of the entries (`entries`) brought
        up to the ledger (`_sync_copy`). For the index and the DuckDB evaluation; the ledger
        itself is never read or written through it."""
        if self._index is None:
            self._index = self._open_index()
        if self._copy_behind:
            # Once after opening and after each append of this store, never in between: an
            # evaluation and the seal of its index must see one copy (`indexed_size`), even
            # while other processes append.
            self._sync_copy()
            self._copy_behind = False
        return self._index

    def indexed_size(self) -> int:
        """The entries of the index file's copy, which evaluations read (`index.Sealer`)."""
        ((n,),) = self.connection.execute(
            "SELECT coalesce(max(seq) + 1, 0) FROM entries"
        ).fetchall()
        return int(n)

    def size(self) -> int:
        ((size,),) = self._con.execute("SELECT coalesce(max(size), 0) FROM batches").fetchall()
        return int(size)

    def entries(
        self, *, subject_key: str | None = None, start: int = 0, stop: int | None = None
    ) -> list[Entry]:
        end = self.size() if stop is None else stop
        params: dict[str, object] = {"start": start, "stop": end}
        sql = f"{SELECT_ENTRIES} WHERE seq >= %(start)s AND seq < %(stop)s"
        if subject_key is not None:
            sql += " AND subject_key = %(subject)s"
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
        # served by the partial index entries_steps (WHERE entry_kind = 'step')
        sql = f"{SELECT_ENTRIES} WHERE entry_kind = 'step'"
        params: dict[str, object] = {}
        for column, value in (
            ("subject_key", subject_key),
            ("refers_to", refers_to),
            ("record_type", step_type),
        ):
            if value is not None:
                sql += f" AND {column} = %({column})s"
                params[column] = value
        rows = self._con.execute(sql + " ORDER BY seq", params).fetchall()
        return [_entry(row) for row in rows]

    def lookup_keys(self, keys: pa.Table) -> pa.Table:
        on = " AND ".join(f"k.{c} = e.{c}" for c in KEY_COLUMNS)
        sql = (
            f"SELECT {', '.join('e.' + c for c in ENTRY_COLUMNS)} FROM entries AS e "
            f"WHERE EXISTS (SELECT 1 FROM {pgsql.unnest_keys(KEY_COLUMNS)} WHERE {on})"
        )
        return self._join(keys, KEY_COLUMNS, sql, ENTRY_COLUMNS)

    def lookup_refs(self, refs: pa.Table) -> pa.Table:
        on = " AND ".join(f"k.{c} = e.{c}" for c in REF_COLUMNS)
        sql = (
            f"SELECT {', '.join('e.' + c for c in REF_COLUMNS)}, e.seq, e.record_type "
            f"FROM entries AS e WHERE e.entry_kind = 'record' "
            f"AND EXISTS (SELECT 1 FROM {pgsql.unnest_keys(REF_COLUMNS)} WHERE {on})"
        )
        return self._join(refs, REF_COLUMNS, sql, (*REF_COLUMNS, "seq", "record_type"))

    def _join(
        self, table: pa.Table, columns: tuple[str, ...], sql: str, out: tuple[str, ...]
    ) -> pa.Table:
        missing = [c for c in columns if c not in table.column_names]
        if missing:
            raise LedgerError(f"lookup table lacks columns {', '.join(missing)}")
        params = {c: table.column(c).to_pylist() for c in columns}
        rows = self._con.execute(sql, params).fetchall()
        return pgsql.arrow_rows(rows, out)

    def _nodes(
        self, wanted: list[merkle.NodeId], table: str = "nodes"
    ) -> dict[merkle.NodeId, bytes]:
        found = pgsql.fetch_nodes(self._con, wanted, table)
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
        pgsql.refuse_nul(batch)
        started = time.perf_counter()
        with self._writer_lock():
            # another writer's crash may have left its pending commit: settle it first
            self.checkpoints.recover(self.size(), self.root, None, self._committed)
            if batch.num_rows == 0:
                latest = self.checkpoints.latest()
                assert latest is not None
                return latest
            checkpoint = self._append_transaction(batch, received_at)
            self._copy_behind = True
            first = checkpoint.size - batch.num_rows
            try:
                self.checkpoints.promote_pending()
            except OSError as exc:
                raise LedgerError(
                    f"batch committed as entries {first}..{checkpoint.size - 1}, but its "
                    f"checkpoint stayed {self.checkpoints.directory}/pending.note ({exc}); "
                    "it is promoted when the ledger is next opened or appended to"
                ) from exc
        log.info(
            "ledger_append",
            first=first,
            rows=batch.num_rows,
            size=checkpoint.size,
            seconds=round(time.perf_counter() - started, 3),
        )
        return checkpoint

    def _append_transaction(self, batch: pa.Table, received_at: datetime) -> Checkpoint:
        import psycopg

        con = self._con
        n = batch.num_rows
        # naive UTC, as `epoch_us` reads it (a naive datetime is UTC, not local time)
        received = EPOCH + timedelta(microseconds=epoch_us(received_at))
        pending_written = False
        first = 0
        con.execute("BEGIN")
        try:
            first = self.size()
            self._copy_batch(batch)
            params: dict[str, object] = {"first": first, "received": received}
            con.execute(INSERT_ENTRIES, params)
            base_root, root = self._add_nodes(first, first + n, params)
            con.execute(
                "INSERT INTO batches VALUES (%s, %s, %s, %s)", (first, first + n, received, root)
            )
            ((xid,),) = con.execute("SELECT pg_current_xact_id()::text").fetchall()
            checkpoint = Checkpoint(self.origin, first + n, root)
            self.checkpoints.write_pending(
                PendingCommit(Checkpoint(self.origin, first, base_root), checkpoint, 0, int(xid))
            )
            pending_written = True
            con.execute("COMMIT")
        except psycopg.Error as exc:
            self._abort(pending_written)
            if isinstance(exc, psycopg.errors.IntegrityError | psycopg.errors.DataError):
                problems = _diagnose_batch(batch, first)
                first_problem = problems[0] if problems else str(exc).strip()
                raise LedgerError(
                    f"batch of {n} rows refused, nothing appended: {first_problem}",
                    details=problems[1:],
                ) from exc
            raise LedgerError(f"append failed, nothing appended: {exc}") from exc
        except OSError as exc:
            self._abort(pending_written)
            raise LedgerError(
                f"append failed, nothing appended: cannot write the checkpoint in "
                f"{self.checkpoints.directory}: {exc}"
            ) from exc
        except BaseException:
            self._abort(pending_written)
            raise
        return checkpoint

    def _copy_batch(self, batch: pa.Table) -> None:
        """The batch into a temp table dropped at COMMIT, as CSV through COPY (dates as epoch
        days: exact for any year, whatever the server's DateStyle)."""
        import pyarrow as pa

        cols = ", ".join(f"{name} {_PG_TYPES[t]}" for name, t in BATCH_COLUMNS)
        self._con.execute(f"CREATE TEMP TABLE {BATCH_TABLE} ({ROW} bigint, {cols}) ON COMMIT DROP")
        arrays = [row_numbers(batch.num_rows)]
        for name, t in BATCH_COLUMNS:
            column = batch.column(name)
            arrays.append(column.cast(pa.int32()) if t == "DATE" else column)
        table = pa.Table.from_arrays(arrays, names=[ROW, *BATCH_COLUMN_NAMES])
        with (
            self._con.cursor() as cur,
            cur.copy(f"COPY {BATCH_TABLE} FROM STDIN (FORMAT csv)") as copy,
        ):
            for chunk in pgsql.csv_chunks(table):
                copy.write(chunk)

    def _add_nodes(self, first: int, new: int, params: dict[str, object]) -> tuple[bytes, bytes]:
        """Leaves and every node they complete, from the batch and the frontier (`tree.py`)."""
        con = self._con
        frontier = self._nodes(merkle.root_nodes(first))
        base_root = merkle.root_from_nodes(first, lambda level, idx: frontier[level, idx])
        leaves = f"SELECT seq AS idx, {pgsql.LEAF_SQL} AS hash FROM ({_batch_select()}) AS b"
        con.execute(
            f"CREATE TEMP TABLE {TREE_TABLE} ON COMMIT DROP AS "
            + pgsql.tree_sql(leaves, max(new.bit_length() - 1, 0)),
            {**params, **pgsql.frontier_params(frontier)},
        )
        con.execute(
            f"INSERT INTO nodes SELECT level, idx, hash FROM {TREE_TABLE} "
            "WHERE idx >= (%(first)s::bigint >> level)",
            {"first": first},
        )
        return base_root, self._root(new, TREE_TABLE)

    def _abort(self, pending_written: bool) -> None:
        import psycopg

        with contextlib.suppress(psycopg.Error):
            self._con.execute("ROLLBACK")
        if pending_written:
            self.checkpoints.recover(self.size(), self.root, None, self._committed)

    # -- verification -------------------------------------------------------------------------

    def verify(
        self, public_key: Ed25519PublicKey | None = None, against: tuple[Path, ...] = ()
    ) -> VerifyReport:
        """As `DuckDBLedger.verify`: every leaf and node recomputed in SQL, in one read-only
        repeatable-read transaction, against every checkpoint and witness; then the decision
        index and its copy of the entries."""
        from xinyong.storage.index import verify_index
        from xinyong.storage.verify import judge

        started = time.perf_counter()
        store = self.checkpoints
        key = public_key or store.public_key
        if public_key is not None:
            store = CheckpointStore(store.directory, self.origin, public_key=public_key)
        folders = list(dict.fromkeys((*self.checkpoints.witnesses, *against)))
        witnesses = [CheckpointStore(w, self.origin, public_key=key) for w in folders]
        sizes = set(store.sizes())
        for w in witnesses:
            sizes.update(w.sizes() if w.exists() else ())
        with contextlib.suppress(LedgerError, OSError):  # a forged one is judge's to report
            pending = store.pending()
            if pending is not None:
                sizes.add(pending.new.size)
        self._con.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            facts, root_at = pgsql.gather_postgres(self._con, sizes)
            report = judge(facts, store, root_at, witnesses)
        finally:
            self._con.execute("ROLLBACK")
        if self.index_path is not None and self.index_path.exists():
            try:
                con = self.connection
            except LedgerError as exc:  # held by a server, or the ledger's rows are edited
                report.notes.append(f"decision index not checked: {exc}")
            else:
                problems, notes = verify_index(con, store, root_at, facts.end)
                problems += self._verify_copy(con, store)
                report.problems += problems
                report.index_problems = len(problems)
                report.notes += notes
        report.seconds = time.perf_counter() - started
        return report

    # -- the decision index's DuckDB file and its copy of the entries ---------------------------

    def _open_index(self) -> duckdb.DuckDBPyConnection:
        import duckdb

        from xinyong.storage.duckdb import ENTRIES_INDEX, entries_ddl

        if self.index_path is None:
            return duckdb.connect()
        if self.read_only and not self.index_path.exists():
            return duckdb.connect()  # no index yet: an empty one, read-only
        # The ledger admits several writers, the index file one process at a time (DuckDB's
        # lock): writers take it in turn, each for as long as it updates the index.
        deadline = time.monotonic() + INDEX_WAIT
        while True:
            try:
                con = duckdb.connect(str(self.index_path), read_only=self.read_only)
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise LedgerError(
                        f"the decision index {self.index_path} is held by another process "
                        f"(DuckDB admits one at a time; waited {INDEX_WAIT:.0f} s): {exc}. "
                        "Entries appended by this command are committed and signed; run "
                        "`xinyong evaluate` to bring the index up to date"
                    ) from exc
                time.sleep(0.1)
            except duckdb.Error as exc:
                raise LedgerError(
                    f"cannot open the decision index {self.index_path}: {exc}"
                ) from exc
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if "entries" not in tables and not self.read_only:
            con.execute(entries_ddl())
            con.execute(ENTRIES_INDEX)
        return con

    def _sync_copy(self) -> None:
        """Bring the index file's copy of the entries up to the ledger, and hold every copied
        row to its stored leaf hash (so the copy hashes exactly what the ledger signs).

        Read-only, the file is not written: a copy that is behind is completed in a temporary
        table of the connection, which DuckDB reads in place of the file's `entries`."""
        import pyarrow as pa

        from xinyong.storage.duckdb import LEAF_SQL, entries_ddl

        assert self._index is not None
        con = self._index
        tables = {
            (r[0], bool(r[1]))
            for r in con.execute("SELECT table_name, temporary FROM duckdb_tables()").fetchall()
        }
        size = self.size()
        if ("entries", False) not in tables and ("entries", True) not in tables:
            # read-only, and no copy yet (no index file, or one from before this store)
            con.execute(entries_ddl().replace("CREATE TABLE", "CREATE TEMP TABLE", 1))
            tables.add(("entries", True))
        ((have,),) = con.execute("SELECT coalesce(max(seq) + 1, 0) FROM entries").fetchall()
        if have >= size:
            return
        if self.read_only and ("entries", True) not in tables:
            con.execute("CREATE TEMP TABLE entries AS SELECT * FROM main.entries")
        rows = self._con.execute(
            f"{SELECT_ENTRIES} WHERE seq >= %s AND seq < %s ORDER BY seq", (have, size)
        ).fetchall()
        leaves = self._con.execute(
            "SELECT idx, hash FROM nodes WHERE level = 0 AND idx >= %s AND idx < %s",
            (have, size),
        ).fetchall()
        new = pgsql.arrow_rows(rows, ENTRY_COLUMNS)
        stored = pa.table(
            {
                "idx": pa.array([int(i) for i, _ in leaves], pa.int64()),
                "hash": pa.array([bytes(h) for _, h in leaves], pa.binary()),
            }
        )
        con.register("xinyong_copy_rows", new)
        con.register("xinyong_copy_leaves", stored)
        try:
            con.execute("BEGIN TRANSACTION")
            con.execute("INSERT INTO entries SELECT * FROM xinyong_copy_rows")
            ((differ,),) = con.execute(
                f"""SELECT count(*) FROM (SELECT seq AS idx, {LEAF_SQL} AS hash FROM entries
                    WHERE seq >= $have) AS c FULL JOIN xinyong_copy_leaves AS s USING (idx)
                    WHERE c.hash IS DISTINCT FROM s.hash""",
                {"have": have},
            ).fetchall()
            if differ:
                con.execute("ROLLBACK")
                raise TamperDetected(
                    f"{differ} entries of {have}..{size - 1} do not hash to their stored leaf; "
                    "not copied to the decision index; run `verify`"
                )
            con.execute("COMMIT")
        finally:
            con.unregister("xinyong_copy_rows")
            con.unregister("xinyong_copy_leaves")

    def _verify_copy(self, con: duckdb.DuckDBPyConnection, store: CheckpointStore) -> list[str]:
        """The index file's copy of the entries against the signed checkpoint of its size."""
        from xinyong.storage.duckdb import LEAF_SQL
        from xinyong.storage.tree import fetch_nodes, frontier_params, top_level, tree_sql

        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        if "entries" not in tables:
            return []
        ((n, end),) = con.execute(
            "SELECT count(*), coalesce(max(seq) + 1, 0) FROM entries"
        ).fetchall()
        if n == 0:
            return []
        where = f"the decision index's copy of the entries ({self.index_path})"
        signed = {c: store.load(c) for c in store.sizes() if c == end}
        if n != end or not signed:
            return [f"{where} holds {n} entries up to seq {end - 1}, which no checkpoint signs"]
        sql = tree_sql(f"SELECT seq AS idx, {LEAF_SQL} AS hash FROM entries", top_level(end))
        con.execute(f"CREATE OR REPLACE TEMP TABLE xinyong_copy_tree AS {sql}", frontier_params({}))
        try:
            nodes = fetch_nodes(con, merkle.root_nodes(end), "xinyong_copy_tree")
        finally:
            con.execute("DROP TABLE xinyong_copy_tree")
        root = merkle.root_from_nodes(end, lambda level, idx: nodes[level, idx])
        if root != signed[end].root:
            return [f"{where} does not match checkpoint {end}: edited; rebuild it with `evaluate`"]
        return []

    # -- lifetime -----------------------------------------------------------------------------

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None
        self._con.close()


# -- helpers --------------------------------------------------------------------------------------


def _connect(url: str, schema: str, *, read_only: bool) -> Connection:
    import psycopg

    try:
        con = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise LedgerError(f"cannot connect to the PostgreSQL ledger: {str(exc).strip()}") from exc
    con.execute(f"SET search_path TO {schema}")
    con.execute("SET TIME ZONE 'UTC'")
    # The tree's self-joins of CTEs get absurd row estimates (the planner cannot see that each
    # level halves), which set off JIT compilation of the hashing expressions: ≈ 7 s of
    # compiling for a 100k-entry verify that runs in under 1 s without it.
    con.execute("SET jit = off")
    if read_only:
        con.execute("SET default_transaction_read_only = on")
    return con


def _diagnose_batch(batch: pa.Table, first: int) -> list[str]:
    """Name the rows a refused batch breaks a constraint with: DuckDB's checks, which mirror the
    table's, run on the batch in memory."""
    import duckdb

    mem = duckdb.connect()
    try:
        rows = batch.select(list(BATCH_COLUMN_NAMES)).append_column(
            ROW, row_numbers(batch.num_rows)
        )
        mem.register(BATCH_VIEW, rows)
        return _diagnose(mem, first)
    finally:
        mem.close()
