"""Subject keys for many identifiers at once (a relying party's batch check).

Each identifier is checked in the scheme it fits and keyed as `subject_key` does (the pseudonym
HMAC for personal schemes), with its 64-bit key (`pseudonym.key64`) for the hot decision file.
An invalid identifier gets its `IdentifierError`, the others are keyed.

The two standard schemes are checked for the whole batch at once: characters, division code,
birth date (a calendar date, not after the scheme's today), the GB 11714 and GB 32100 / ISO
7064 check characters. With numba (the `batch` extra) that is one compiled pass over each
identifier's bytes (`_keyloop.key_rows`: the checks, the pseudonym's HMAC by OpenSSL, its hex
digits and 64-bit key, a firm's BLAKE2b key), run in slices on every core (`cores`); without
it, numpy over the transposed byte matrix, then `pseudobatch.digests`. Either pass only
*accepts*: an identifier valid in exactly one scheme is keyed; anything else (invalid, valid in
both, not 18 plain ASCII characters, a code on a scheme's accepted list, a registry with other
schemes) goes through the schemes' own `problem()` one by one, which says what is wrong. Tests
hold both passes to the schemes' answers and to `hmac`/`hashlib` byte for byte; the compiled
one is also checked against the schemes on a sample at first use, and not used if it differs.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

import structlog

from xinyong.domain import cores, pseudobatch
from xinyong.domain.identifiers import (
    _ORG_ALPHABET,
    _ORG_CHECKS,
    _ORG_WEIGHTS,
    _RID_CHECKS,
    _RID_WEIGHTS,
    _USCC_WEIGHTS,
    USCC_ALPHABET,
    IdentifierScheme,
    ResidentIdScheme,
    SchemeRegistry,
    UsccScheme,
    division_codes,
)
from xinyong.domain.pseudonym import PSEUDONYM_MARK, key64, subject_key
from xinyong.errors import IdentifierError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

log = structlog.get_logger(__name__)


class SubjectKeys(Sequence[str | None]):
    """The subject keys of a batch, in the order asked (None where the identifier is invalid).

    Kept as byte matrices, one per fixed-width kind (a pseudonym's 64 hex digits, a USCC's 18
    characters), and made into strings only when one is asked for: a batch of 100,000 needs
    its keys as strings nowhere but in the decision log, which `json_array` renders at once.
    """

    def __init__(self, n: int) -> None:
        import numpy as np

        self._n = n
        self._group = np.full(n, -1, dtype=np.int8)  # -1 invalid, -2 in `_other`, else a group
        self._at = np.zeros(n, dtype=np.int64)  # the row's index within its group
        self._groups: list[tuple[bytes, npt.NDArray[np.uint8]]] = []
        self._other: dict[int, str] = {}

    def add_group(
        self,
        rows: npt.NDArray[np.int64],
        prefix: bytes,
        values: npt.NDArray[np.uint8],
        at: npt.NDArray[np.int64] | None = None,
    ) -> None:
        """Keys `prefix + value` (ASCII) for `rows`: the value of `rows[j]` is row `at[j]` of
        `values` (by default row j; the compiled pass leaves its values where it wrote them)."""
        import numpy as np

        self._group[rows] = len(self._groups)
        self._at[rows] = np.arange(len(rows)) if at is None else at
        self._groups.append((prefix, np.ascontiguousarray(values)))

    def add(self, row: int, key: str | None) -> None:
        if key is not None:
            self._group[row] = -2
            self._other[row] = key

    def __len__(self) -> int:
        return self._n

    def _one(self, i: int) -> str | None:
        g = int(self._group[i])
        if g == -1:
            return None
        if g == -2:
            return str(self._other[i])
        prefix, values = self._groups[g]
        row: bytes = values[int(self._at[i])].tobytes()
        return (prefix + row).decode("ascii")

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self._one(j) for j in range(*i.indices(self._n))]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        return self._one(i)

    def __iter__(self) -> Iterator[str | None]:
        return (self._one(i) for i in range(self._n))

    def valid(self) -> npt.NDArray[np.int64]:
        """The rows with a key, in order."""
        import numpy as np

        return np.flatnonzero(self._group != -1)

    def utf8(
        self, rows: npt.NDArray[np.int64], *, quoted: bool = False
    ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
        """The keys of `rows` (all valid) as one UTF-8 buffer and their `len(rows) + 1`
        offsets in it; `quoted`: each as a JSON string followed by a comma."""
        import json

        import numpy as np

        group = self._group[rows]
        lengths = np.zeros(len(rows), dtype=np.int64)
        other: dict[int, bytes] = {}
        for j in np.flatnonzero(group == -2).tolist():
            key = self._other[int(rows[j])]
            text = json.dumps(key, ensure_ascii=False) + "," if quoted else key
            other[j] = text.encode("utf-8")
            lengths[j] = len(other[j])
        head, tail = (b'"', b'",') if quoted else (b"", b"")
        for g, (prefix, values) in enumerate(self._groups):
            lengths[group == g] = len(head) + len(prefix) + values.shape[1] + len(tail)
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        buf = np.empty(int(offsets[-1]), dtype=np.uint8)
        for g, (prefix, values) in enumerate(self._groups):
            mine = np.flatnonzero(group == g)
            if not len(mine):
                continue
            start = head + prefix
            width = len(start) + values.shape[1]
            row = np.empty((len(mine), width + len(tail)), dtype=np.uint8)
            row[:, : len(start)] = np.frombuffer(start, dtype=np.uint8)
            row[:, len(start) : width] = values[self._at[rows[mine]]]
            row[:, width:] = np.frombuffer(tail, dtype=np.uint8)
            buf[offsets[mine][:, None] + np.arange(row.shape[1])] = row
        for j, data in other.items():
            buf[offsets[j] : offsets[j + 1]] = np.frombuffer(data, dtype=np.uint8)
        return buf, offsets

    def equal_to(
        self,
        text: npt.NDArray[np.uint8],
        offsets: npt.NDArray[Any],
        rows: npt.NDArray[np.int64],
        asked: npt.NDArray[np.int64],
    ) -> npt.NDArray[np.bool_] | None:
        """Whether the key of `asked[j]` is the UTF-8 string `text[offsets[rows[j]] :
        offsets[rows[j] + 1]]`, compared by `_keyloop.equal_keys`; None without it."""
        import numpy as np

        if _compiled_pass() is None:
            return None
        from xinyong.domain._keyloop import equal_keys

        group = self._group
        sizes = offsets[rows + 1].astype(np.int64) - offsets[rows].astype(np.int64)
        same = sizes == 0  # an invalid identifier's key is no string at all
        at = self._at
        for g, (prefix, values) in enumerate(self._groups):
            start = np.frombuffer(prefix, dtype=np.uint8)

            def run(lo: int, hi: int, g: int = g, start: Any = start, values: Any = values) -> None:
                equal_keys(text, offsets, rows, asked, group, at, g, start, values, same, lo, hi)

            cores.split(run, len(asked))
        for j in np.flatnonzero(group[asked] == -2).tolist():
            a, b = int(offsets[rows[j]]), int(offsets[rows[j] + 1])
            same[j] = text[a:b].tobytes() == self._other[int(asked[j])].encode("utf-8")
        return np.asarray(same, dtype=bool)

    def json_array(self) -> bytes:
        """The valid keys, in order, as a JSON array (what the decision log holds). Built as
        one byte matrix, a row per key; where kinds of two widths are mixed, the shorter are
        followed by spaces after their comma (whitespace JSON allows between values)."""
        import json

        import numpy as np

        valid = self.valid()
        group = self._group[valid]
        if not self._groups or (group == -2).any():
            found = [self._one(i) for i in valid.tolist()]
            return json.dumps(found, ensure_ascii=False, separators=(",", ":")).encode()
        if not len(valid):
            return b"[]"
        width = self._width()
        if _compiled_pass() is not None:
            out = np.empty(2 + len(valid) * width, dtype=np.uint8)
            return out[: self._json_compiled(out, valid, width)].tobytes()
        out = np.full((len(valid), width), ord(" "), dtype=np.uint8)
        for g, (prefix, values) in enumerate(self._groups):
            mine = np.flatnonzero(group == g)
            if not len(mine):
                continue
            start = b'"' + prefix
            end = len(start) + values.shape[1]
            out[mine, : len(start)] = np.frombuffer(start, dtype=np.uint8)
            out[mine, len(start) : end] = values[self._at[valid[mine]]]
            out[mine, end : end + 2] = np.frombuffer(b'",', dtype=np.uint8)
        return b"[" + out.tobytes().rstrip(b" ")[:-1] + b"]"

    def _width(self) -> int:
        """The bytes a key takes in `json_array`'s matrix: the widest kind, quoted, a comma."""
        return int(max(len(p) + v.shape[1] for p, v in self._groups)) + 3

    def json_plan(self) -> tuple[npt.NDArray[np.int64], int, int] | None:
        """For `json_into`: the valid rows, the row width and the array's length in bytes;
        None where the compiled loop does not write it (`json_array` answers then)."""
        valid = self.valid()
        if not self._groups or not len(valid) or _compiled_pass() is None:
            return None
        if self._other and (self._group[valid] == -2).any():
            return None
        last = int(self._group[valid[-1]])
        width = self._width()
        prefix, values = self._groups[last]
        return valid, width, (len(valid) - 1) * width + len(prefix) + int(values.shape[1]) + 4

    def json_into(
        self, out: npt.NDArray[np.uint8], valid: npt.NDArray[np.int64], width: int
    ) -> int:
        """`json_array`'s bytes written at `out[0:]` (a plan's `valid` and `width`; `out` has
        room for `2 + len(valid) * width` bytes, the last key's padding); returns their length."""
        return self._json_compiled(out, valid, width)

    def _json_compiled(
        self, out: npt.NDArray[np.uint8], valid: npt.NDArray[np.int64], width: int
    ) -> int:
        """`json_array`'s bytes written by `_keyloop.json_rows` into `out`, split over the
        cores; returns their length."""
        import numpy as np

        from xinyong.domain._keyloop import json_rows

        out[0] = ord("[")
        for g, (prefix, values) in enumerate(self._groups):
            start = np.frombuffer(b'"' + prefix, dtype=np.uint8)

            def run(lo: int, hi: int, g: int = g, start: Any = start, values: Any = values) -> None:
                json_rows(out, width, valid, self._group, self._at, g, start, values, lo, hi)

            cores.split(run, len(valid))
        # the last key ends at its closing quote: its comma and padding give way to the `]`
        prefix, values = self._groups[int(self._group[valid[-1]])]
        end = 1 + (len(valid) - 1) * width + 1 + len(prefix) + int(values.shape[1]) + 1
        out[end] = ord("]")
        return end + 1


