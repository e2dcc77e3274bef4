"""Check latency: how long a relying party waits for "may S do A?", with its reasons.

    python benchmarks/check.py [--records 200000] [--subjects 20000] [--checks 2000]
    python benchmarks/check.py --hot [--hot-subjects 2000000] [--rounds 3] [--wrk-seconds 10]

Without `--hot`, the slow path described below (the decision index in DuckDB); with it, the hot
decision file, in process and over HTTP with `wrk` (see `benchmarks/check_hot.py`).

A workspace is filled with seeded sample records (case life cycles included, so many subjects
are listed), evaluated once, and then asked `--checks` questions about random subjects and
actions through one open `Checker` — the way a relying party's service would hold it. Every
answer is a decision for `--audience`: for a relying party (the default) the index rows of the
subject, the pack's rules and a line in the decision log; for the subject or an auditor also the
ledger records behind them and the explanation of what does not apply (the reference evaluator
run for that one subject).

Baseline, in the same run on the same connection: the bare point lookups the check cannot do
without (the subject's decision rows, listings and ledger entries by `subject_key`). The ratio
baseline / check shows what the reasons and the log cost; the absolute milliseconds are given
for orientation only (shared machines are noisy).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from xinyong.domain.measures import ACTIONS
from xinyong.sample.generate import write_csv
from xinyong.service import Workspace

TODAY = date(2026, 11, 1)


def run(
    records: int, subjects: int, checks: int, seed: int = 1, audience: str = "relying_party"
) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="xinyong-check-") as tmp:
        ws = Workspace.init(Path(tmp) / "ws")
        sample = write_csv(
            Path(tmp) / "records.csv",
            ws.pack.catalogue,
            rows=records,
            subjects=subjects,
            seed=seed,
            today=TODAY,
            cases=list(ws.pack.cases.values()),
            story_share=0.3,
        )
        ws.ingest(sample.path)
        ws.evaluate(as_of=TODAY)
        rng = random.Random(seed)
        actions = sorted(ACTIONS)
        asks = [(rng.choice(sample.subjects), rng.choice(actions)) for _ in range(checks)]
        with ws.checker() as checker:
            keys = [checker.subject_key(who.identifier, who.scheme) for who, _ in asks]
            con = checker.store.connection  # type: ignore[attr-defined]
            outcomes: dict[str, int] = {}
            timings: list[float] = []
            for who, action in asks:
                started = time.perf_counter()
                decision = checker.check(
                    who.identifier,
                    action,
                    scheme=who.scheme,
                    purpose="benchmark",
                    audience=audience,
                )
                timings.append(time.perf_counter() - started)
                outcomes[decision.outcome] = outcomes.get(decision.outcome, 0) + 1
            base: list[float] = []
            for key, (_, action) in zip(keys, asks, strict=True):
                started = time.perf_counter()
                con.execute(
                    "SELECT * FROM index_decisions WHERE subject_key = ? AND action = ?",
                    [key, action],
                ).fetchall()
                con.execute("SELECT * FROM index_listings WHERE subject_key = ?", [key]).fetchall()
                con.execute("SELECT * FROM entries WHERE subject_key = ?", [key]).fetchall()
                base.append(time.perf_counter() - started)
    timings.sort()
    base.sort()
    p50, p95 = timings[len(timings) // 2], timings[int(len(timings) * 0.95)]
    b50 = base[len(base) // 2]
    print(
        f"{checks:,} checks for {audience} on {records:,} records / {subjects:,} subjects: "
        f"{outcomes}"
    )
    mean = statistics.mean(timings)
    print(f"check   p50 {p50 * 1000:.2f} ms  p95 {p95 * 1000:.2f} ms  mean {mean * 1000:.2f} ms")
    print(f"lookups p50 {b50 * 1000:.2f} ms")
    print(f"ratio lookups/check (p50) {b50 / p50:.2f}")
    return {"p50": p50, "p95": p95, "base_p50": b50}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--subjects", type=int, default=20_000)
    parser.add_argument("--checks", type=int, default=2_000)
    parser.add_argument(
        "--audience",
        choices=["relying_party", "subject", "auditor"],
        default="relying_party",
        help="relying_party: the hot path (index only); subject/auditor also explain",
    )
    parser.add_argument(
        "--hot",
        action="store_true",
        help="the hot decision file instead (benchmarks/check_hot.py): in-process and HTTP",
    )
    parser.add_argument("--hot-subjects", type=int, default=2_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--wrk-seconds", type=int, default=10)
    parser.add_argument(
        "--batch-only", action="store_true", help="with --hot: the batch figures alone"
    )
    args = parser.parse_args()
    if args.hot:
        from check_hot import run_hot  # type: ignore[import-not-found]

        run_hot(args.hot_subjects, args.rounds, args.wrk_seconds, only_batch=args.batch_only)
        return
    run(args.records, args.subjects, args.checks, audience=args.audience)


if __name__ == "__main__":
    main()
