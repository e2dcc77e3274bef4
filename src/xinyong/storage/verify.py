"""`verify`: recompute the ledger from its entries and hold it against every signed checkpoint.

Two halves:

- `gather_duckdb` asks the database, in SQL, for the facts: every leaf hash recomputed from the
  stored columns and the whole tree rebuilt from those leaves (one statement into a temp table,
  `tree.py`), which entries are duplicated, missing, or differ from their stored leaf hash, and
  which stored nodes differ from the rebuilt ones (one join over all levels).
- `judge` is engine-neutral: it opens every checkpoint file (signature, origin, name), compares
  each signed root with the rebuilt tree at that size, and words every problem so that it names
  the seq, the batch and the checkpoint involved.

Stored hashes are only trusted to *localise* a change (an edited row no longer matches its stored
leaf); whether the ledger is intact is decided against the signed checkpoints alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from xinyong.domain import merkle
from xinyong.domain.checkpoint import Checkpoint
from xinyong.errors import LedgerError
from xinyong.storage.base import VerifyReport
from xinyong.storage.checkpoints import PENDING, CheckpointStore, checkpoint_name
from xinyong.storage.duckdb import LEAF_SQL
from xinyong.storage.tree import fetch_nodes, frontier_params, top_level, tree_sql

if TYPE_CHECKING:
    import duckdb

NAMED = 50  # problems of one kind spelled out before "… and N more"
SCRATCH = "verify_nodes"
LEAVES = "verify_leaves"

RootAt = Callable[[int], bytes | None]


@dataclass
class LedgerFacts:
    """What the database holds, as recomputed; lists are capped at `NAMED`, counts are not."""

    size: int  # entries the batch records claim
    rows: int
    end: int  # one past the highest seq present (0 when empty)
    batches: list[tuple[int, int]] = field(default_factory=list)  # (first_seq, size)
    duplicates: list[tuple[int, int]] = field(default_factory=list)  # (seq, copies)
    duplicate_count: int = 0
    gaps: list[tuple[int, int]] = field(default_factory=list)  # missing [first, stop)
    gap_count: int = 0
    edited: list[int] = field(default_factory=list)
    edited_count: int = 0
    unhashed: list[int] = field(default_factory=list)
    node_mismatches: list[tuple[int, int]] = field(default_factory=list)  # lowest levels first
    node_mismatch_count: int = 0
    described: dict[int, tuple[str, str]] = field(default_factory=dict)  # provider, document_ref


def verify_duckdb(
    con: duckdb.DuckDBPyConnection,
    store: CheckpointStore,
    witnesses: Sequence[CheckpointStore] = (),
) -> VerifyReport:
    """Verify the ledger in `con` against the checkpoints of `store` (opened with the pinned
    key) and of every witness folder, then the decision index against the rebuilt tree."""
    from xinyong.storage.index import verify_index

    started = time.perf_counter()
    try:
        facts, root_at = gather_duckdb(con)
        report = judge(facts, store, root_at, witnesses)
        problems, notes = verify_index(con, store, root_at, facts.end)
        report.problems += problems
        report.index_problems = len(problems)
        report.notes += notes
    finally:
        con.execute(f"DROP TABLE IF EXISTS {LEAVES}")
        con.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
    report.seconds = time.perf_counter() - started
    return report


def gather_duckdb(con: duckdb.DuckDBPyConnection) -> tuple[LedgerFacts, RootAt]:
    """The facts of a DuckDB ledger, and the rebuilt tree's root at any size (None: incomplete)."""

    ((size,),) = con.execute("SELECT coalesce(max(size), 0) FROM batches").fetchall()
    ((rows, max_seq, min_seq),) = con.execute(
        "SELECT count(*), max(seq), min(seq) FROM entries"
    ).fetchall()
    end = 0 if max_seq is None else int(max_seq) + 1
    facts = LedgerFacts(size=int(size), rows=int(rows), end=end)
    facts.batches = [
        (int(a), int(b))
        for a, b in con.execute("SELECT first_seq, size FROM batches ORDER BY size").fetchall()
    ]
    for seq, copies, total in con.execute(
        f"""SELECT seq, count(*), count(*) OVER () FROM entries GROUP BY seq HAVING count(*) > 1
            ORDER BY seq LIMIT {NAMED}"""
    ).fetchall():
        facts.duplicates.append((int(seq), int(copies)))
        facts.duplicate_count = int(total)
    if facts.duplicates or facts.rows != facts.end or (min_seq is not None and min_seq != 0):
        _gather_gaps(con, facts)

    # Duplicated seqs would make the rebuilt tree ambiguous; keep one row each (they are
    # reported anyway, and every checkpoint over them fails).
    dedupe = (
        " QUALIFY row_number() OVER (PARTITION BY seq ORDER BY hash) = 1"
        if facts.duplicates
        else ""
    )
    # Leaves in a statement of their own, which DuckDB runs on every thread (see duckdb.py).
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {LEAVES} AS "
        f"SELECT seq AS idx, {LEAF_SQL} AS hash FROM entries{dedupe}"
    )
    tree = tree_sql(f"SELECT idx, hash FROM {LEAVES}", top_level(facts.end))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {SCRATCH} AS {tree}", frontier_params({}))
    con.execute(f"DROP TABLE {LEAVES}")
    # Every rebuilt node against the stored one; the first NAMED of leaves and of interior nodes.
    for level, idx, unstored, total in con.execute(
        f"""SELECT v.level, v.idx, s.hash IS NULL, count(*) OVER (PARTITION BY v.level = 0)
            FROM {SCRATCH} AS v LEFT JOIN nodes AS s ON s.level = v.level AND s.idx = v.idx
            WHERE s.hash IS DISTINCT FROM v.hash
            QUALIFY row_number() OVER (PARTITION BY v.level = 0 ORDER BY v.level, v.idx) <= {NAMED}
            ORDER BY v.level, v.idx"""
    ).fetchall():
        if level == 0:
            (facts.unhashed if unstored else facts.edited).append(int(idx))
            facts.edited_count = int(total)
        else:
            facts.node_mismatches.append((int(level), int(idx)))
            facts.node_mismatch_count = int(total)

    named = sorted({*facts.edited, *facts.unhashed, *(s for s, _ in facts.duplicates)})
    if named:
        facts.described = {
            int(s): (str(p), str(d))
            for s, p, d in con.execute(
                "SELECT seq, provider, document_ref FROM entries WHERE list_contains($s, seq)",
                {"s": named},
            ).fetchall()
        }

    # Roots are asked for at every checkpoint's size: fetch the nodes of all batch sizes at once.
    found: dict[merkle.NodeId, bytes] = {}
    asked: set[merkle.NodeId] = set()

    def root_at(n: int) -> bytes | None:
        wanted = merkle.root_nodes(n)
        if not asked.issuperset(wanted):
            more = {
                w for size in (n, *(b for _, b in facts.batches)) for w in merkle.root_nodes(size)
            }
            found.update(fetch_nodes(con, sorted(more - asked), SCRATCH))
            asked.update(more)
        if any(w not in found for w in wanted):
            return None
        return merkle.fold_range([found[w] for w in wanted])

    return facts, root_at