@dataclass
class Keyed:
    keys: Sequence[str | None]  # None where the identifier is invalid
    keys64: npt.NDArray[np.uint64]  # 0 where it is invalid
    errors: dict[int, IdentifierError]


def scheme_of(schemes: SchemeRegistry, identifier: str) -> IdentifierScheme | IdentifierError:
    """The one scheme `identifier` is valid in, else its `IdentifierError` (as
    `Workspace.find_scheme` says it)."""
    fits = [s for s in schemes if s.fits(s.normalise(identifier))]
    if len(fits) == 1:
        return fits[0]
    if not fits:
        reasons = "; ".join(f"{s.name}: {s.problem(s.normalise(identifier))}" for s in schemes)
        return IdentifierError("identifier", identifier, f"valid in no scheme ({reasons})")
    names = ", ".join(s.name for s in fits)
    return IdentifierError("identifier", identifier, f"valid in several schemes ({names})")


def subject_keys(
    schemes: SchemeRegistry, identifiers: Sequence[str], key: bytes, *, joined: bool = True
) -> Keyed:
    """Keys for `identifiers` (the vectorised pass, then one by one what it did not accept).
    `joined`: the compiled pass reads the identifiers joined by NUL (`_joined`)."""
    import numpy as np

    fast = _standard(schemes)
    if fast is None:
        return subject_keys_slow(schemes, identifiers, key)
    rid, uscc = fast
    n = len(identifiers)
    keys = SubjectKeys(n)
    keys64 = np.zeros(n, dtype=np.uint64)
    compiled = _compiled_pass() if n else None
    text = _joined(identifiers) if compiled is not None and joined else None
    if text is not None:
        plain, stride = np.arange(n, dtype=np.int64), 19
    else:
        stride = 18
        lengths = np.fromiter(map(len, identifiers), dtype=np.int64, count=n)
        text = "".join(identifiers)
        if (lengths == 18).all() and text.isascii():
            plain = np.arange(n, dtype=np.int64)
        else:
            plain = np.array(
                [i for i in np.flatnonzero(lengths == 18).tolist() if identifiers[i].isascii()],
                dtype=np.int64,
            )
            text = "".join(identifiers[i] for i in plain.tolist())
    rest: list[int] = []
    today = rid.as_of or date.today()
    listed = None
    if len(plain) and uscc.accepted:
        listed = np.array([identifiers[i].upper() in uscc.accepted for i in plain.tolist()])
    if compiled is not None and len(plain):
        found = _keys_compiled(
            compiled,
            rid,
            uscc,
            text,
            plain,
            listed=listed,
            today=today,
            key=key,
            keys=keys,
            keys64=keys64,
            stride=stride,
        )
        if found is None:  # an identifier holds a NUL: the join told nothing of the lengths
            return subject_keys(schemes, identifiers, key, joined=False)
        rest = found
    elif len(plain):
        b = np.frombuffer(text.upper().encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        is_rid, is_uscc = _checks(b, today)
        if listed is not None:
            is_uscc &= ~listed
            is_rid &= ~listed
        person, firm = is_rid & ~is_uscc, is_uscc & ~is_rid
        rest = plain[~(is_rid ^ is_uscc)].tolist()
        if person.any():
            rows = plain[person]
            prefix = f"{rid.name}:".encode()
            digests = pseudobatch.digests(key, prefix, b[person])
            keys64[rows] = digests[:, :8].copy().view(">u8").ravel()
            keys.add_group(rows, prefix + PSEUDONYM_MARK.encode(), _hex(digests))
        if firm.any():
            rows = plain[firm]
            prefix = f"{uscc.name}:".encode()
            keys.add_group(rows, prefix, b[firm])
            keys64[rows] = np.frombuffer(_blake64(prefix, b[firm]), dtype=">u8")
    seen = np.zeros(n, dtype=bool)
    seen[plain] = True
    rest += np.flatnonzero(~seen).tolist()
    slow = subject_keys_slow(schemes, [identifiers[i] for i in rest], key)
    errors = {}
    for j, i in enumerate(rest):
        keys.add(i, slow.keys[j])
        keys64[i] = slow.keys64[j]
        if j in slow.errors:
            errors[i] = slow.errors[j]
    return Keyed(keys, keys64, errors)


def _joined(identifiers: Sequence[str]) -> str | None:
    """The identifiers joined by NUL when they may all be 18 ASCII characters, else None: the
    lengths checked without a pass of Python over the list (≈ 12 ns an identifier). The text
    is 19n - 1 characters and has a NUL at every 19th place; if the 18 characters between
    two hold no NUL (`key_rows` looks, in its pass over them, and says so), the text holds
    n - 1 NULs: they are the join's own, no identifier holds one, and each is the 18
    characters between two."""
    n = len(identifiers)
    text = "\0".join(identifiers)
    if len(text) != 19 * n - 1 or not text.isascii():
        return None
    return text if text[18::19] == "\0" * (n - 1) else None


def _keys_compiled(
    loop: Any,
    rid: ResidentIdScheme,
    uscc: UsccScheme,
    text: str,
    plain: npt.NDArray[np.int64],
    *,
    listed: npt.NDArray[np.bool_] | None,
    today: date,
    key: bytes,
    keys: SubjectKeys,
    keys64: npt.NDArray[np.uint64],
    stride: int = 18,
    one_block: bool = True,
) -> list[int] | None:
    """The compiled pass (`_keyloop.key_rows`) over the plain rows (in `text`, one every
    `stride` characters), split over the cores: keys what it accepts, returns the rows left to
    the schemes' own checks. `one_block`: the HMAC's inner message ends in one block, hashed
    by `SHA256_Transform` (where the prefix leaves room; False: `Update`/`Final`, as tests
    compare). None when a row read at a stride other than 18 holds a NUL (`_joined`): the
    rows are then not known to be the identifiers."""
    import numpy as np

    from xinyong.domain._keyloop import FIRM, PERSON

    m = len(plain)
    src = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    skip = np.zeros(0, dtype=np.uint8) if listed is None else listed.astype(np.uint8)
    rid_prefix, uscc_prefix = f"{rid.name}:".encode(), f"{uscc.name}:".encode()
    inner, outer = pseudobatch.hmac_states(key, rid_prefix)
    inner_block = _inner_block(rid_prefix) if one_block else np.zeros(0, dtype=np.uint8)
    block = np.zeros(128, dtype=np.uint8)
    block[: len(uscc_prefix)] = np.frombuffer(uscc_prefix, dtype=np.uint8)
    kind = np.empty(m, dtype=np.int8)
    upper = np.empty((m, 18), dtype=np.uint8)
    hexes = np.empty((m, 64), dtype=np.uint8)
    found = np.empty(m, dtype=np.uint64)
    nul = np.zeros(1, dtype=np.uint8)
    args = (
        skip,
        today.year * 10_000 + today.month * 100 + today.day,
        *_loop_tables(),
        inner,
        outer,
        inner_block,
        len(rid_prefix) % 64,
        block,
        len(uscc_prefix),
        kind,
        upper,
        hexes,
        found,
        nul,
    )
    cores.split(lambda lo, hi: loop(src, stride, lo, hi, *args), m)
    if stride != 18 and nul[0]:
        return None
    if m == len(keys64):
        keys64[:] = found
    else:
        keys64[plain] = found
    at = np.flatnonzero(kind == PERSON)
    if len(at):
        keys.add_group(plain[at], rid_prefix + PSEUDONYM_MARK.encode(), hexes, at)
    at = np.flatnonzero(kind == FIRM)
    if len(at):
        keys.add_group(plain[at], uscc_prefix, upper, at)
    rest: list[int] = plain[kind == 0].tolist()
    return rest


@cache
def _inner_block(prefix: bytes) -> npt.NDArray[np.uint8]:
    """The last block of the HMAC's inner message `ipad-block + prefix + row` (18 bytes), padded
    as SHA-256 pads it, the row left as zeros at `len(prefix) % 64`; empty when the prefix's
    tail, the row and the padding do not fit one block (`key_rows` then buffers as OpenSSL
    does)."""
    import numpy as np

    tail = len(prefix) % 64
    if tail + 18 + 9 > 64:
        return np.zeros(0, dtype=np.uint8)
    size = 64 + len(prefix) + 18
    block = prefix[len(prefix) - tail :] + bytes(18) + b"\x80"
    block += bytes(56 - len(block)) + (8 * size).to_bytes(8, "big")
    return np.frombuffer(block, dtype=np.uint8).copy()


@cache
def _loop_tables() -> tuple[Any, ...]:
    """The schemes' tables as `_keyloop.key_rows` takes them."""
    import numpy as np

    value, org = _uscc_tables()
    month_days = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return (
        _division_table(),
        np.array(_RID_WEIGHTS, dtype=np.int64),
        np.frombuffer(_RID_CHECKS.encode(), dtype=np.uint8),
        np.array(month_days, dtype=np.int64),
        value,
        org,
        np.array(_ORG_WEIGHTS, dtype=np.int64),
        np.frombuffer(_ORG_CHECKS.encode(), dtype=np.uint8),
        np.array(_USCC_WEIGHTS, dtype=np.int64),
        np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8),
    )


