"""Validated ingest against two baselines that do comparable work, measured in the same run.

    python benchmarks/ingest.py [--rows 1000000] [--rounds 3] [--check-rows 20000]

Contenders, each run on the same generated CSV (1% malformed rows) in a fresh process, in
alternating rounds (the order rotates each round), timed from just before the work to the
closed database file:
- xinyong: `Workspace.ingest` into a fresh workspace: staging, every validation (identifier
  checksums, catalogue, attributes), idempotency and reference resolution, the rejects file,
  leaf hashes, Merkle nodes and a signed checkpoint per batch;
- B1t (`handwritten/ingest_b1t.py`): DuckDB SQL reading the file with every column typed, a
  SHA-256 leaf per row over the ledger's canonical bytes, the RFC 6962 interior nodes, all into
  a table indexed on the subject key, committed: tamper evidence without validation;
- B2 (`handwritten/ingest_b2.py`): the same validation in plain Python: `csv`, a pydantic v2
  model per row, the project's identifier validators, `hmac`/`hashlib`, Arrow into DuckDB.

Goals, as ratios of CPU-seconds (the process's, every thread included: steadier than wall time
on a shared machine; wall is reported too, with the load average around each run):
B1t / xinyong ≥ 0.6 and B2 / xinyong ≥ 2.5.

Before the timed rounds, `--check-rows` rows are ingested by xinyong and B2 with the same key and
date and compared entry for entry (B2 must accept the same rows and store the same entries and
root), and B1t's hashing is run over the ledger's own entries, where it must give the ledger's
root. The run stops if either fails.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).parent
DATA = HERE / "data"
TODAY = date(2026, 11, 1)
CONTENDERS = ("xinyong", "b1t", "b2")


def handwritten(name: str) -> ModuleType:
    path = HERE / "handwritten" / f"ingest_{name}.py"
    spec = importlib.util.spec_from_file_location(f"ingest_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def sample_file(rows: int, seed: int = 1) -> Path:
    from xinyong.policy import load_pack
    from xinyong.sample.generate import write_csv
    from xinyong.service import shipped_pack

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
        print(f"generated {path} in {time.perf_counter() - started:.1f}s", flush=True)
    return path


# -- one run, in this process ---------------------------------------------------------------------


def run_one(name: str, path: Path, work: Path) -> dict[str, Any]:
    """Time contender `name` on `path` (scratch files in `work`): wall, CPU, rows accepted."""
    if name == "xinyong":
        from xinyong.service import Workspace

        workspace = Workspace.init(work / "ws", today=TODAY)
        started, cpu = time.perf_counter(), time.process_time()
        report = workspace.ingest(path, rejects=work / "rejects.csv")
        result = {"accepted": report.accepted, "root": report.root}
    elif name == "b1t":
        b1t = handwritten("b1t")
        started, cpu = time.perf_counter(), time.process_time()
        result = b1t.load(path, work / "b1t.duckdb")
    elif name == "b2":
        b2 = handwritten("b2")
        from xinyong.domain.identifiers import default_registry
        from xinyong.policy import load_pack
        from xinyong.service import shipped_pack

        started, cpu = time.perf_counter(), time.process_time()
        result = b2.load(
            path,
            work / "b2.duckdb",
            work / "rejects.csv",
            catalogue=load_pack(shipped_pack()).catalogue,
            schemes=default_registry(as_of=TODAY),
            pseudonym_key=os.urandom(32),
            today=TODAY,
        )
    else:
        raise ValueError(f"unknown contender {name!r}")
    return {
        "name": name,
        "wall": time.perf_counter() - started,
        "cpu": time.process_time() - cpu,
        **result,
    }


def run_fresh(name: str, path: Path) -> dict[str, Any]:
    """`run_one` in a new Python process (nothing cached or warmed from another run)."""
    load = os.getloadavg()
    done = subprocess.run(
        [sys.executable, __file__, "--one", name, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["load"] = (load[0], os.getloadavg()[0])
    return result


# -- equivalence ----------------------------------------------------------------------------------


def check(path: Path) -> dict[str, Any]:
    """Hold the baselines to xinyong on `path`; raises AssertionError on a difference."""
    import duckdb

    from xinyong.domain.record import epoch_us
    from xinyong.service import Workspace
    from xinyong.storage.keys import pseudonym_key_from

    b1t, b2 = handwritten("b1t"), handwritten("b2")
    columns = ", ".join(b2.ENTRY)
    with tempfile.TemporaryDirectory(prefix="xinyong-bench-check-") as tmp:
        work = Path(tmp)
        workspace = Workspace.init(work / "ws", today=TODAY)
        s = workspace.settings
        # The baselines do ingest's work only: compare with a ledger of records alone, without
        # the activation of its pack that `init` writes as entry 0 (ingest does not need it).
        s.path(s.database).unlink()
        for note in s.path(s.checkpoint_dir).glob("*.note"):
            note.unlink()
        report = workspace.ingest(path, rejects=work / "xinyong-rejects.csv")
        key = pseudonym_key_from(s)
        con = duckdb.connect()
        con.execute(f"ATTACH '{s.path(s.database)}' AS ledger (READ_ONLY)")
        stored = con.execute(f"SELECT {columns} FROM ledger.entries ORDER BY seq").fetchall()
        received = [
            epoch_us(r[0].replace(tzinfo=UTC))
            for r in con.execute("SELECT received_at FROM ledger.entries ORDER BY seq").fetchall()
        ]
        # B1t's SQL over the ledger's own entries must give the ledger's root.
        b1t_root = b1t.root_of_entries(con, "ledger.entries").hex()
        con.close()
        assert b1t_root == report.root, f"B1t root {b1t_root} != ledger root {report.root}"
        out = b2.validate_file(
            path,
            work / "b2-rejects.csv",
            catalogue=workspace.pack.catalogue,
            schemes=workspace.schemes,
            pseudonym_key=key,
            today=TODAY,
        )
        mine = list(zip(*(out[c] for c in b2.ENTRY), strict=True))
        assert len(mine) == report.accepted, f"B2 accepted {len(mine)}, xinyong {report.accepted}"
        diff = next((i for i, (a, b) in enumerate(zip(mine, stored, strict=True)) if a != b), None)
        assert diff is None, (
            f"entry {diff} differs:\n B2      {mine[diff]}\n xinyong {stored[diff]}"
        )
        _, root = b2._tree(b2.leaves(out, received))
        assert root.hex() == report.root, "B2's leaves and tree give another root"
        b1t_raw = b1t.load(path, work / "b1t.duckdb")
    return {
        "rows": report.rows,
        "accepted": report.accepted,
        "rejected": report.rejected,
        "b1t_accepted": b1t_raw["accepted"],
    }


# -- the benchmark --------------------------------------------------------------------------------


def _summary(results: list[dict[str, Any]], name: str, field: str) -> tuple[float, float, float]:
    values = [r[field] for r in results if r["name"] == name]
    return statistics.median(values), min(values), max(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--check-rows", type=int, default=20_000, help="0: skip the check")
    parser.add_argument("--only", default=",".join(CONTENDERS), help="contenders, comma-separated")
    parser.add_argument("--one", nargs=2, metavar=("NAME", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        with tempfile.TemporaryDirectory(prefix="xinyong-bench-") as tmp:
            print(json.dumps(run_one(args.one[0], Path(args.one[1]), Path(tmp))))
        return
    if args.check_rows:
        found = check(sample_file(args.check_rows))
        print(
            f"check on {found['rows']:,} rows: B2 accepted the same {found['accepted']:,} rows "
            f"({found['rejected']:,} rejected) with identical entries and root; B1t's hashing of "
            f"the ledger's entries gives the ledger's root (B1t accepts {found['b1t_accepted']:,} "
            "rows of the raw file: it validates nothing but types)",
            flush=True,
        )
    path = sample_file(args.rows)
    names = [n for n in CONTENDERS if n in args.only.split(",")]
    results: list[dict[str, Any]] = []
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {args.rows:,} rows, {args.rounds} rounds")
    for k in range(args.rounds):
        for name in names[k % len(names) :] + names[: k % len(names)]:
            r = run_fresh(name, path)
            results.append(r)
            print(
                f"round {k + 1} {name:8s} wall {r['wall']:7.2f}s  CPU {r['cpu']:7.2f}s"
                f"  accepted {r['accepted']:,}"
                f"  load {r['load'][0]:.2f}→{r['load'][1]:.2f}",
                flush=True,
            )
    print("median (min–max) of the rounds:")
    for name in names:
        w, c = _summary(results, name, "wall"), _summary(results, name, "cpu")
        print(
            f"  {name:8s} wall {w[0]:7.2f}s ({w[1]:.2f}–{w[2]:.2f})  "
            f"CPU {c[0]:7.2f}s ({c[1]:.2f}–{c[2]:.2f})  {args.rows / w[0]:10,.0f} rows/s"
        )
    if "xinyong" in names:
        for name, goal in (("b1t", 0.6), ("b2", 2.5)):
            if name not in names:
                continue
            ratios = {}
            for field in ("cpu", "wall"):
                per_round = [
                    b[field] / x[field]
                    for x, b in zip(
                        [r for r in results if r["name"] == "xinyong"],
                        [r for r in results if r["name"] == name],
                        strict=True,
                    )
                ]
                mid = _summary(results, name, field)[0] / _summary(results, "xinyong", field)[0]
                ratios[field] = f"{mid:.2f} (rounds {min(per_round):.2f}–{max(per_round):.2f})"
            print(
                f"  {name} / xinyong: CPU {ratios['cpu']}, wall {ratios['wall']}  (goal ≥ {goal})"
            )
    loads = [r["load"] for r in results]
    print(f"load average (1 min) around the runs: {min(min(x) for x in loads):.2f}–"
          f"{max(max(x) for x in loads):.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