def _gather_gaps(con: duckdb.DuckDBPyConnection, facts: LedgerFacts) -> None:
    gaps = con.execute(
        f"""WITH present AS (SELECT DISTINCT seq FROM entries UNION ALL SELECT -1),
                 runs AS (SELECT seq, lead(seq) OVER (ORDER BY seq) AS next FROM present)
            SELECT seq + 1, next, count(*) OVER () FROM runs WHERE next > seq + 1
            ORDER BY seq LIMIT {NAMED}"""
    ).fetchall()
    facts.gaps = [(int(a), int(b)) for a, b, _ in gaps]
    facts.gap_count = int(gaps[0][2]) if gaps else 0


@dataclass
class _Signed:
    name: str
    checkpoint: Checkpoint


def judge(
    facts: LedgerFacts,
    store: CheckpointStore,
    root_at: RootAt,
    witnesses: Sequence[CheckpointStore] = (),
) -> VerifyReport:
    """Hold the facts against every checkpoint in `store` and in every witness folder; one
    problem line per finding."""
    problems: list[str] = []
    notes: list[str] = []
    signed = _open_checkpoints(store, facts, problems, notes)
    by_size = {s.checkpoint.size: s.name for s in signed}

    def place(seq: int) -> str:
        batch = next(((a, b) for a, b in facts.batches if a <= seq < b), None)
        first_cp = min((s for s in by_size if s > seq), default=None)
        where = f"in batch seq {batch[0]}..{batch[1] - 1}" if batch else "in no recorded batch"
        if first_cp is None:
            return f"{where}, covered by no checkpoint"
        later = sum(1 for s in by_size if s > first_cp)
        return f"{where}; breaks checkpoint {by_size[first_cp]}" + (
            f" and the {later} later ones" if later else ""
        )

    def entry(seq: int) -> str:
        provider, document_ref = facts.described.get(seq, ("?", "?"))
        return f"entry seq {seq} (provider {provider!r}, document_ref {document_ref!r})"

    # Entries that are there but wrong, or not there at all.
    for seq, copies in facts.duplicates:
        problems.append(f"{entry(seq)} occurs {copies} times: rows were inserted; {place(seq)}")
    _more(problems, facts.duplicate_count, len(facts.duplicates), "duplicated seqs")
    for seq in facts.edited:
        problems.append(
            f"{entry(seq)} does not match its stored leaf hash: edited, or swapped with another "
            f"row; {place(seq)}"
        )
    for seq in facts.unhashed:
        problems.append(f"{entry(seq)} has no stored leaf hash; {place(seq)}")
    _more(problems, facts.edited_count, len(facts.edited) + len(facts.unhashed), "changed entries")
    for first, stop in facts.gaps:
        what = (
            f"entry seq {first} is" if stop - first == 1 else f"entries seq {first}..{stop - 1} are"
        )
        problems.append(f"{what} missing (deleted); {place(first)}")
    _more(problems, facts.gap_count, len(facts.gaps), "gaps")
    if not (facts.edited or facts.unhashed or facts.gaps or facts.duplicates):
        for level, idx in facts.node_mismatches[:10]:
            first, stop = idx << level, (idx + 1) << level
            problems.append(
                f"stored Merkle node (level {level}, index {idx}) over entries {first}..{stop - 1} "
                "does not match them: an entry there was changed together with its stored hashes"
            )
        _more(problems, facts.node_mismatch_count, min(10, len(facts.node_mismatches)), "nodes")

    # The end of the ledger against what was signed and recorded.
    top = max(by_size, default=None)
    if top is not None and top > facts.end:
        problems.append(
            f"entries {facts.end}..{top - 1} are missing (truncated): checkpoint {by_size[top]} "
            f"signed {top} entries but the ledger holds {facts.end}"
        )
    elif facts.size > facts.end:
        problems.append(
            f"entries {facts.end}..{facts.size - 1} are missing (truncated): the batches table "
            f"records {facts.size} entries"
        )
    covered = top or 0
    if facts.end > covered:
        problems.append(f"entries {covered}..{facts.end - 1} are not covered by any checkpoint")
    if facts.end > facts.size:
        problems.append(
            f"entries {facts.size}..{facts.end - 1} belong to no recorded batch: "
            "rows were inserted outside `append`"
        )

    _check_roots(signed, root_at, problems)
    _check_batches(facts, store, by_size, problems)
    for witness in witnesses:
        _check_witness(facts, witness, by_size, root_at, problems, notes)
    return VerifyReport(size=facts.rows, checkpoints=len(signed), problems=problems, notes=notes)


