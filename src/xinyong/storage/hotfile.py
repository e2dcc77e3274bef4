"""The hot decision file: the decision index compacted for relying parties' checks.

One file beside the ledger (`<database>.hot`), memory-mapped by every process that answers
checks, so server workers and other processes share one copy in the page cache and none needs
DuckDB (whose file lock admits one writing process and no reader beside it). It holds, for
every subject with at least one decision row, a 64-bit key and one outcome code per action
(`CODES`): 8 bytes + one byte per action (38 bytes with today's 30 actions). Subjects without a
row are allowed everything with no measure, which is what the file answers for a key it does
not hold. What a relying party is shown for an adverse (or rewarding) outcome — the measures
with their legal basis, the objection route — is pre-rendered once per distinct answer
(a *verdict*) in a side section read only for those cells, with the subject's full key, so a
64-bit key shared by two subjects (or by an asked key the file does not hold) is told apart
there: an allow needs no such check, since a missing row means allow too.

Layout (little-endian, sections 64-byte aligned, after the header):

    MAGIC (8) | header length (u64) | header: a note signed by the log's key | pad
    keys      u64[n]     sorted (equal keys, if any, adjacent)
    codes     u8[n, A]   A = the header's actions, in its order
    cells     u64[m]     row * A + action, sorted: the cells whose code is not 0
    verdicts  u32[m]     the verdict of each cell
    key_off   u64[n+1]   the rows' full subject keys (UTF-8) in `key_text`
    verd_off  u64[v+1]   the verdicts' rendered bytes in `verd_text`

The header (`HotHeader`, `xinyong-hot-index-v1`) binds the file to the sealed decision index
it was built from — ledger size and root, pack version, date, the index's row digest — and
carries the SHA-256 of every byte after it; it is signed with the log's key, so whoever can
write the file but not read the key can neither forge a header nor change a byte of a signed
one. `HotFile.open` checks both before anything is read. Files are written to a temporary name,
fsynced and renamed: a reader sees the old file or the whole new one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import mmap
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from xinyong.domain.pseudonym import key64
from xinyong.errors import LedgerError, TamperDetected

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

HOT_TAG = "xinyong-hot-index-v1"
MAGIC = b"XYHOT01\n"
ALIGN = 64
SECTIONS = ("keys", "codes", "cells", "verdicts", "key_off", "key_text", "verd_off", "verd_text")
# the code of a cell: 0 is what a subject with no decision row gets (allow, no measure); any
# other code has a verdict. ALLOW_WITH_ROWS: rows whose outcomes add up to allow (none today).
ALLOW, RESTRICT, REWARD, ALLOW_WITH_ROWS = 0, 1, 2, 3
CODES = {"allow": ALLOW, "restrict": RESTRICT, "reward": REWARD}
OUTCOMES = ("allow", "restrict", "reward", "allow")
REBUILD = "run `xinyong evaluate` to rebuild the decision index"


class Signer(Protocol):
    origin: str

    def sign_statement(self, body: str) -> str: ...


class Opener(Protocol):
    origin: str

    def open_statement(self, text: str, source: str) -> str: ...


@dataclass(frozen=True)
class HotBinding:
    """What the file was derived from: the sealed decision index of ledger `size` (root
    `root`), pack `pack_version`, as of `as_of`, whose rows have digest `index_digest`."""

    origin: str
    size: int
    root: bytes
    pack_version: str
    as_of: date
    index_digest: str


@dataclass(frozen=True)
class HotHeader:
    binding: HotBinding
    body_digest: str
    actions: tuple[str, ...]
    subjects: int
    cells: int
    verdicts: int
    sections: dict[str, tuple[int, int]]  # name -> (offset from the body's start, bytes)

    def body(self) -> str:
        b = self.binding
        layout = {
            "actions": list(self.actions),
            "subjects": self.subjects,
            "cells": self.cells,
            "verdicts": self.verdicts,
            "sections": {k: list(v) for k, v in self.sections.items()},
        }
        return (
            f"{HOT_TAG}\n{b.origin}\n{b.size}\n{base64.b64encode(b.root).decode('ascii')}\n"
            f"{b.pack_version}\n{b.as_of.isoformat()}\n{b.index_digest}\n{self.body_digest}\n"
            f"{json.dumps(layout, separators=(',', ':'), sort_keys=True)}\n"
        )

    @classmethod
    def parse(cls, body: str, source: str) -> HotHeader:
        lines = body.split("\n")
        if len(lines) != 10 or lines[0] != HOT_TAG:
            raise TamperDetected(f"{source}: not a {HOT_TAG} header; {REBUILD}")
        origin, size, root, pack_version, as_of, index_digest, body_digest, layout = lines[1:9]
        try:
            found = json.loads(layout)
            binding = HotBinding(
                origin,
                int(size),
                base64.b64decode(root, validate=True),
                pack_version,
                date.fromisoformat(as_of),
                index_digest,
            )
            sections = {k: (int(v[0]), int(v[1])) for k, v in found["sections"].items()}
            header = cls(
                binding,
                body_digest,
                tuple(str(a) for a in found["actions"]),
                int(found["subjects"]),
                int(found["cells"]),
                int(found["verdicts"]),
                sections,
            )
        except (binascii.Error, ValueError, KeyError, TypeError, IndexError) as exc:
            raise TamperDetected(f"{source}: malformed header ({exc}); {REBUILD}") from None
        if set(sections) != set(SECTIONS):
            raise TamperDetected(f"{source}: header names the wrong sections; {REBUILD}")
        return header


def _pad(n: int) -> int:
    return -n % ALIGN


def write(
    path: Path,
    *,
    binding: HotBinding,
    actions: Sequence[str],
    subjects: Sequence[str],
    codes: npt.NDArray[np.uint8],
    cells: npt.NDArray[np.uint64],
    cell_verdicts: npt.NDArray[np.uint32],
    verdicts: Sequence[bytes],
    signer: Signer,
) -> None:
    """Write the file for `subjects` (full keys, row order of `codes`, shape (n, A)); `cells`
    are `row * A + action` of every cell whose code is not 0, in any order, with its verdict
    index. Rows are sorted by 64-bit key here. Atomic: temporary file, fsync, rename."""
    import numpy as np

    n, width = len(subjects), len(actions)
    if codes.shape != (n, width):
        raise ValueError(f"codes must be ({n}, {width}), got {codes.shape}")
    keys = np.fromiter((key64(s) for s in subjects), dtype=np.uint64, count=n)
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    codes = np.ascontiguousarray(codes[order], dtype=np.uint8)
    # a cell's row moves with its subject
    new_row = np.empty(n, dtype=np.uint64)
    new_row[order] = np.arange(n, dtype=np.uint64)
    cells = cells.astype(np.uint64)
    rows, cols = cells // np.uint64(max(width, 1)), cells % np.uint64(max(width, 1))
    cells = new_row[rows.astype(np.int64)] * np.uint64(width) + cols if n else cells
    by_cell = np.argsort(cells, kind="stable")
    cells, cell_verdicts = cells[by_cell], cell_verdicts.astype(np.uint32)[by_cell]
    key_bytes = [subjects[i].encode("utf-8") for i in order.tolist()]
    parts = {
        "keys": keys.tobytes(),
        "codes": codes.tobytes(),
        "cells": cells.tobytes(),
        "verdicts": cell_verdicts.tobytes(),
        "key_off": _offsets(key_bytes),
        "key_text": b"".join(key_bytes),
        "verd_off": _offsets(verdicts),
        "verd_text": b"".join(verdicts),
    }
    body = bytearray()
    sections: dict[str, tuple[int, int]] = {}
    for name in SECTIONS:
        data = parts[name]
        sections[name] = (len(body), len(data))
        body += data + bytes(_pad(len(data)))
    header = HotHeader(
        binding,
        "sha256:" + hashlib.sha256(body).hexdigest(),
        tuple(actions),
        n,
        len(cells),
        len(verdicts),
        sections,
    )
    text = signer.sign_statement(header.body()).encode("utf-8")
    head = MAGIC + len(text).to_bytes(8, "little") + text
    _write_atomic(path, [head, bytes(_pad(len(head))), bytes(body)])


def _offsets(items: Sequence[bytes]) -> bytes:
    import numpy as np

    out = np.zeros(len(items) + 1, dtype=np.uint64)
    if items:
        out[1:] = np.cumsum(np.fromiter((len(b) for b in items), np.uint64, len(items)))
    return out.tobytes()


def _write_atomic(path: Path, chunks: Sequence[bytes]) -> None:
    from xinyong.storage.checkpoints import fsync_dir

    temp = path.parent / f".tmp-{path.name}-{os.getpid()}-{os.urandom(4).hex()}"
    try:
        with temp.open("xb") as fh:
            for chunk in chunks:
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


# device, inode, size, mtime, ctime (ns). The ctime changes with any write and cannot be set
# back (unlike the mtime), so a file edited in place is noticed at the next check and opened,
# and checked, again.
FileId = tuple[int, int, int, int, int]


def file_id(st: os.stat_result) -> FileId:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class HotFile:
    """An open, checked hot file: its header and numpy views of its sections (no copy)."""

    def __init__(self, path: Path, opener: Opener) -> None:
        import numpy as np

        self.path = path
        source = f"hot decision file {path}"
        try:
            with path.open("rb") as fh:
                self.id = file_id(os.fstat(fh.fileno()))
                self._mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as exc:  # ValueError: an empty file cannot be mapped
            raise LedgerError(f"cannot read {source}: {exc}") from exc
        mm = self._mm
        if len(mm) < 16 or mm[:8] != MAGIC:
            raise TamperDetected(f"{source}: not a hot decision file; {REBUILD}")
        size = int.from_bytes(mm[8:16], "little")
        if size > len(mm) - 16:
            raise TamperDetected(f"{source}: truncated header; {REBUILD}")
        try:
            text = mm[16 : 16 + size].decode("utf-8")
            body = opener.open_statement(text, source)
        except (UnicodeDecodeError, TamperDetected) as exc:
            raise TamperDetected(
                f"{source}: signature does not verify ({exc}); {REBUILD}"
            ) from None
        self.header = h = HotHeader.parse(body, source)
        if h.binding.origin != opener.origin:
            raise TamperDetected(f"{source}: built for log {h.binding.origin!r}; {REBUILD}")
        start = 16 + size + _pad(16 + size)
        view = memoryview(mm)[start:]
        if "sha256:" + hashlib.sha256(view).hexdigest() != h.body_digest:
            raise TamperDetected(f"{source}: contents differ from the signed digest; {REBUILD}")

        def section(name: str, dtype: Any, count: int) -> Any:
            offset, length = h.sections[name]
            itemsize = np.dtype(dtype).itemsize
            if length != count * itemsize or offset + length > len(view):
                raise TamperDetected(f"{source}: section {name} has the wrong size; {REBUILD}")
            return np.frombuffer(mm, dtype=dtype, count=count, offset=start + offset)

        n, width = h.subjects, len(h.actions)
        self.keys: npt.NDArray[np.uint64] = section("keys", "<u8", n)
        self.codes: npt.NDArray[np.uint8] = section("codes", "u1", n * width).reshape(n, width)
        self.cells: npt.NDArray[np.uint64] = section("cells", "<u8", h.cells)
        self.cell_verdicts: npt.NDArray[np.uint32] = section("verdicts", "<u4", h.cells)
        self.key_off: npt.NDArray[np.uint64] = section("key_off", "<u8", n + 1)
        self.verd_off: npt.NDArray[np.uint64] = section("verd_off", "<u8", h.verdicts + 1)
        self._key_text = start + h.sections["key_text"][0]
        self.key_bytes: npt.NDArray[np.uint8] = np.frombuffer(
            mm, dtype=np.uint8, count=h.sections["key_text"][1], offset=self._key_text
        )
        self._directory: tuple[int, npt.NDArray[np.int64]] | None = None
        self._cell_directory: tuple[int, npt.NDArray[np.int64]] | None = None
        self._verd_text = start + h.sections["verd_text"][0]
        self.column = {a: i for i, a in enumerate(h.actions)}
        self.width = width
        self._searchsorted = self.keys.searchsorted
        self._u64 = np.uint64
        # equal 64-bit keys (two subjects colliding) sit side by side; batches then look closer
        self.has_duplicates = bool(n > 1 and (self.keys[1:] == self.keys[:-1]).any())

    def _bucket_directory(self) -> tuple[int, npt.NDArray[np.int64]]:
        """Where the rows whose keys share their top bits start: (shift, starts). Built on a
        batch's first use (≈ 20 ms at 2M keys, 8 bytes per bucket); single checks need none."""
        import numpy as np

        found = self._directory
        if found is None:
            n = len(self.keys)
            # about one key per bucket: a key is found in one or two probes
            bits = min(max(n.bit_length(), 1), 24)
            shift = 64 - bits
            top = (self.keys >> np.uint64(shift)).astype(np.intp)
            starts = np.zeros((1 << bits) + 1, dtype=np.int64)
            np.cumsum(np.bincount(top, minlength=1 << bits), out=starts[1:])
            found = self._directory = (shift, starts)
        return found

    def locate(self, keys64: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        """For each key, the first row whose key is not less (`len(keys)` if none), as
        `keys.searchsorted` gives, through the bucket directory: a binary search per key costs
        ≈ 20 dependent reads of the mapped array, a bucket one or two independent ones."""
        import numpy as np

        shift, starts = self._bucket_directory()
        top = (keys64 >> np.uint64(shift)).astype(np.intp)
        at = starts[top]
        end = starts[top + 1]
        active = np.flatnonzero(at < end)
        keys = self.keys
        while len(active):
            less = keys[at[active]] < keys64[active]
            active = active[less]
            at[active] += 1
            active = active[at[active] < end[active]]
        return at

    def codes_of(
        self, keys64: npt.NDArray[np.uint64], column: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8]]:
        """For each key, the row holding it (0 where none) and its code in `column` (0 where
        none): compiled and split over the cores when numba is installed, else `locate` and
        gathers."""
        import numpy as np

        n = len(self.keys)
        if not n:
            return np.zeros(len(keys64), dtype=np.int64), np.zeros(len(keys64), dtype=np.uint8)
        loop = _compiled_lookup()
        if loop is None:
            at = self.locate(keys64)
            hit = at < n
            hit[hit] = self.keys[at[hit]] == keys64[hit]
            at = np.where(hit, at, 0)
            codes = np.where(hit, self.codes[at, column], 0).astype(np.uint8)
            return at, codes
        from xinyong.domain import cores

        shift, starts = self._bucket_directory()
        at = np.empty(len(keys64), dtype=np.int64)
        codes = np.empty(len(keys64), dtype=np.uint8)
        keys, table, wanted = self.keys, self.codes, np.ascontiguousarray(keys64, dtype=np.uint64)
        shift64 = np.uint64(shift)

        def run(lo: int, hi: int) -> None:
            loop(wanted, shift64, starts, keys, table, column, at, codes, lo, hi)

        cores.split(run, len(keys64))
        return at, codes

    def cell_directory(self) -> tuple[int, npt.NDArray[np.int64]]:
        """Where the cells whose value (`row * width + column`) shares its top bits start:
        (shift, starts), about 32 cells a bucket, at most 2**20 buckets. Built on a batch's
        first use (one sorted search of the cells, ≈ 0.1–0.2 s at 33M cells); a cell is then
        found among a few neighbours instead of by a search of them all."""
        import numpy as np

        found = self._cell_directory
        if found is None:
            top = max(len(self.keys) * self.width - 1, 0)
            bits = min(max((len(self.cells) // 32).bit_length(), 1), 20)
            shift = max(top.bit_length() - bits, 0)
            bounds = np.arange((top >> shift) + 2, dtype=np.uint64) << np.uint64(shift)
            starts = self.cells.searchsorted(bounds).astype(np.int64)
            found = self._cell_directory = (shift, starts)
        return found

    def answers_of(
        self, keys64: npt.NDArray[np.uint64], column: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8], npt.NDArray[np.int64]] | None:
        """`codes_of`, and the verdict of each key's cell where its code is not 0 (-1 where it
        is 0), in one compiled loop split over the cores (`_hotloop.answer_rows`); None without
        it. Raises `TamperDetected` where a cell with a code has no verdict."""
        import numpy as np

        loop = _compiled_answers()
        if loop is None or not len(self.keys):
            return None
        from xinyong.domain import cores

        shift, starts = self._bucket_directory()
        cell_shift, cell_starts = self.cell_directory()
        m = len(keys64)
        at = np.empty(m, dtype=np.int64)
        codes = np.empty(m, dtype=np.uint8)
        verdict = np.empty(m, dtype=np.int64)
        keys, table, wanted = self.keys, self.codes, np.ascontiguousarray(keys64, dtype=np.uint64)
        cells, cell_verdicts = self.cells, self.cell_verdicts
        shift64, cell_shift64 = np.uint64(shift), np.uint64(cell_shift)

        def run(lo: int, hi: int) -> None:
            loop(
                wanted,
                shift64,
                starts,
                keys,
                table,
                column,
                cells,
                cell_shift64,
                cell_starts,
                cell_verdicts,
                at,
                codes,
                verdict,
                lo,
                hi,
            )

        cores.split(run, m)
        if m and int(verdict.min()) < -1:
            raise TamperDetected(f"hot decision file {self.path}: a cell has no verdict")
        return at, codes, verdict

    def full_key(self, row: int) -> str:
        a, b = int(self.key_off[row]), int(self.key_off[row + 1])
        return self._mm[self._key_text + a : self._key_text + b].decode("utf-8")

    def verdict_of(self, row: int, column: int) -> int:
        """The verdict index of a cell whose code is not 0."""
        cell = row * self.width + column
        # a numpy scalar of the array's type: a Python int would make numpy convert the whole
        # array for the comparison (≈ 1 ms at a million cells)
        i = int(self.cells.searchsorted(self._u64(cell)))
        if i >= len(self.cells) or int(self.cells[i]) != cell:
            raise TamperDetected(f"hot decision file {self.path}: a cell has no verdict")
        return int(self.cell_verdicts[i])

    def verdict_bytes(self, index: int) -> bytes:
        a, b = int(self.verd_off[index]), int(self.verd_off[index + 1])
        return self._mm[self._verd_text + a : self._verd_text + b]

    def find(self, k: int, subject_key: str, column: int) -> tuple[int, int]:
        """(code, row) of `subject_key` (64-bit key `k`) for the action in `column`; code 0
        (row -1 when the file holds no row for it) means allow with no measure."""
        keys = self.keys
        i = int(self._searchsorted(self._u64(k)))
        n = len(keys)
        codes = self.codes
        while i < n and int(keys[i]) == k:
            code = int(codes[i, column])
            # an allow is the same answer as no row; anything else is checked against the full
            # key, which tells a 64-bit collision apart
            if code and self.full_key(i) == subject_key:
                return code, i
            i += 1
        return ALLOW, -1


@cache
def _compiled_lookup() -> Any:
    """`_hotloop.lookup_rows`, or None without numba (the `batch` extra) or when
    XINYONG_NO_COMPILED_KEYS is set (tests of the numpy form)."""
    if os.environ.get("XINYONG_NO_COMPILED_KEYS"):
        return None
    try:
        from xinyong.storage._hotloop import lookup_rows
    except ImportError:
        return None
    return lookup_rows


@cache
def _compiled_answers() -> Any:
    """`_hotloop.answer_rows`, or None as for `_compiled_lookup`."""
    if os.environ.get("XINYONG_NO_COMPILED_KEYS"):
        return None
    try:
        from xinyong.storage._hotloop import answer_rows
    except ImportError:
        return None
    return answer_rows
