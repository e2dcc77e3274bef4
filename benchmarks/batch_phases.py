"""Where a batch check's time goes: `Quick.check_many`'s phases timed apart, CPU and wall.

    python benchmarks/batch_phases.py --ws /tmp/batch-ws [--rounds 7] [--sizes 10000,100000]

The workspace (the hot decision file of `--hot-subjects`, as `check_hot.py` grows it) is built
once in `--ws` and reused by later runs, so two trees can be measured alternately in fresh
processes on the same file. Each round: the keys (`idbatch.subject_keys`), the lookup
(`HotPath.decide_many`), the batch's log line (`checker.batch_entry`) and its durable append,
then the whole `check_many`. CPU is `getrusage` of the process (every thread), user and
the system's apart (sampled); the figures are µs a subject, median and range over the rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from check_hot import ACTION, _classify, _distinct, setup  # type: ignore[import-not-found]

from xinyong.service import Workspace


def _workspace(folder: Path, subjects: int) -> tuple[Workspace, list[str], list[str], list[str]]:
    saved = folder / "idents.json"
    if not saved.exists():
        ws, asks, _ = setup(folder, subjects)
        allowed, restricted = _classify(ws, asks)
        fresh = _distinct(ws, 110_000, set(allowed) | set(restricted))
        saved.write_text(json.dumps([allowed, restricted, fresh]))
        ws.quick.close()
    allowed, restricted, fresh = json.loads(saved.read_text())
    return Workspace.open(folder / "ws"), allowed, restricted, fresh


def _clock() -> tuple[float, float, float]:
    """Wall, CPU of every thread (exact), and system CPU (`getrusage`: sampled at ticks)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return time.perf_counter(), time.process_time(), r.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ws", type=Path, required=True)
    parser.add_argument("--hot-subjects", type=int, default=2_000_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    from xinyong import checker
    from xinyong.domain.idbatch import subject_keys

    ws, allowed, restricted, fresh = _workspace(args.ws, args.hot_subjects)
    quick = ws.quick
    hot = quick.hot()
    assert hot is not None
    file = hot.current()
    assert file is not None
    key, schemes, log = quick.pseudonym_key, ws.schemes, quick.log
    rng = random.Random(3)
    # the line as check_many writes it: `batch_line` where the tree has it
    batch_entry = getattr(checker, "batch_line", checker.batch_entry)
    quick.check_many(allowed[:10], ACTION, purpose="warm-up")
    print("load average:", os.getloadavg(), "pid", os.getpid())
    for size in map(int, args.sizes.split(",")):
        pool = list(fresh)
        idents = [rng.choice(restricted) if rng.random() < 0.1 else pool.pop() for _ in range(size)]
        found: dict[str, list[tuple[float, float, float]]] = {}

        def timed(name: str, fn: Callable[[], Any], found: dict[str, Any] = found) -> Any:
            w0, u0, s0 = _clock()
            out = fn()
            w1, u1, s1 = _clock()
            found.setdefault(name, []).append((w1 - w0, u1 - u0, s1 - s0))
            return out

        quick.check_many(idents, ACTION, purpose="warm-up")
        for _ in range(args.rounds):
            keyed = timed("keys", lambda idents=idents: subject_keys(schemes, idents, key))
            answers = timed(
                "lookup", lambda k=keyed: hot.decide_many(file, k.keys64, k.keys, ACTION)
            )
            line = timed(
                "log line",
                lambda k=keyed, a=answers: batch_entry(k.keys, ACTION, a, None, "benchmark"),
            )
            timed("append", lambda line=line: log.append([line]))
            timed(
                "whole check_many",
                lambda idents=idents: quick.check_many(idents, ACTION, purpose="benchmark"),
            )
        print(f"batch of {size:,}: µs a subject, median [range] of {args.rounds}")
        for name, xs in found.items():
            parts = []
            for label, k in (("wall", 0), ("cpu", 1), ("of it sys", 2)):
                v = sorted(1e6 * x[k] / size for x in xs)
                parts.append(f"{label} {statistics.median(v):.3f} [{v[0]:.3f}-{v[-1]:.3f}]")
            print(f"  {name:18s} " + "  ".join(parts))
        whole = found["whole check_many"]
        rate = sorted(size / x[0] for x in whole)
        per_cpu = sorted(size / x[1] for x in whole)
        print(
            f"  whole: {statistics.median(rate) / 1e6:.3f}M/s [{rate[0] / 1e6:.3f}-"
            f"{rate[-1] / 1e6:.3f}], {statistics.median(per_cpu) / 1e6:.3f}M per CPU-s "
            f"[{per_cpu[0] / 1e6:.3f}-{per_cpu[-1] / 1e6:.3f}]"
        )
    print("load average after:", os.getloadavg())
    quick.close()


if __name__ == "__main__":
    main()
