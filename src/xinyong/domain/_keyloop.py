"""The compiled keying loop of `idbatch` (imported only when numba is installed).

One pass over each identifier's 18 bytes does what the numpy pass of `idbatch` does in a dozen:
ASCII upper-casing, the resident ID checks (digits, division code, a calendar birth date not
after the scheme's today, the GB 11643 check character) and the USCC checks (alphabet, the
digits of the division code, the GB 11714 and GB 32100 check characters), then the key — for a
person the pseudonym HMAC (OpenSSL's SHA-256, as `_hmacloop`), its hex digits and 64-bit key,
for a firm the BLAKE2b 64-bit key (`pseudonym.key64`; RFC 7693, one block, written out here
because OpenSSL's BLAKE2b has no 8-byte digest on every 3.x). The loop releases the GIL, so
`idbatch` runs slices of a batch on several threads at once. The scheme tables come in as
arguments (the cached machine code must not freeze another module's constants).
"""

from __future__ import annotations

from typing import Any

import numpy as np  # noqa: TID253 - this module is imported lazily, with numba
from numba import njit, types

# addresses as integers: the loop computes a row's from its matrix's (a row view would cost
# a reference count each)
_update = types.ExternalFunction("SHA256_Update", types.intc(types.intp, types.intp, types.size_t))
_final = types.ExternalFunction("SHA256_Final", types.intc(types.intp, types.intp))
# one 64-byte block into a state's eight words: an HMAC of a short message is two of these,
# without `Update`'s buffering and `Final`'s padding (≈ 0.11 µs against 0.18–0.22)
_transform = types.ExternalFunction("SHA256_Transform", types.void(types.intp, types.intp))
# the C library's: a call copies a key's 64 bytes in a few nanoseconds, a loop of byte stores
# (which the compiler cannot prove free of overlap) takes ten times as long
_memcpy = types.ExternalFunction("memcpy", types.voidptr(types.intp, types.intp, types.size_t))

PERSON, FIRM = 1, 2  # `kind`; 0: neither or both, left to the schemes' own checks