@cache
def _compiled_pass() -> Any:
    """`_keyloop.key_rows` when the compiled HMAC loop is usable and, on a sample, the pass
    keys exactly as the numpy pass does; else None (the numpy pass answers)."""
    if not pseudobatch.compiled_available() or os.environ.get("XINYONG_NO_COMPILED_KEYS"):
        return None
    from xinyong.domain._keyloop import key_rows

    if not _agrees(key_rows):
        log.warning("compiled_keys_unusable", reason="differs from the numpy pass")
        return None
    return key_rows


def _agrees(loop: Any) -> bool:
    import json
    import random

    import numpy as np

    from xinyong.domain.identifiers import generate_resident_id, generate_uscc

    rng = random.Random(11)
    rid, uscc = ResidentIdScheme(as_of=date(2026, 1, 1)), UsccScheme()
    schemes = SchemeRegistry([rid, uscc])
    idents = [generate_resident_id(rng, date(1950 + i, 1 + i % 12, 1)) for i in range(8)]
    idents += [generate_uscc(rng).lower() for _ in range(8)] + ["1" * 18, "x" * 18]
    text = "".join(idents)
    plain = np.arange(len(idents), dtype=np.int64)
    key = bytes(range(32))
    keys, keys64 = SubjectKeys(len(idents)), np.zeros(len(idents), dtype=np.uint64)
    try:
        _keys_compiled(
            loop,
            rid,
            uscc,
            text,
            plain,
            listed=None,
            today=date(2026, 1, 1),
            key=key,
            keys=keys,
            keys64=keys64,
        )
    except Exception as exc:  # a loop that cannot link (a libcrypto without a symbol)
        log.warning("compiled_keys_unusable", reason=str(exc))
        return False
    want = subject_keys_slow(schemes, idents, key)
    if list(keys) != list(want.keys) or keys64.tolist() != want.keys64.tolist():
        return False
    valid = keys.valid()
    width = keys._width()
    try:
        out = np.empty(2 + len(valid) * width, dtype=np.uint8)
        array = out[: keys._json_compiled(out, valid, width)].tobytes()
    except Exception as exc:  # a loop that cannot link (no memcpy to call) is not used
        log.warning("compiled_keys_unusable", reason=str(exc))
        return False
    return bool(json.loads(array) == [k for k in want.keys if k is not None])


