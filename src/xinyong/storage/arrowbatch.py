"""Arrow batches on their way into a ledger store: row numbers, record batches cut on the
store's row groups, leaf hashes of canonical bytes, new tree nodes as a table, and the batch's
columns checked against the ledger's.

Shared by the DuckDB and PostgreSQL stores; moved out of `duckdb.py` to keep that module about
the store itself.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import TYPE_CHECKING

from xinyong.domain import merkle
from xinyong.errors import LedgerError
from xinyong.storage.base import BATCH_COLUMN_NAMES

if TYPE_CHECKING:
    import pyarrow as pa


def row_numbers(n: int) -> pa.Array:
    """0 … n−1 as an Arrow int64 array, from a buffer of machine integers: `pyarrow.compute`
    would do it too, but its first call in a process costs ≈ 0.3 CPU-s of setting up."""
    import array

    import pyarrow as pa

    numbers = array.array("q", range(n))  # native order, as Arrow's in-memory format is
    return pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(numbers)])


def leaf_hashes(inputs: Iterable[pa.RecordBatch], first: int, new: int) -> list[bytes]:
    """The RFC 6962 leaf hash of each row of `inputs` (`seq`, `leaf_input`), in seq order,
    which must be exactly `first` … `new` − 1.

    One `hashlib` call per leaf over a view of Arrow's buffer (no bytes object per input).
    DuckDB hands rows out in the order of the batch; should it not, they are put in order.
    """
    import hashlib

    import numpy as np
    import pyarrow as pa

    sha = hashlib.sha256
    seqs: list[np.ndarray] = []
    hashes: list[bytes] = []
    for batch in inputs:
        column = batch.column(1)
        _, offset_buffer, data_buffer = column.buffers()
        width = 8 if pa.types.is_large_binary(column.type) else 4
        offsets = np.frombuffer(offset_buffer, f"<i{width}", len(column) + 1, column.offset * width)
        data = memoryview(data_buffer or b"")
        hashes += [sha(data[a:b]).digest() for a, b in itertools.pairwise(offsets.tolist())]
        seqs.append(batch.column(0).to_numpy())
    seq = np.concatenate(seqs) if seqs else np.zeros(0, np.int64)
    expected = np.arange(first, new, dtype=np.int64)
    if not np.array_equal(seq, expected):
        order = np.argsort(seq, kind="stable")
        if not np.array_equal(seq[order], expected):
            raise LedgerError(f"the batch's leaves are not seqs {first}..{new - 1}")
        hashes = [hashes[i] for i in order.tolist()]
    return hashes


def nodes_table(first: int, grown: list[list[bytes]]) -> pa.Table:
    """`merkle.grow`'s nodes as rows of `nodes` (level, idx, hash)."""
    import numpy as np
    import pyarrow as pa

    counts = [len(level) for level in grown]
    total = sum(counts)
    levels = np.repeat(np.arange(len(grown), dtype=np.uint8), counts)
    idxs = np.concatenate(
        [np.arange(first >> lv, (first >> lv) + n, dtype=np.int64) for lv, n in enumerate(counts)]
    )
    hashes = pa.py_buffer(b"".join(itertools.chain.from_iterable(grown)))
    return pa.table(
        {
            "level": levels,
            "idx": idxs,
            "hash": pa.FixedSizeBinaryArray.from_buffers(
                pa.binary(merkle.HASH_SIZE), total, [None, hashes]
            ),
        }
    )


def row_group_cuts(size: int, n: int, alignment: int) -> list[int]:
    """Where in a batch of `n` rows appended to `size` entries the ledger's size reaches a
    multiple of `alignment` (DuckDB's row group), plus the batch's end.

    >>> row_group_cuts(1, 10, 4)
    [3, 7, 10]
    >>> row_group_cuts(8, 8, 4)
    [4, 8]
    """
    first = (-size) % alignment or alignment
    return [*range(first, n, alignment), n]


def chunked(rows: pa.Table, cuts: list[int]) -> pa.Table:
    """`rows` in Arrow record batches that end exactly at `cuts`.

    DuckDB's insert makes a row group of each record batch it is handed (or of each part of
    one). A batch sliced from a larger table starts and ends inside the table's record batches
    (DuckDB hands query results out in batches of 122,880 rows), so its first record batch is
    a sliver, e.g. 1 row, then 122,880, then 122,879: a row group of 1 row beside one of
    122,879, which the next checkpoint (at the latest, closing the ledger) merges by
    decompressing and compressing both again (measured: closing a 1M-row ingest's ledger
    ≈ 2.4 CPU-s, against ≈ 0.05 with the batches cut where the row groups end). Copies the
    rows only when the record batches do not already end at `cuts`.
    """
    import pyarrow as pa

    record_batches = rows.to_batches()
    ends = list(itertools.accumulate(len(b) for b in record_batches))
    if ends == cuts:
        return rows
    whole = rows.combine_chunks()  # one copy: a cut may fall inside a record batch
    starts = [0, *cuts[:-1]]
    return pa.Table.from_batches(
        [
            b
            for start, end in zip(starts, cuts, strict=True)
            for b in whole.slice(start, end - start).to_batches()
        ],
        schema=rows.schema,
    )


def check_batch_columns(batch: pa.Table) -> None:
    names = list(batch.column_names)
    missing = [c for c in BATCH_COLUMN_NAMES if c not in names]
    extra = [c for c in names if c not in BATCH_COLUMN_NAMES]
    if missing or extra:
        parts = [f"missing {', '.join(missing)}"] if missing else []
        parts += [f"unexpected {', '.join(extra)}"] if extra else []
        raise LedgerError(f"batch columns do not match the ledger: {'; '.join(parts)}")
