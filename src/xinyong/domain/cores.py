"""A batch's compiled loops run in slices on several cores at once.

The loops (`_keyloop`, `storage._hotloop`) are compiled by numba with `nogil`: a slice runs
on a pool thread while the caller runs another, and the GIL is held only to hand them out. A
batch below `SPLIT_MIN` rows runs on the calling thread alone (a hand-off costs ≈ 50 µs).
The slices are a few per core, taken in turn by whichever thread is free: on a machine shared
with other work a thread that the kernel leaves waiting for its core takes fewer, and the
caller no longer waits for a half that has not started.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

SPLIT_MIN = 4_096
SLICES_PER_CORE = 4
SLICE_MIN = 2_048  # rows: a call into a loop costs a few microseconds


def split(run: Callable[[int, int], object], n: int) -> None:
    """run(lo, hi) over 0..n in slices (a few a core, none under `SLICE_MIN` rows), each
    taken by the next free thread: the calling thread and `workers() - 1` of the pool. Returns
    when every slice is done (a pool thread that never got its core takes none, and is not
    waited for); raises what a slice raised."""
    count = workers()
    if count < 2 or n < SPLIT_MIN:
        run(0, n)
        return
    pieces = max(min(count * SLICES_PER_CORE, n // SLICE_MIN), count)
    bounds = [n * k // pieces for k in range(pieces + 1)]
    slices = iter(itertools.pairwise(bounds))
    cond = threading.Condition()
    done = 0
    errors: list[BaseException] = []

    def take() -> None:
        nonlocal done
        while True:
            with cond:
                found = next(slices, None)
            if found is None:
                return
            try:
                run(*found)
            except BaseException as exc:  # handed to the caller, which raises it
                with cond:
                    errors.append(exc)
            finally:
                with cond:
                    done += 1
                    cond.notify_all()

    for _ in range(count - 1):
        _pool().submit(take)
    take()
    with cond:
        while done < pieces:
            cond.wait()
    if errors:
        raise errors[0]


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
