"""The compiled lookup of a batch in the hot decision file (imported only with numba).

What `HotFile.locate` and the gathers of `HotPath.decide_many` do in numpy passes, one key at
a time in one loop: the key's bucket (its top bits), the first row whose key is not less, and,
when that row holds the key, its code for the action. The loop releases the GIL, so a batch's
slices run on several cores (`domain.cores`).
"""

from __future__ import annotations

from typing import Any

import numpy as np  # noqa: TID253 - this module is imported lazily, with numba
from numba import njit


@njit(cache=True, nogil=True)  # type: ignore[untyped-decorator]
def lookup_rows(  # noqa: PLR0917 - numba takes no keyword-only parameters
    keys64: Any,
    shift: int,
    starts: Any,
    keys: Any,
    codes: Any,
    column: int,
    at: Any,
    found: Any,
    lo: int,
    hi: int,
) -> None:  # pragma: no cover
    """For keys64[lo:hi]: `at` the row holding the key (0 if none) and `found` its code in
    `column` (0 if none)."""
    for i in range(lo, hi):
        k = keys64[i]
        top = k >> shift
        a = starts[top]
        end = starts[top + 1]
        while a < end and keys[a] < k:
            a += 1
        if a < end and keys[a] == k:
            at[i] = a
            found[i] = codes[a, column]
        else:
            at[i] = 0
            found[i] = 0


@njit(cache=True, nogil=True)  # type: ignore[untyped-decorator]
def answer_rows(  # noqa: PLR0917 - numba takes no keyword-only parameters
    keys64: Any,
    shift: int,
    starts: Any,
    keys: Any,
    codes: Any,
    column: int,
    cells: Any,
    cell_shift: int,
    cell_starts: Any,
    cell_verdicts: Any,
    at: Any,
    found: Any,
    verdict: Any,
    lo: int,
    hi: int,
) -> None:  # pragma: no cover
    """`lookup_rows`, and for a key found with a code other than 0 the verdict of its cell
    (`row * width + column`, `width` the codes' columns) in `verdict` (-1 where the code is 0,
    -2 where the cell is missing: a file that lies). The cell is found through `cell_starts`,
    where the cells whose value shares its top bits (`>> cell_shift`) start: a binary search
    of a few neighbours, not of every cell."""
    width = codes.shape[1]
    for i in range(lo, hi):
        k = keys64[i]
        top = k >> shift
        a = starts[top]
        end = starts[top + 1]
        while a < end and keys[a] < k:
            a += 1
        if a < end and keys[a] == k:
            at[i] = a
            code = codes[a, column]
            found[i] = code
            if code == 0:
                verdict[i] = -1
                continue
            cell = np.uint64(a * width + column)
            b = cell >> cell_shift
            first = cell_starts[b]
            last = cell_starts[b + 1]
            while first < last:
                mid = (first + last) >> 1
                if cells[mid] < cell:
                    first = mid + 1
                else:
                    last = mid
            if first < cell_starts[b + 1] and cells[first] == cell:
                verdict[i] = cell_verdicts[first]
            else:
                verdict[i] = -2
        else:
            at[i] = 0
            found[i] = 0
            verdict[i] = -1