def _check_witness(  # noqa: PLR0917 - the facts a witness is held to
    facts: LedgerFacts,
    witness: CheckpointStore,
    by_size: dict[int, str],
    root_at: RootAt,
    problems: list[str],
    notes: list[str],
) -> None:
    """The ledger must extend every checkpoint a witness holds: not shorter, same root there."""
    where = f"witness {witness.directory}"
    if not witness.exists():
        problems.append(f"{where} does not exist: nothing to hold the ledger to")
        return
    held: list[Checkpoint] = []
    for stored in witness.stored():
        try:
            held.append(witness.load(stored.size))
        except LedgerError as exc:
            problems.append(f"{where}: {exc}")
    if not held:
        notes.append(f"{where} holds no checkpoint of this log yet")
        return
    newest = held[-1]
    if newest.size > facts.end:
        deleted = "" if newest.size in by_size else ", and its checkpoints were deleted here"
        problems.append(
            f"entries {facts.end}..{newest.size - 1} are missing (truncated): {where} holds "
            f"checkpoint {checkpoint_name(newest.size)} of {newest.size} entries but the ledger "
            f"holds {facts.end}{deleted}"
        )
    forked = [
        c
        for c in held
        if c.size <= facts.end
        and (merkle.EMPTY_ROOT if c.size == 0 else root_at(c.size)) not in (c.root, None)
    ]
    if forked:
        first = forked[0]
        problems.append(
            f"the ledger differs from {where}: its checkpoint {checkpoint_name(first.size)} "
            f"signs a root of entries 0..{first.size - 1} the ledger does not have (rewritten "
            f"after the witness copied it)"
            + (f"; and {len(forked) - 1} later witnessed checkpoints" if len(forked) > 1 else "")
        )
    if newest.size <= facts.end and not forked:
        notes.append(
            f"{where}: {len(held)} checkpoints, the newest of size {newest.size}, consistent "
            "with the ledger"
        )


