"""The compiled lookup of a batch in the hot decision file (imported only with numba).

What `HotFile.locate` and the gathers of `HotPath.decide_many` do in numpy passes, one key at
a time in one loop: the key's bucket (its top bits), the first row whose key is not less, and,
when that row holds the key, its code for the action. The loop releases the GIL, so a batch's
slices run on several cores (`domain.cores`).
"""

from __future__ import annotations

from typing import Any

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