def _blake64(prefix: bytes, rows: npt.NDArray[np.uint8]) -> bytes:
    """`key64` of `prefix + row` for each row (not a pseudonym: BLAKE2b), from a state that has
    hashed the prefix (a copy costs half a new hash's keyword parsing)."""
    data, width = rows.tobytes(), rows.shape[1]
    start = hashlib.blake2b(prefix, digest_size=8)
    new = start.copy
    out = []
    for at in range(0, len(data), width):
        h = new()
        h.update(data[at : at + width])
        out.append(h.digest())
    return b"".join(out)


def _hex(digests: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """Lower-case hex digits of each row of a byte matrix: one gather of a byte's two digits."""
    import numpy as np

    rows, width = digests.shape
    return _hex_pairs()[digests].view(np.uint8).reshape(rows, 2 * width)


@cache
def _hex_pairs() -> npt.NDArray[np.uint16]:
    import numpy as np

    pairs = b"".join(f"{i:02x}".encode() for i in range(256))
    return np.frombuffer(pairs, dtype="<u2").copy()


def _standard(schemes: SchemeRegistry) -> tuple[ResidentIdScheme, UsccScheme] | None:
    found = list(schemes)
    rid = [s for s in found if type(s) is ResidentIdScheme]
    uscc = [s for s in found if type(s) is UsccScheme]
    if len(found) != 2 or len(rid) != 1 or len(uscc) != 1:
        return None
    return rid[0], uscc[0]


def _checks(
    b: npt.NDArray[np.uint8], today: date
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Which rows are valid resident IDs, which valid USCCs. The matrix is turned to
    (18, n): each character position is then one contiguous vector, and every step one
    operation on whole vectors (a reduction across 18 short rows costs more than the data;
    a BLAS product, threaded, costs more still on a busy machine)."""
    import numpy as np

    c = np.ascontiguousarray(b.T)
    digit = (c >= 48) & (c <= 57)
    d = np.where(digit, c - np.uint8(48), np.uint8(0))
    return _resident_ids(c, d, digit, today), _usccs(c, digit)


def _resident_ids(
    c: npt.NDArray[np.uint8],
    d: npt.NDArray[np.uint8],
    digit: npt.NDArray[np.bool_],
    today: date,
) -> npt.NDArray[np.bool_]:
    import numpy as np

    ok = np.logical_and.reduce(digit[:17]) & (digit[17] | (c[17] == ord("X")))
    # division code, year, month, day: digits 0-5, 6-9, 10-11, 12-13, by place value
    division, y, m, day = (_weighted(d[:14], row) for row in _place_values())
    ok &= _division_table()[division]
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int32)
    last = month_days[np.clip(m, 0, 12)] + ((m == 2) & leap)
    ok &= (y >= 1) & (m >= 1) & (m <= 12) & (day >= 1) & (day <= last)
    born = y * 10_000 + m * 100 + day
    ok &= born <= today.year * 10_000 + today.month * 100 + today.day
    total = _weighted(d[:17], _RID_WEIGHTS) % 11
    checks = np.frombuffer(_RID_CHECKS.encode(), dtype=np.uint8)
    ok &= checks[total] == c[17]
    return np.asarray(ok, dtype=bool)


def _usccs(c: npt.NDArray[np.uint8], digit: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    import numpy as np

    value, org = _uscc_tables()
    v = value[c]
    ok = np.logical_and.reduce(v >= 0) & np.logical_and.reduce(digit[2:8])
    org_total = _weighted(org[c[8:16]], _ORG_WEIGHTS) % 11
    org_checks = np.frombuffer(_ORG_CHECKS.encode(), dtype=np.uint8)
    ok &= org_checks[11 - org_total] == c[16]
    total = _weighted(np.maximum(v[:17], np.int8(0)), _USCC_WEIGHTS) % 31
    alphabet = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
    ok &= alphabet[(31 - total) % 31] == c[17]
    return np.asarray(ok, dtype=bool)


@cache
def _uscc_tables() -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int8]]:
    import numpy as np

    # one byte a character: the gathers and sums then move a quarter of the data
    value = np.full(256, -1, dtype=np.int8)
    for i, ch in enumerate(USCC_ALPHABET):
        value[ord(ch)] = i
    org = np.zeros(256, dtype=np.int8)
    for i, ch in enumerate(_ORG_ALPHABET):
        org[ord(ch)] = i
    return value, org


@cache
def _place_values() -> tuple[tuple[int, ...], ...]:
    """Weights of the 14 leading digits giving the division code, year, month and day."""
    out = []
    for start, stop in [(0, 6), (6, 10), (10, 12), (12, 14)]:
        out.append(tuple(10 ** (stop - 1 - j) if start <= j < stop else 0 for j in range(14)))
    return tuple(out)


def _weighted(rows: npt.NDArray[Any], weights: Sequence[int]) -> npt.NDArray[np.int32]:
    """Σ weights[j] · rows[j], a vector operation per non-zero weight."""
    import numpy as np

    out = np.zeros(rows.shape[1], dtype=np.int32)
    for j, w in enumerate(weights):
        if w:
            out += rows[j] * np.int32(w)
    return out


@cache
def _division_table() -> npt.NDArray[np.bool_]:
    """Indexed by a six-digit number: whether it is a division code."""
    import numpy as np

    table = np.zeros(1_000_000, dtype=bool)
    table[[int(c) for c in division_codes()]] = True
    return table


def subject_keys_slow(schemes: SchemeRegistry, identifiers: Sequence[str], key: bytes) -> Keyed:
    """One by one, with the schemes' own checks (each distinct identifier once)."""
    import numpy as np

    keys: list[str | None] = []
    errors: dict[int, IdentifierError] = {}
    seen: dict[str, str | IdentifierError] = {}
    for i, identifier in enumerate(identifiers):
        found = seen.get(identifier)
        if found is None:
            scheme = scheme_of(schemes, identifier)
            if isinstance(scheme, IdentifierError):
                found = scheme
            else:
                found = subject_key(scheme, scheme.validate(identifier), key)
            seen[identifier] = found
        if isinstance(found, IdentifierError):
            errors[i] = found
            keys.append(None)
        else:
            keys.append(found)
    keys64 = np.fromiter((key64(k) if k else 0 for k in keys), dtype=np.uint64, count=len(keys))
    return Keyed(keys, keys64, errors)
