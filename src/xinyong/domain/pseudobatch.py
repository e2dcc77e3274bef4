"""Pseudonyms (`pseudonym.pseudonymise`) of many values at once, as raw 32-byte digests.

A batch check keys thousands of resident IDs; per identifier, `hashlib` costs ≈ 1 µs, nearly
all of it Python's per-call overhead (two SHA-256 compressions from the key's precomputed inner
and outer states take ≈ 0.12 µs with the CPU's SHA instructions). Measured alternatives that
stay vectorised but are slower here: `pseudonym_sql` in DuckDB (≈ 0.5–0.8M/s: its SHA-256 has
no hardware path and the key's pads are rebuilt per row) and polars-hash (≈ 1M/s: a hex string
allocated per row). So when numba is installed (the `batch` extra) the loop runs compiled:
OpenSSL's own SHA-256 (libcrypto, the library `hashlib` uses) called from a numba loop, from
the two states computed once per key. The hashing is OpenSSL's; the loop only copies a state
and feeds bytes. Without numba, or with a libcrypto other than the ABI-stable
`libcrypto.so.3`, the `hashlib` loop answers; a test holds the two to the same bytes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
from functools import cache
from typing import TYPE_CHECKING, Any

import structlog

from xinyong.domain.pseudonym import _check_key

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

_BLOCK = 64
# sizeof(SHA256_CTX) in OpenSSL 3 (<openssl/sha.h>: h[8], Nl, Nh, data[16], num, md_len, all
# 32-bit), fixed by libcrypto.so.3's ABI; the compiled loop copies states of this size
_CTX = 112
_SONAME = "libcrypto.so.3"
log = structlog.get_logger(__name__)


def _pads(key: bytes) -> tuple[bytes, bytes]:
    _check_key(key)
    if len(key) > _BLOCK:
        key = hashlib.sha256(key).digest()
    padded = key.ljust(_BLOCK, b"\0")
    return bytes(x ^ 0x36 for x in padded), bytes(x ^ 0x5C for x in padded)


def digests_hashlib(key: bytes, prefix: bytes, rows: npt.NDArray[np.uint8]) -> bytes:
    """HMAC-SHA256(key, prefix + row) of each row of a (n, width) byte matrix, concatenated."""
    ipad, opad = _pads(key)
    inner = hashlib.sha256(ipad + prefix)
    outer = hashlib.sha256(opad)
    new_inner, new_outer = inner.copy, outer.copy
    n, width = rows.shape
    data = rows.tobytes()
    out = []
    for at in range(0, n * width, width) if width else [0] * n:
        h = new_inner()
        h.update(data[at : at + width])
        o = new_outer()
        o.update(h.digest())
        out.append(o.digest())
    return b"".join(out)


@cache
def _compiled() -> Any:
    """The compiled loop and a state maker, or None when numba or libcrypto.so.3 is missing."""
    try:
        import numba  # noqa: F401 - the compiled loop needs it
        from llvmlite import binding
    except ImportError:
        return None
    found = ctypes.util.find_library("crypto")
    if found != _SONAME:
        return None
    try:
        lib = ctypes.CDLL(found)
        init, update = lib.SHA256_Init, lib.SHA256_Update
        binding.load_library_permanently(found)
    except (OSError, AttributeError, RuntimeError):
        return None
    import numpy as np

    from xinyong.domain._hmacloop import hmac_rows

    update.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
    init.argtypes = [ctypes.c_void_p]

    def state(data: bytes) -> Any:
        ctx = ctypes.create_string_buffer(_CTX)
        if init(ctx) != 1 or update(ctx, data, len(data)) != 1:
            raise RuntimeError("libcrypto SHA256_Init/Update failed")
        return np.frombuffer(ctx.raw, dtype=np.uint8).copy()

    # checked once against hashlib before any pseudonym is taken from it: a library that
    # refuses the low-level calls (a FIPS-only build) or lays its state out otherwise is not
    # used, and the hashlib loop answers
    rows = np.frombuffer(bytes(range(200)), dtype=np.uint8)[:198].reshape(2, 99).copy()
    key = bytes(range(40))
    ipad, opad = _pads(key)
    out = np.empty((2, 32), dtype=np.uint8)
    try:
        hmac_rows(rows, state(ipad + b"p:"), state(opad), out)
    except RuntimeError as exc:
        log.warning("compiled_hmac_unusable", reason=str(exc))
        return None
    if out.tobytes() != digests_hashlib(key, b"p:", rows):
        log.warning("compiled_hmac_unusable", reason="differs from hashlib")
        return None
    return hmac_rows, state


def compiled_available() -> bool:
    return _compiled() is not None


def digests(key: bytes, prefix: bytes, rows: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """HMAC-SHA256(key, prefix + row) of each row of a (n, width) byte matrix, as (n, 32)
    bytes: compiled when it can be, else `digests_hashlib`."""
    import numpy as np

    n = rows.shape[0]
    found = _compiled()
    if found is None or n == 0:
        found_bytes = digests_hashlib(key, prefix, rows)
        return np.frombuffer(found_bytes, dtype=np.uint8).reshape(n, 32)
    loop, state = found
    ipad, opad = _pads(key)
    states = _states(state, ipad + prefix, opad)
    out = np.empty((n, 32), dtype=np.uint8)
    # one array type (writeable, C order) for every call: another would compile another loop
    rows = np.require(rows, dtype=np.uint8, requirements=["C", "W"])
    loop(rows, states[0], states[1], out)
    return out


_STATES: dict[tuple[bytes, bytes], tuple[Any, Any]] = {}


def _states(state: Any, inner: bytes, outer: bytes) -> tuple[Any, Any]:
    # one pair per key and prefix; a process holds one pseudonym key
    found = _STATES.get((inner, outer))
    if found is None:
        if len(_STATES) > 8:
            _STATES.clear()
        found = _STATES[(inner, outer)] = (state(inner), state(outer))
    return found


def hmac_states(key: bytes, prefix: bytes) -> tuple[Any, Any]:
    """libcrypto's SHA-256 states after key ⊕ ipad + `prefix` and after key ⊕ opad, for a
    compiled loop (only when `compiled_available()`)."""
    found = _compiled()
    if found is None:
        raise RuntimeError("the compiled HMAC loop is not available")
    ipad, opad = _pads(key)
    return _states(found[1], ipad + prefix, opad)