# RFC 7693: BLAKE2b's initial vector (SHA-512's) and message schedule
_IV = np.array(
    [
        0x6A09E667F3BCC908,
        0xBB67AE8584CAA73B,
        0x3C6EF372FE94F82B,
        0xA54FF53A5F1D36F1,
        0x510E527FADE682D1,
        0x9B05688C2B3E6C1F,
        0x1F83D9ABFB41BD6B,
        0x5BE0CD19137E2179,
    ],
    dtype=np.uint64,
)
_SIGMA = np.array(
    [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
        [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
        [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
        [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
        [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
        [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
        [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
        [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
        [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    ],
    dtype=np.uint8,
)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


@njit(cache=True, nogil=True, inline="always")  # type: ignore[untyped-decorator]
def _rotr(x: Any, n: int) -> Any:  # pragma: no cover
    return (x >> np.uint64(n)) | (x << np.uint64(64 - n))


@njit(cache=True, nogil=True, inline="always")  # type: ignore[untyped-decorator]
def _g(  # noqa: PLR0917 - numba takes no keyword-only parameters
    v: Any, a: int, b: int, c: int, d: int, x: Any, y: Any
) -> None:  # pragma: no cover
    v[a] = v[a] + v[b] + x
    v[d] = _rotr(v[d] ^ v[a], 32)
    v[c] = v[c] + v[d]
    v[b] = _rotr(v[b] ^ v[c], 24)
    v[a] = v[a] + v[b] + y
    v[d] = _rotr(v[d] ^ v[a], 16)
    v[c] = v[c] + v[d]
    v[b] = _rotr(v[b] ^ v[c], 63)


@njit(cache=True, nogil=True)  # type: ignore[untyped-decorator]
def blake2b_8(block: Any, length: int, v: Any, m: Any) -> Any:  # pragma: no cover
    """The 8-byte BLAKE2b digest (no key) of `block[:length]`, `length` ≤ 128 and the rest of
    the 128-byte `block` zero, read big-endian (as `pseudonym.key64` reads it). `v` (16) and
    `m` (16) are scratch words."""
    for w in range(16):
        word = np.uint64(0)
        for k in range(8):
            word |= np.uint64(block[8 * w + k]) << np.uint64(8 * k)
        m[w] = word
    for k in range(8):
        v[k] = _IV[k]
        v[k + 8] = _IV[k]
    v[0] ^= np.uint64(0x01010008)  # parameter block: digest length 8, no key, fan-out 1, depth 1
    h0 = v[0]
    v[12] ^= np.uint64(length)  # bytes hashed, this block being the last
    v[14] = ~v[14]
    for r in range(12):
        s = r % 10
        _g(v, 0, 4, 8, 12, m[_SIGMA[s, 0]], m[_SIGMA[s, 1]])
        _g(v, 1, 5, 9, 13, m[_SIGMA[s, 2]], m[_SIGMA[s, 3]])
        _g(v, 2, 6, 10, 14, m[_SIGMA[s, 4]], m[_SIGMA[s, 5]])
        _g(v, 3, 7, 11, 15, m[_SIGMA[s, 6]], m[_SIGMA[s, 7]])
        _g(v, 0, 5, 10, 15, m[_SIGMA[s, 8]], m[_SIGMA[s, 9]])
        _g(v, 1, 6, 11, 12, m[_SIGMA[s, 10]], m[_SIGMA[s, 11]])
        _g(v, 2, 7, 8, 13, m[_SIGMA[s, 12]], m[_SIGMA[s, 13]])
        _g(v, 3, 4, 9, 14, m[_SIGMA[s, 14]], m[_SIGMA[s, 15]])
    h = h0 ^ v[0] ^ v[8]
    # the digest is h's first 8 bytes, little-endian; read big-endian it is h byte-swapped
    out = np.uint64(0)
    for k in range(8):
        out = (out << np.uint64(8)) | ((h >> np.uint64(8 * k)) & np.uint64(0xFF))
    return out


@njit(cache=True, nogil=True)  # type: ignore[untyped-decorator]
def key_rows(  # noqa: PLR0917 - numba takes no keyword-only parameters
    src: Any,
    stride: int,
    lo: int,
    hi: int,
    skip: Any,
    today: int,
    division: Any,
    rid_weights: Any,
    rid_checks: Any,
    month_days: Any,
    uscc_value: Any,
    org_value: Any,
    org_weights: Any,
    org_checks: Any,
    uscc_weights: Any,
    uscc_alphabet: Any,
    inner: Any,
    outer: Any,
    inner_block: Any,
    block_at: int,
    firm_block: Any,
    firm_prefix: int,
    kind: Any,
    upper: Any,
    hexes: Any,
    keys64: Any,
    nul: Any,
) -> None:  # pragma: no cover
    """Rows `lo`..`hi` of `src` (18 ASCII bytes a row, one every `stride` bytes): `kind`
    (PERSON, FIRM or 0), `upper` (the upper-cased bytes), and for a person `hexes` (the
    pseudonym's 64 hex digits) and `keys64`, for a firm `keys64` (BLAKE2b of
    `firm_block[:firm_prefix]` + the row).
    `skip` (empty, or a flag a row) sends a row to the schemes' own checks; `nul[0]` is set
    to 1 when a row holds a NUL byte (neither scheme accepts it).
    The HMAC: with `inner_block` (64 bytes: the inner message's last block, padded, the row's
    18 bytes to go at `block_at`) two `SHA256_Transform`s from the states' words; with it
    empty, `SHA256_Update`/`Final` from the whole states."""
    ctx = np.empty(inner.size, np.uint8)
    digest = np.empty(32, np.uint8)
    one_block = inner_block.size == 64
    ib = inner_block.copy()
    ob = np.zeros(64, np.uint8)
    ob[32] = 0x80
    ob[62] = 3  # the outer message's length in bits, big-endian: (64 + 32) * 8 = 0x300
    h = ctx[:32].view(np.uint32)
    ih = inner[:32].view(np.uint32)
    oh = outer[:32].view(np.uint32)
    ib_at, ob_at = ib.ctypes.data, ob.ctypes.data
    block = firm_block.copy()
    v = np.empty(16, np.uint64)
    m = np.empty(16, np.uint64)
    d = np.empty(18, np.int64)
    row = np.empty(18, np.uint8)
    ctx_at, digest_at, upper_at = ctx.ctypes.data, digest.ctypes.data, upper.ctypes.data
    for i in range(lo, hi):
        for j in range(18):
            c = src[stride * i + j]
            if c >= 97 and c <= 122:
                c -= 32
            elif c == 0:
                nul[0] = 1
            row[j] = c
            upper[i, j] = c
        # resident ID (GB 11643): 17 digits and a digit or X
        person = True
        for j in range(17):
            if row[j] < 48 or row[j] > 57:
                person = False
                break
        c17 = row[17]
        if person and not ((c17 >= 48 and c17 <= 57) or c17 == 88):
            person = False
        if person:
            for j in range(17):
                d[j] = row[j] - 48
            code = d[0] * 100_000 + d[1] * 10_000 + d[2] * 1_000 + d[3] * 100 + d[4] * 10 + d[5]
            y = d[6] * 1_000 + d[7] * 100 + d[8] * 10 + d[9]
            mo = d[10] * 10 + d[11]
            day = d[12] * 10 + d[13]
            if not division[code] or y < 1 or mo < 1 or mo > 12 or day < 1:
                person = False
            else:
                last = month_days[mo]
                if mo == 2 and ((y % 4 == 0 and y % 100 != 0) or y % 400 == 0):
                    last += 1
                if day > last or y * 10_000 + mo * 100 + day > today:
                    person = False
            if person:
                total = 0
                for j in range(17):
                    total += d[j] * rid_weights[j]
                person = rid_checks[total % 11] == c17
        # USCC (GB 32100): its alphabet, six digits at 3-8, two check characters
        firm = True
        for j in range(18):
            if uscc_value[row[j]] < 0:
                firm = False
                break
        if firm:
            for j in range(2, 8):
                if row[j] < 48 or row[j] > 57:
                    firm = False
                    break
        if firm:
            org = 0
            for j in range(8):
                org += org_value[row[8 + j]] * org_weights[j]
            firm = org_checks[11 - org % 11] == row[16]
        if firm:
            total = 0
            for j in range(17):
                total += uscc_value[row[j]] * uscc_weights[j]
            firm = uscc_alphabet[(31 - total % 31) % 31] == c17
        if skip.size and skip[i]:
            person = firm = False
        if person and not firm:
            kind[i] = PERSON
            if one_block:
                for j in range(18):
                    ib[block_at + j] = row[j]
                for j in range(8):
                    h[j] = ih[j]
                _transform(ctx_at, ib_at)
                for j in range(8):
                    w = h[j]
                    ob[4 * j] = (w >> 24) & 255
                    ob[4 * j + 1] = (w >> 16) & 255
                    ob[4 * j + 2] = (w >> 8) & 255
                    ob[4 * j + 3] = w & 255
                    h[j] = oh[j]
                _transform(ctx_at, ob_at)
                for j in range(8):
                    w = h[j]
                    digest[4 * j] = (w >> 24) & 255
                    digest[4 * j + 1] = (w >> 16) & 255
                    digest[4 * j + 2] = (w >> 8) & 255
                    digest[4 * j + 3] = w & 255
            else:
                ctx[:] = inner
                _update(ctx_at, upper_at + 18 * i, 18)
                _final(digest_at, ctx_at)
                ctx[:] = outer
                _update(ctx_at, digest_at, 32)
                _final(digest_at, ctx_at)
            k = np.uint64(0)
            for j in range(32):
                hexes[i, 2 * j] = _HEX[digest[j] >> 4]
                hexes[i, 2 * j + 1] = _HEX[digest[j] & 15]
                if j < 8:
                    k = (k << np.uint64(8)) | np.uint64(digest[j])
            keys64[i] = k
        elif firm and not person:
            kind[i] = FIRM
            for j in range(18):
                block[firm_prefix + j] = row[j]
            keys64[i] = blake2b_8(block, firm_prefix + 18, v, m)
        else:
            kind[i] = 0
            keys64[i] = 0


@njit(cache=True, nogil=True)  # type: ignore[untyped-decorator]
def json_rows(  # noqa: PLR0917 - numba takes no keyword-only parameters
    out: Any,
    width: int,
    valid: Any,
    group: Any,
    at: Any,
    g: int,
    start: Any,
    values: Any,
    lo: int,
    hi: int,
) -> None:  # pragma: no cover
    """For the keys `valid[lo:hi]` of group `g`: `"` + prefix (`start`), the value (row `at`
    of `values`), `",`, padded with spaces to `width`, at `1 + k * width` in `out` (the `[`
    at 0), as `SubjectKeys.json_array` lays them out."""
    head = start.size
    size = values.shape[1]  # C order: a row of `values` is `size` bytes on from the last
    out_at, start_at, values_at = out.ctypes.data, start.ctypes.data, values.ctypes.data
    for k in range(lo, hi):
        i = valid[k]
        if group[i] != g:
            continue
        base = 1 + k * width
        _memcpy(out_at + base, start_at, head)
        _memcpy(out_at + base + head, values_at + at[i] * size, size)
        out[base + head + size] = 34  # "
        out[base + head + size + 1] = 44  # ,
        for j in range(head + size + 2, width):
            out[base + j] = 32


@njit(cache=True, nogil=True)  # type: ignore[untyped-decorator]
def equal_keys(  # noqa: PLR0917 - numba takes no keyword-only parameters
    text: Any,
    offsets: Any,
    rows: Any,
    asked: Any,
    group: Any,
    at: Any,
    g: int,
    start: Any,
    values: Any,
    same: Any,
    lo: int,
    hi: int,
) -> None:  # pragma: no cover
    """same[j] for the keys `asked[j]` (j in lo..hi) of group `g`: whether the key (`start`,
    then row `at` of `values`) is the byte string `text[offsets[rows[j]]:offsets[rows[j] + 1]]`."""
    head = start.size
    size = values.shape[1]
    for j in range(lo, hi):
        i = asked[j]
        if group[i] != g:
            continue
        first = np.int64(offsets[rows[j]])
        if np.int64(offsets[rows[j] + 1]) - first != head + size:
            same[j] = False
            continue
        ok = True
        for t in range(head):
            if text[first + t] != start[t]:
                ok = False
                break
        if ok:
            r = at[i]
            for t in range(size):
                if text[first + head + t] != values[r, t]:
                    ok = False
                    break
        same[j] = ok


@njit(cache=True, nogil=True)  # type: ignore[untyped-decorator]
def group_positions(verdict: Any, count: int) -> Any:  # pragma: no cover
    """The positions p with verdict[p] ≥ 0 grouped by verdict (a counting sort: ascending
    verdicts, ascending positions within one), the number in each group and the characters
    its positions take written as a JSON list's items (digits and a comma each)."""
    counts = np.zeros(count, np.int64)
    chars = np.zeros(count, np.int64)
    for p in range(verdict.size):
        v = verdict[p]
        if v >= 0:
            counts[v] += 1
            digits = 1
            q = p
            while q >= 10:
                q //= 10
                digits += 1
            chars[v] += digits + 1
    start = np.zeros(count, np.int64)
    total = 0
    for v in range(count):
        start[v] = total
        total += counts[v]
    order = np.empty(total, np.int64)
    for p in range(verdict.size):
        v = verdict[p]
        if v >= 0:
            order[start[v]] = p
            start[v] += 1
    return order, counts, chars


@njit(cache=True, nogil=True)  # type: ignore[untyped-decorator]
def write_groups(out: Any, order: Any, counts: Any, at: Any) -> None:  # pragma: no cover
    """`group_positions`' groups written out: the `counts[v]` positions of verdict v (the next
    ones in `order`) in decimal, comma-separated (none after the last), from `out[at[v]]`."""
    k = 0
    for v in range(counts.size):
        pos = at[v]
        for t in range(counts[v]):
            if t:
                out[pos] = 44  # ,
                pos += 1
            q = order[k]
            k += 1
            digits = 1
            r = q
            while r >= 10:
                r //= 10
                digits += 1
            for j in range(digits - 1, -1, -1):
                out[pos + j] = 48 + q % 10
                q //= 10
            pos += digits