def _open_checkpoints(
    store: CheckpointStore, facts: LedgerFacts, problems: list[str], notes: list[str]
) -> list[_Signed]:
    if not store.exists():
        problems.append(
            f"checkpoint folder {store.directory} does not exist: nothing signed to check "
            f"the {facts.end} entries against"
        )
        return []
    signed: list[_Signed] = []
    for stored in store.stored():
        try:
            checkpoint = store.open(stored.text, stored.name)
        except LedgerError as exc:
            problems.append(str(exc))
            continue
        if checkpoint.size != stored.size:
            problems.append(
                f"{stored.name}: file is named for size {stored.size} but signs size "
                f"{checkpoint.size}: renamed or replaced"
            )
            continue
        signed.append(_Signed(stored.name, checkpoint))
    try:
        commit = store.pending()
        pending = None if commit is None else commit.new
    except LedgerError as exc:
        problems.append(str(exc))
        pending = None
    if pending is not None:
        if pending.size > facts.end:
            notes.append(
                f"{PENDING} (size {pending.size}) is ahead of the ledger: either its commit never "
                "happened (it is then discarded when the ledger is next opened for writing) or "
                "the batch was lost (that opening then refuses, naming the loss)"
            )
        elif pending.size not in {s.checkpoint.size for s in signed}:
            notes.append(
                f"{PENDING} (size {pending.size}) is checked as a checkpoint: its commit happened "
                "and it is promoted when the ledger is next opened for writing"
            )
            signed.append(_Signed(PENDING, pending))
    if not signed:
        notes.append(f"no valid checkpoint in {store.directory}")
    return sorted(signed, key=lambda s: s.checkpoint.size)


def _check_roots(signed: list[_Signed], root_at: RootAt, problems: list[str]) -> None:
    good = 0  # size of the largest checkpoint matched so far
    failed: list[str] = []
    for s in signed:
        size, name = s.checkpoint.size, s.name
        root = merkle.EMPTY_ROOT if size == 0 else root_at(size)
        if root is None:
            problems.append(
                f"checkpoint {name} (size {size}) cannot be recomputed: entries below {size} "
                "are missing"
            )
        elif root != s.checkpoint.root:
            if not failed:
                problems.append(
                    f"checkpoint {name} (size {size}) does not match the entries: the root of "
                    f"entries 0..{size - 1} differs from the signed root; entries up to {good} "
                    f"match, so the change is in seq {good}..{size - 1}"
                )
            failed.append(name)
        elif not failed:
            good = size
    if len(failed) > 1:
        problems.append(f"{len(failed) - 1} later checkpoints do not match either: {failed[-1]} …")


def _check_batches(
    facts: LedgerFacts, store: CheckpointStore, by_size: dict[int, str], problems: list[str]
) -> None:
    on_disk = set(store.sizes())
    for first, size in facts.batches:
        if size not in by_size and size not in on_disk:
            problems.append(
                f"checkpoint {checkpoint_name(size)} of batch seq {first}..{size - 1} is missing "
                f"from {store.directory}: deleted"
            )
    recorded = {size for _, size in facts.batches}
    for size, name in sorted(by_size.items()):
        if size and size not in recorded:
            problems.append(
                f"checkpoint {name} (size {size}) has no batch in the database: "
                "the batches table was edited"
            )


def _more(problems: list[str], total: int, shown: int, what: str) -> None:
    if total > shown:
        problems.append(f"… and {total - shown} more {what}")
