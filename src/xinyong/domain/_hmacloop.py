"""The compiled HMAC loop of `pseudobatch` (imported only when numba is installed).

Each row is hashed by OpenSSL's SHA-256 (libcrypto's `SHA256_Update`/`SHA256_Final`, resolved
by name once `pseudobatch` has loaded the library): the inner state (key ⊕ ipad, then the
prefix) is copied, the row fed and finished; the outer state (key ⊕ opad) is copied, the inner
digest fed and finished. numba caches the machine code on disk, so only a process that finds no
cache compiles it (seconds); the symbols are looked up again at each load.
"""

from __future__ import annotations

from typing import Any

import numpy as np  # noqa: TID253 - this module is imported lazily, with numba
from numba import njit, types

_update = types.ExternalFunction(
    "SHA256_Update", types.intc(types.voidptr, types.voidptr, types.size_t)
)
_final = types.ExternalFunction("SHA256_Final", types.intc(types.voidptr, types.voidptr))


@njit(cache=True, nogil=True)  # type: ignore[untyped-decorator]
def hmac_rows(rows: Any, inner: Any, outer: Any, out: Any) -> None:  # pragma: no cover
    """out[i] = the 32-byte HMAC of rows[i], from the precomputed inner and outer states."""
    n, width = rows.shape
    ctx = np.empty(inner.size, np.uint8)
    digest = np.empty(32, np.uint8)
    for i in range(n):
        ctx[:] = inner
        _update(ctx.ctypes, rows[i].ctypes, width)
        _final(digest.ctypes, ctx.ctypes)
        ctx[:] = outer
        _update(ctx.ctypes, digest.ctypes, 32)
        _final(out[i].ctypes, ctx.ctypes)
