"""A batch split over the cores: every row in exactly one slice, whichever thread takes it; a
slice's failure raised to the caller; a pool thread that never runs does not hold the batch."""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.domain import cores


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 200_000), st.integers(1, 6))
def test_every_row_once(n: int, count: int) -> None:
    seen: list[tuple[int, int]] = []
    lock = threading.Lock()

    def run(lo: int, hi: int) -> None:
        with lock:
            seen.append((lo, hi))

    old = cores.workers
    cores.workers = lambda: count  # type: ignore[assignment]
    try:
        cores.split(run, n)
    finally:
        cores.workers = old  # type: ignore[assignment]
    seen.sort()
    assert seen[0][0] == 0 and seen[-1][1] == n
    assert all(a[1] == b[0] for a, b in itertools.pairwise(seen))
    assert all(lo < hi for lo, hi in seen) or n == 0


def test_a_failed_slice_is_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cores, "workers", lambda: 2)
    done: list[int] = []

    def run(lo: int, hi: int) -> None:
        if lo == 0:
            raise ValueError("slice 0")
        done.append(lo)

    with pytest.raises(ValueError, match="slice 0"):
        cores.split(run, 50_000)
    assert len(done) == cores.SLICES_PER_CORE * 2 - 1, "the other slices still ran"


def test_a_pool_thread_that_never_runs_does_not_hold_the_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The caller takes every slice when the pool's thread is busy elsewhere."""
    blocked = threading.Event()
    pool = ThreadPoolExecutor(1)
    pool.submit(blocked.wait)  # the pool's only thread is taken
    monkeypatch.setattr(cores, "workers", lambda: 2)
    monkeypatch.setattr(cores, "_pool", lambda: pool)
    rows: list[int] = []
    try:
        cores.split(lambda lo, hi: rows.extend(range(lo, hi)), 40_000)
        assert rows == list(range(40_000))
    finally:
        blocked.set()
        pool.shutdown()
