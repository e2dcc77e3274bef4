"""A batch's compiled loops run in slices on several cores at once.

The loops (`_keyloop`, `storage._hotloop`) are compiled by numba with `nogil`: a slice runs
on a pool thread while the caller runs another, and the GIL is held only to hand them out. A
batch below `SPLIT_MIN` rows runs on the calling thread alone (a hand-off costs ≈ 50 µs).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

SPLIT_MIN = 4_096


def split(run: Callable[[int, int], object], n: int) -> None:
    """run(lo, hi) over 0..n, one slice a core, the last on the calling thread."""
    count = workers()
    if count < 2 or n < SPLIT_MIN:
        run(0, n)
        return
    bounds = [n * k // count for k in range(count + 1)]
    pending = [_pool().submit(run, lo, hi) for lo, hi in itertools.pairwise(bounds[:-1])]
    run(bounds[-2], bounds[-1])
    for job in pending:
        job.result()


@cache
def workers() -> int:
    """The cores this process may run on (at most 8: a batch is not worth more)."""
    return min(len(os.sched_getaffinity(0)), 8) if hasattr(os, "sched_getaffinity") else 1


_pools: dict[int, ThreadPoolExecutor] = {}


def _pool() -> ThreadPoolExecutor:
    """This process's pool: a child forked by a server inherits its parent's pool object but
    none of its threads, so each process id gets its own."""
    from concurrent.futures import ThreadPoolExecutor

    pid = os.getpid()
    found = _pools.get(pid)
    if found is None:
        _pools.clear()
        count = max(workers() - 1, 1)
        found = _pools[pid] = ThreadPoolExecutor(count, thread_name_prefix="xinyong-batch")
    return found
