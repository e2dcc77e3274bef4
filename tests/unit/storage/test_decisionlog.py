"""The decision log's group commit: a line is on disk before `append` returns, groups keep the
order lines were queued in, a failed fsync refuses the answer, and a process killed mid-stream
loses no line it acknowledged."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from xinyong.errors import LedgerError
from xinyong.storage import decisionlog
from xinyong.storage.decisionlog import DecisionLog, expand, render, render_batch


def _line(i: int) -> bytes:
    return json.dumps({"n": i}).encode() + b"\n"


@pytest.mark.parametrize("mode", ["group", "line"])
def test_acknowledged_lines_are_synced_in_order(tmp_path: Path, mode: str) -> None:
    path = tmp_path / "log.jsonl"
    synced = [0]  # bytes of the file known durable

    def fsync(fd: int) -> None:
        time.sleep(0.001)  # a slow disk, so groups form
        synced[0] = os.fstat(fd).st_size

    log = DecisionLog(path, mode=mode, fsync=fsync)  # type: ignore[arg-type]
    problems: list[str] = []

    def worker(w: int) -> None:
        for i in range(50):
            n = w * 1000 + i
            log.append([_line(n)])
            durable = path.read_bytes()[: synced[0]]
            if _line(n) not in durable:
                problems.append(f"line {n} acknowledged before it was synced")

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log.close()
    assert not problems
    found = [json.loads(x)["n"] for x in path.read_text().splitlines()]
    assert sorted(found) == sorted(w * 1000 + i for w in range(8) for i in range(50))
    for w in range(8):  # each writer's lines in the order it wrote them
        mine = [n for n in found if n // 1000 == w]
        assert mine == sorted(mine)
    if mode == "group":
        assert log.groups < 400, "concurrent lines shared fsyncs"


def test_a_failed_fsync_refuses_the_answer(tmp_path: Path) -> None:
    def fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    log = DecisionLog(tmp_path / "log.jsonl", fsync=fsync)
    with pytest.raises(LedgerError, match="Input/output"):
        log.append([_line(1)])
    with pytest.raises(LedgerError):  # and every later line: what reached the disk is unknown
        log.append([_line(2)])
    log.close()


def test_callers_on_a_loop_are_woken_once_per_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced = [0]

    def fsync(fd: int) -> None:
        time.sleep(0.02)  # lines queue up behind a slow sync, as under load
        synced[0] = os.fstat(fd).st_size

    wakes: list[int] = []
    settle = decisionlog._settle

    def counted(futures: list[asyncio.Future[None]], error: str | None) -> None:
        wakes.append(len(futures))
        settle(futures, error)

    monkeypatch.setattr(decisionlog, "_settle", counted)
    path = tmp_path / "log.jsonl"
    log = DecisionLog(path, fsync=fsync)

    async def one(i: int) -> None:
        await log.append_async([_line(i)])
        assert path.read_bytes()[: synced[0]].count(_line(i)) == 1, "durable when woken"

    async def many() -> None:
        await asyncio.gather(*(one(i) for i in range(64)))

    asyncio.run(many())
    log.close()
    assert sum(wakes) == 64, "every caller woken once"
    assert len(wakes) == log.groups < 64, "one wake-up of the loop per group, not per caller"


def test_a_failed_fsync_refuses_every_caller_on_a_loop(tmp_path: Path) -> None:
    def fsync(fd: int) -> None:
        time.sleep(0.01)
        raise OSError(5, "Input/output error")

    log = DecisionLog(tmp_path / "log.jsonl", fsync=fsync)

    async def many() -> list[BaseException | None]:
        tasks = (log.append_async([_line(i)]) for i in range(16))
        return await asyncio.gather(*tasks, return_exceptions=True)

    found = asyncio.run(many())
    log.close()
    assert all(isinstance(e, LedgerError) and "Input/output" in str(e) for e in found)
    assert len({id(e) for e in found}) == 16, "each caller its own error"


def test_the_line_format() -> None:
    line = render(
        at=datetime(2026, 11, 22, 8, 0, tzinfo=UTC),
        subject_key="uscc:91350100M000100Y43",
        action="procurement.bid",
        outcome="restrict",
        as_of=date(2026, 11, 22),
        pack_version="sha256:x",
        asked_by="airline#k1",
        purpose="tender",
        measures=["m1"],
        audience="relying_party",
    )
    assert json.loads(line) == {
        "asked_at": "2026-11-22T08:00:00+00:00",
        "asked_by": "airline#k1",
        "purpose": "tender",
        "audience": "relying_party",
        "subject_key": "uscc:91350100M000100Y43",
        "action": "procurement.bid",
        "as_of": "2026-11-22",
        "outcome": "restrict",
        "measures": ["m1"],
        "pack_version": "sha256:x",
    }


def test_a_batch_line_expands_to_the_lines_of_single_checks() -> None:
    at = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    keys = ["uscc:91350100M000100Y43", "resident_id:#ab", "resident_id:#cd", "uscc:X"]
    common = {
        "at": at,
        "action": "procurement.bid",
        "as_of": date(2026, 11, 22),
        "pack_version": "sha256:x",
        "asked_by": "bank 9",
        "purpose": "loan",
    }
    line = render_batch(
        **common,  # type: ignore[arg-type]
        audience="relying_party",
        subject_keys=json.dumps(keys).encode(),
        answers=[("restrict", ["m1", "m2"], [1, 3]), ("reward", ["r"], [2])],
    )
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    singles = [
        json.loads(
            render(
                **common,  # type: ignore[arg-type]
                subject_key=k,
                outcome=o,
                measures=m,
                audience="relying_party",
            )
        )
        for k, o, m in zip(
            keys,
            ["allow", "restrict", "reward", "restrict"],
            [[], ["m1", "m2"], ["r"], ["m1", "m2"]],
            strict=True,
        )
    ]
    expanded = list(expand(json.loads(line)))
    assert expanded == singles
    assert [list(x) for x in expanded] == [list(x) for x in singles]  # the same key order
    single = singles[0]
    assert list(expand(single)) == [single]  # a single check's line is itself


WRITER = """
import sys, threading
from pathlib import Path
from xinyong.storage.decisionlog import DecisionLog
log = DecisionLog(Path(sys.argv[1]))
lock = threading.Lock()
def run(w):
    for i in range(100000):
        n = w * 1000000 + i
        log.append([b'{"n": %d}\\n' % n])
        with lock:
            sys.stdout.write(f"{n}\\n")
            sys.stdout.flush()
threads = [threading.Thread(target=run, args=(w,)) for w in range(4)]
for t in threads: t.start()
for t in threads: t.join()
"""


def test_a_killed_process_loses_no_acknowledged_line(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    acked: list[int] = []
    for line in proc.stdout:
        acked.append(int(line))
        if len(acked) >= 300:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    acked += [int(x) for x in proc.stdout.read().split()]
    on_disk = {json.loads(x)["n"] for x in path.read_text().splitlines() if x.strip()}
    assert set(acked) <= on_disk
