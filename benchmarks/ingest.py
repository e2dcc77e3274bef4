"""Validated ingest throughput, as a ratio to DuckDB's plain read_csv of the same file.

    python benchmarks/ingest.py [--rows 1000000] [--repeat 3]

Both sides run in this process on the same file, alternately, `--repeat` times; the median and
the best of each are reported, with the load average before and after:
- baseline: `CREATE TABLE … AS SELECT * FROM read_csv(file)` into a fresh DuckDB file (a plain
  load that persists, as the ledger does);
- xinyong: `Workspace.ingest` into a fresh workspace: staging, every validation (identifier
  checksums, catalogue, attributes), idempotency and reference resolution, the rejects file, leaf
  hashes, Merkle nodes and a signed checkpoint per batch.
The ratio baseline_seconds / xinyong_seconds is the figure to watch (goal ≥ 0.5): absolute
times on a shared 2-core machine are noise. Process CPU-seconds of each side are printed too.

The baseline reads the file as DuckDB's sniffer understands it; on the generated files (JSON in
quoted fields, 1% malformed lines) it settles on one column per line, so it does not split
fields at all. The number of columns it made is printed, and for reference a second baseline
that is told the dialect (`delim`, `quote`, `escape`; malformed lines skipped) and so splits
every field, as ingest must; the goal stays defined against the first.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from xinyong.policy import load_pack
from xinyong.sample.generate import write_csv
from xinyong.service import Workspace, shipped_pack

DATA = Path(__file__).parent / "data"
TODAY = date(2026, 11, 1)
# Process CPU-seconds of each run (every DuckDB thread), for information: on a shared machine
# they say where the work went when the wall times are noise.
CPU: dict[str, list[float]] = {"plain": [], "xinyong": []}


def sample_file(rows: int, seed: int = 1) -> Path:
    path = DATA / f"records-{rows}-{seed}.csv"
    if not path.exists():
        started = time.perf_counter()
        catalogue = load_pack(shipped_pack()).catalogue
        write_csv(
            path,
            catalogue,
            rows=rows,
            subjects=max(rows // 10, 10),
            seed=seed,
            today=TODAY,
            malformed=0.01,
        )
        print(f"generated {path} in {time.perf_counter() - started:.1f}s")
    return path


def plain_load(path: Path, work: Path) -> tuple[float, int]:
    import duckdb

    target = work / "plain.duckdb"
    started, cpu = time.perf_counter(), time.process_time()
    con = duckdb.connect(str(target))
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [str(path)])
    con.close()
    elapsed = time.perf_counter() - started
    CPU["plain"].append(time.process_time() - cpu)
    con = duckdb.connect(str(target), read_only=True)
    ((columns,),) = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = 't'"
    ).fetchall()
    con.close()
    target.unlink()
    return elapsed, int(columns)


def split_load(path: Path, work: Path) -> float:
    import duckdb

    target = work / "split.duckdb"
    started = time.perf_counter()
    con = duckdb.connect(str(target))
    con.execute(
        "CREATE TABLE t AS SELECT * FROM read_csv(?, delim = ',', quote = '\"', escape = '\"',"
        " header = TRUE, ignore_errors = TRUE)",
        [str(path)],
    )
    con.close()
    elapsed = time.perf_counter() - started
    target.unlink()
    return elapsed


def xinyong_ingest(path: Path, work: Path) -> tuple[float, int]:
    folder = work / "ws"
    workspace = Workspace.init(folder)
    started, cpu = time.perf_counter(), time.process_time()
    report = workspace.ingest(path, rejects=work / "rejects.csv")
    elapsed = time.perf_counter() - started
    CPU["xinyong"].append(time.process_time() - cpu)
    shutil.rmtree(folder)
    return elapsed, report.accepted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    path = sample_file(args.rows)
    plain, split, ours, accepted, columns = [], [], [], 0, 0
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="xinyong-bench-") as tmp:
        work = Path(tmp)
        for _ in range(args.repeat):
            seconds, columns = plain_load(path, work)
            plain.append(seconds)
            split.append(split_load(path, work))
            seconds, accepted = xinyong_ingest(path, work)
            ours.append(seconds)
    load_after = os.getloadavg()
    print(f"rows: {args.rows:,} ({accepted:,} accepted), {args.repeat} runs")
    print(f"load average (1, 5, 15 min): before {load_before}, after {load_after}")
    print(f"plain load made {columns} column(s)")
    for name, pick in (("median", statistics.median), ("best", min)):
        p, o = pick(plain), pick(ours)
        print(f"{name:6s} plain read_csv load : {p:6.2f}s  {args.rows / p:12,.0f} rows/s")
        print(f"{name:6s} xinyong ingest      : {o:6.2f}s  {args.rows / o:12,.0f} rows/s")
        print(f"{name:6s} ratio (plain time / ingest time): {p / o:.2f}  (goal >= 0.5)")
        d = pick(split)
        print(f"{name:6s} (for reference: load told the dialect {d:6.2f}s, ratio {d / o:.2f})")
        pc, oc = pick(CPU["plain"]), pick(CPU["xinyong"])
        print(f"{name:6s} (process CPU-s: plain {pc:.2f}, ingest {oc:.2f}, ratio {pc / oc:.2f})")


if __name__ == "__main__":
    main()
