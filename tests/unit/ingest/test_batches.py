"""How ingest cuts the accepted rows into ledger batches (`pipeline.batch_bounds`)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from xinyong.ingest.pipeline import batch_bounds


@given(
    size=st.integers(0, 10_000),
    total=st.integers(0, 5_000),
    batch_rows=st.integers(1, 1_000),
    alignment=st.integers(1, 300),
)
def test_batches_cover_the_rows_in_order_within_the_limit_and_end_aligned(
    size: int, total: int, batch_rows: int, alignment: int
) -> None:
    bounds = batch_bounds(size, total, batch_rows, alignment)
    assert [start for start, _ in bounds] == ([0] if total else []) + [s for _, s in bounds[:-1]]
    assert (bounds[-1][1] if bounds else 0) == total
    assert all(0 < stop - start <= batch_rows for start, stop in bounds)
    if batch_rows >= alignment:
        # every batch but the last leaves the ledger at a multiple of the alignment, and none
        # is needlessly short: a batch ends at the last multiple within its reach
        for start, stop in bounds[:-1]:
            assert (size + stop) % alignment == 0
            assert size + start + batch_rows < size + stop + alignment
