"""The decision log: every check, one JSON line, durable before the answer is given.

A batch check (one relying party, purpose and action, at one time, about many subjects) is one
line too (`render_batch`, or `render_batch_into` writing the same bytes in place): the subject
keys as one array and each distinct answer with the positions that got it; readers see it
through `expand` as the lines of one check each, so a subject's view, an auditor's filter and a
correction's reach find batch-checked subjects as they find single checks. The line is durable
before the batch's answer is given, like any.

Who asked, why, as which audience (what they were shown), about whom (the pseudonymous key), for
which action and date, and the answer. A check's line is on disk (written and fsynced) before
the check returns, so no answer is ever given that the log could lose, and no line is dropped.

An fsync costs far more than a check (on the build machine ≈ 0.15 ms median and ≈ 5 ms at the
99th percentile, against tens of microseconds for the check), so lines are *group committed*
(`mode="group"`, the default): callers queue their lines and wait; one writer thread takes
everything queued, writes it with one `write` and makes it durable with one `fdatasync`, then
wakes the callers whose lines that was. Under load a group holds every line that arrived
during the previous fsync, so the cost per line falls as load rises, and a lone check waits one
fsync, as with `mode="line"` (write and fsync under a lock, in the caller's thread), which is
kept for comparison (`benchmarks/check.py` measures both). Groups are written in the order they
were queued, so a line acknowledged implies every line queued before it is on disk.

Lines go through one file descriptor opened with `O_APPEND` and each group is one `write` of
whole lines, so processes sharing the file (server workers, a checker beside a server) never
interleave within a line. If a write or fsync fails, the callers waiting on it get a
`LedgerError` (their answers are not given) and the log refuses further lines: what reached
the disk is then unknown, and guessing could lose or repeat lines.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import structlog

from xinyong.errors import LedgerError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

log = structlog.get_logger(__name__)

Mode = Literal["group", "line"]
# a line: bytes, or a view of the buffer a batch's line was written into (`render_batch_into`)
Line = bytes | memoryview


def render(
    *,
    at: datetime,
    subject_key: str,
    action: str,
    outcome: str,
    as_of: date,
    pack_version: str,
    asked_by: str | None,
    purpose: str | None,
    measures: list[str],
    audience: str | None = None,
    records: list[int] | None = None,
) -> bytes:
    line: dict[str, object] = {
        "asked_at": at.isoformat(),
        "asked_by": asked_by,
        "purpose": purpose,
        "audience": audience,
        "subject_key": subject_key,
        "action": action,
        "as_of": as_of.isoformat(),
        "outcome": outcome,
        "measures": measures,
        "pack_version": pack_version,
    }
    if records is not None:
        # the ledger seqs of the records the decision rested on: a correction of one of them
        # lists this decision and tells whoever received it (dueprocess/reach.py). Lines from
        # the hot file carry none (it keeps outcomes, not anchors): reach counts every adverse
        # or reward decision about the subject among them.
        line["records"] = records
    return (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _batch_head(
    *,
    at: datetime,
    action: str,
    as_of: date,
    pack_version: str,
    asked_by: str | None,
    purpose: str | None,
    audience: str | None,
    otherwise: tuple[str, list[str]],
) -> str:
    """`render_batch`'s line up to its first answer: the fields, then `"batch":{"otherwise":…,
    "answers":[`."""
    fields = _batch_fields(
        at=at,
        asked_by=asked_by,
        purpose=purpose,
        audience=audience,
        action=action,
        as_of=as_of,
        pack_version=pack_version,
    )
    batch = {"otherwise": {"outcome": otherwise[0], "measures": otherwise[1]}, "answers": []}
    dumps = json.dumps
    text = dumps(fields, ensure_ascii=False, separators=(",", ":"))[:-1]
    return text + ',"batch":' + dumps(batch, ensure_ascii=False, separators=(",", ":"))[:-2]


def _batch_fields(
    *,
    at: datetime,
    asked_by: str | None,
    purpose: str | None,
    audience: str | None,
    action: str,
    as_of: date,
    pack_version: str,
) -> dict[str, object]:
    """A batch line's fields before its `batch`, in the order they are written."""
    return {
        "asked_at": at.isoformat(),
        "asked_by": asked_by,
        "purpose": purpose,
        "audience": audience,
        "action": action,
        "as_of": as_of.isoformat(),
        "pack_version": pack_version,
    }


@lru_cache(maxsize=4096)
def _answer_head(outcome: str, measures: tuple[str, ...]) -> bytes:
    """An answer of a batch line up to its positions: `{"outcome":…,"measures":[…],"at":[`."""
    found = {"outcome": outcome, "measures": list(measures), "at": []}
    return json.dumps(found, ensure_ascii=False, separators=(",", ":"))[:-2].encode("utf-8")


_KEYS = b'],"subject_keys":'
_END = b"}}\n"


def render_batch(
    *,
    at: datetime,
    action: str,
    as_of: date,
    pack_version: str,
    asked_by: str | None,
    purpose: str | None,
    audience: str | None,
    subject_keys: bytes,
    answers: Sequence[tuple[str, list[str], list[int]]],
    otherwise: tuple[str, list[str]] = ("allow", []),
) -> bytes:
    """One line for a batch check: one relying party, purpose, action and time, many subjects.

    `subject_keys` is the JSON array of the keys asked about, in order; `answers` gives, for
    each distinct answer other than `otherwise`, its outcome, measures and the positions in
    that array of the subjects that got it. `expand` turns the line back into the lines one
    check per subject would have written, which is what every reader sees."""
    fields = _batch_fields(
        at=at,
        asked_by=asked_by,
        purpose=purpose,
        audience=audience,
        action=action,
        as_of=as_of,
        pack_version=pack_version,
    )
    batch = {
        "otherwise": {"outcome": otherwise[0], "measures": otherwise[1]},
        "answers": [{"outcome": o, "measures": m, "at": where} for o, m, where in answers],
    }
    dumps = json.dumps
    text = dumps(fields, ensure_ascii=False, separators=(",", ":"))[:-1]
    text += ',"batch":' + dumps(batch, ensure_ascii=False, separators=(",", ":"))[:-1]
    # the keys last: the bulk of the line, rendered by the caller in one piece
    return text.encode("utf-8") + b',"subject_keys":' + subject_keys + b"}}\n"


def render_batch_into(
    *,
    at: datetime,
    action: str,
    as_of: date,
    pack_version: str,
    asked_by: str | None,
    purpose: str | None,
    audience: str | None,
    verdict: npt.NDArray[np.int64],
    answer: Callable[[int], tuple[str, tuple[str, ...]]],
    keys_size: int,
    keys_room: int,
    write_keys: Callable[[npt.NDArray[np.uint8]], int],
    otherwise: tuple[str, list[str]] = ("allow", []),
) -> memoryview:
    """`render_batch`'s line, byte for byte, written straight into the buffer that is appended
    (no concatenation of the keys' megabytes, no grouping in numpy): `verdict[p]` is the answer
    of the key at position p (-1: `otherwise`), `answer(v)` its outcome and measures;
    `write_keys(out)` writes the keys' JSON array (`keys_size` bytes, with room for
    `keys_room`) at `out[0:]`. Compiled loops (`domain._keyloop`) group and write the positions.
    """
    import numpy as np

    from xinyong.domain._keyloop import group_positions, write_groups

    count = int(verdict.max()) + 1 if len(verdict) else 0
    order, counts, chars = group_positions(verdict, count)
    present = np.flatnonzero(counts).tolist()
    heads = [_answer_head(*answer(v)) for v in present]
    head = _batch_head(
        at=at,
        action=action,
        as_of=as_of,
        pack_version=pack_version,
        asked_by=asked_by,
        purpose=purpose,
        audience=audience,
        otherwise=otherwise,
    ).encode("utf-8")
    # each answer: its head, its positions (`chars` counts a comma each), `]}`, a comma between
    answers = sum(map(len, heads)) + int(chars.sum()) + 2 * len(present) - 1 if present else 0
    keys_at = len(head) + answers + len(_KEYS)
    size = keys_at + keys_size + len(_END)
    buf = np.empty(max(size, keys_at + keys_room), dtype=np.uint8)
    out = memoryview(buf)  # type: ignore[arg-type]
    out[: len(head)] = head
    pos = len(head)
    starts = np.zeros(count, dtype=np.int64)
    for j, (v, piece) in enumerate(zip(present, heads, strict=True)):
        if j:
            out[pos] = 44  # ,
            pos += 1
        out[pos : pos + len(piece)] = piece
        pos += len(piece)
        starts[v] = pos
        pos += int(chars[v]) - 1
        out[pos : pos + 2] = b"]}"
        pos += 2
    write_groups(buf, order, counts, starts)
    out[pos : pos + len(_KEYS)] = _KEYS
    if pos + len(_KEYS) != keys_at or write_keys(buf[keys_at:]) != keys_size:
        raise RuntimeError("a batch line's parts are not the sizes reckoned")
    out[size - len(_END) : size] = _END
    return out[:size]


_ORDER = ("asked_at", "asked_by", "purpose", "audience")
_AFTER = ("action", "as_of")


def expand(line: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The lines of one check each that a decision log line stands for: itself, or a batch
    line's one per subject (as `render` writes them, in the batch's order)."""
    batch = line.get("batch")
    if not isinstance(batch, dict):
        yield line
        return
    keys = batch["subject_keys"]
    answer = [(batch["otherwise"]["outcome"], batch["otherwise"]["measures"])] * len(keys)
    for a in batch["answers"]:
        for i in a["at"]:
            answer[i] = (a["outcome"], a["measures"])
    head = {k: line.get(k) for k in _ORDER}
    middle = {k: line.get(k) for k in _AFTER}
    for key, (outcome, measures) in zip(keys, answer, strict=True):
        yield {
            **head,
            "subject_key": key,
            **middle,
            "outcome": outcome,
            "measures": list(measures),
            "pack_version": line.get("pack_version"),
        }


class DecisionLog:
    """Appends lines to the decision log file, each durable before `append` returns."""

    def __init__(
        self,
        path: Path,
        *,
        mode: Mode = "group",
        fsync: Callable[[int], None] = os.fdatasync,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.mode = mode
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        self._fsync = fsync
        self._cond = threading.Condition()
        self._queue: list[Line] = []
        self._queued = 0  # lines ever queued
        self._durable = 0  # lines ever made durable (a prefix of the queued ones)
        self._failed: str | None = None
        self._closing = False
        self._thread: threading.Thread | None = None
        # callers on an event loop (the server's checks) wait on a future instead of a thread
        self._futures: list[tuple[int, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self.groups = 0  # fsyncs done: lines / groups is the mean group size

    def write(self, **fields: object) -> None:
        """One check's line (the fields of `render`), durable on return."""
        self.append([render(**fields)])  # type: ignore[arg-type]

    def append(self, lines: Sequence[Line]) -> None:
        """Append whole lines (each ending in a newline), durable on return."""
        if not lines:
            return
        if self.mode == "line":
            self._append_now(lines)
            return
        with self._cond:
            mine = self._enqueue(lines)
            while self._durable < mine:
                self._refuse_if_failed()
                self._cond.wait()

    async def append_async(self, lines: Sequence[Line]) -> None:
        """`append` for a caller on an event loop: the loop serves other requests while the
        group is written and synced (in `mode="line"`, in a thread)."""
        if not lines:
            return
        loop = asyncio.get_running_loop()
        if self.mode == "line":
            await loop.run_in_executor(None, self._append_now, lines)
            return
        future: asyncio.Future[None] = loop.create_future()
        with self._cond:
            mine = self._enqueue(lines)
            self._futures.append((mine, loop, future))
        await future

    def _enqueue(self, lines: Sequence[Line]) -> int:
        """Queue lines (holding `_cond`); the number the last of them will have."""
        self._refuse_if_failed()
        if self._closing:
            raise LedgerError(f"decision log {self.path} is closed")
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="decision-log", daemon=True)
            self._thread.start()
        self._queue.extend(lines)
        self._queued += len(lines)
        self._cond.notify_all()
        return self._queued

    def _wake(self) -> None:
        """Settle the futures of lines now durable, or of every line if the log failed
        (holding `_cond`). One call into each waiting loop settles all its futures: each
        `call_soon_threadsafe` wakes the loop with a write to its self-pipe, a system call
        that under 32 connections was paid once per waiting request."""
        failed = self._failed
        keep = []
        done: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
        for mine, loop, future in self._futures:
            if failed is None and mine > self._durable:
                keep.append((mine, loop, future))
            else:
                done.setdefault(loop, []).append(future)
        self._futures = keep
        error = None
        if failed is not None:
            error = f"decision log {self.path} failed ({failed}); not answering"
        for loop, futures in done.items():
            with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits
                loop.call_soon_threadsafe(_settle, futures, error)

    def _refuse_if_failed(self) -> None:
        if self._failed is not None:
            raise LedgerError(f"decision log {self.path} failed ({self._failed}); not answering")

    def _append_now(self, lines: Sequence[Line]) -> None:
        with self._cond:
            self._refuse_if_failed()
            try:
                self._write_all(_joined(lines))
                self._fsync(self._fd)
            except OSError as exc:
                self._failed = str(exc)
                raise LedgerError(f"decision log {self.path}: {exc}") from exc
            self._durable += len(lines)
            self.groups += 1

    def _write_all(self, data: Line) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closing:
                    self._cond.wait()
                if not self._queue:  # closing, nothing left
                    return
                group, self._queue = self._queue, []
                upto = self._queued
            try:
                self._write_all(_joined(group))
                self._fsync(self._fd)
            except OSError as exc:
                with self._cond:
                    self._failed = str(exc)
                    self._wake()
                    self._cond.notify_all()
                return
            with self._cond:
                self._durable = upto
                self.groups += 1
                self._wake()
                self._cond.notify_all()

    def close(self) -> None:
        """Make everything queued durable, then close the file."""
        with self._cond:
            if self._closing:
                return
            self._closing = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join()
        os.close(self._fd)
        # lines per fsync is what group commit buys under load: worth seeing for a server
        log.info("decision_log.closed", path=str(self.path), lines=self._durable, syncs=self.groups)


def _joined(lines: Sequence[Line]) -> Line:
    """The lines as one buffer: a lone line as it is (a batch's is megabytes: no copy)."""
    return lines[0] if len(lines) == 1 else b"".join(lines)


def _settle(futures: list[asyncio.Future[None]], error: str | None) -> None:
    for future in futures:
        if future.done():  # the caller went away (a cancelled request): the line is written
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(LedgerError(error))  # one each: a raised error gains a traceback


@dataclass(frozen=True)
class LogFilter:
    """Which decision-log lines to return; None matches anything."""

    subject_key: str | None = None
    action: str | None = None
    outcome: str | None = None
    asked_by: str | None = None
    since: datetime | None = None
    until: datetime | None = None
