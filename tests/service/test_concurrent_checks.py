"""Eight checker *processes* answer relying parties' checks while another process ingests.

The writer holds the ledger (DuckDB's file lock: no other process can open it, even to read) the
way `xinyong serve` does, and ingests batch after batch, each re-evaluating its subjects and
rewriting the hot decision file. The checkers read only that file (memory-mapped), so none of
them fails; a checker that finds the file a batch behind waits for the writer's new one. The
normal suite runs it for a few seconds; `-m slow` for a minute.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from datetime import date
from pathlib import Path

import pytest

from xinyong.domain.measures import ACTIONS
from xinyong.sample.generate import write_csv
from xinyong.service import Workspace

AS_OF = date(2025, 6, 30)


def _checker(
    directory: str, asks: list[tuple[str, str]], seconds: float, out: object, start: object
) -> None:
    ws = Workspace.open(Path(directory))
    rng = random.Random()
    actions = sorted(ACTIONS)
    done, failures, outcomes = 0, [], {}
    ws.check(asks[0][0], actions[0], scheme=asks[0][1])  # the pack loaded, the file opened
    start.wait()  # type: ignore[attr-defined]
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        identifier, scheme = rng.choice(asks)
        try:
            d = ws.check(identifier, rng.choice(actions), scheme=scheme, purpose="test")
            outcomes[d.outcome] = outcomes.get(d.outcome, 0) + 1
        except Exception as exc:  # every failure is counted, whatever it is
            failures.append(repr(exc))
        done += 1
    out.put((done, failures[:5], len(failures), outcomes))  # type: ignore[attr-defined]


def _chunks(path: Path, parts: int, root: Path) -> list[Path]:
    lines = path.read_text(encoding="utf-8").splitlines()
    header, body = lines[0], lines[1:]
    size = -(-len(body) // parts)
    out = []
    for i in range(parts):
        chunk = root / f"part{i}.csv"
        chunk.write_text("\n".join([header, *body[i * size : (i + 1) * size]]) + "\n", "utf-8")
        out.append(chunk)
    return out


def run(root: Path, seconds: float, checkers: int = 8) -> dict[str, object]:
    ws = Workspace.init(root / "ws", today=AS_OF)
    sample = write_csv(
        root / "all.csv",
        ws.pack.catalogue,
        rows=1_500,
        subjects=150,
        seed=11,
        today=AS_OF,
        cases=list(ws.pack.cases.values()),
        story_share=0.5,
    )
    first, *rest = _chunks(sample.path, 30, root)
    ws.ingest(first)
    ws.evaluate(as_of=AS_OF)
    asks = [(s.identifier, s.scheme) for s in sample.subjects]
    ctx = multiprocessing.get_context("spawn")
    out, start = ctx.Queue(), ctx.Barrier(checkers + 1)
    procs = [
        ctx.Process(target=_checker, args=(str(ws.settings.workspace), asks, seconds, out, start))
        for _ in range(checkers)
    ]
    for p in procs:
        p.start()
    start.wait(timeout=300)
    batches = 0
    stop = time.monotonic() + seconds
    with ws.held():  # the writer holds the ledger, as `xinyong serve` does
        while time.monotonic() < stop and rest:
            ws.ingest(rest.pop(0))
            batches += 1
    results = [out.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join()
    return {
        "checks": sum(r[0] for r in results),
        "failures": sum(r[2] for r in results),
        "examples": [e for r in results for e in r[1]],
        "batches": batches,
        "outcomes": {k: sum(r[3].get(k, 0) for r in results) for k in ("allow", "restrict")},
    }


@pytest.mark.parametrize(
    "seconds",
    [
        pytest.param(4.0, id="4s"),
        pytest.param(60.0, id="60s", marks=[pytest.mark.slow, pytest.mark.soak]),
    ],
)
def test_checkers_in_other_processes_never_fail_during_an_ingest(
    tmp_path: Path, seconds: float
) -> None:
    found = run(tmp_path, seconds)
    print(found)
    assert found["failures"] == 0, found["examples"]
    assert found["batches"], "the writer ingested while the checkers ran"
    assert int(found["checks"]) > 8  # type: ignore[call-overload]
