"""Single checks over HTTP, two builds of xinyong against the minimal route, rounds alternating.

    python benchmarks/check_http_ab.py ROUNDS SECONDS CONNS WORKDIR MAIN_SRC BRANCH_SRC

WORKDIR holds `main/ws` and `branch/ws` (copies of one workspace set up by `check_hot.setup`,
one per server since each server holds its ledger) and `single.lua` (`check_hot._lua`'s
script of the bodies asked). The three servers start once and are served as `check_hot.py`
serves them; each round runs wrk on each server (order alternating) at each connection count
in CONNS (e.g. `32,1`). CPU per request is the server's utime+stime (all threads) from /proc.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

import check_hot as ch  # type: ignore[import-not-found]  # benchmarks/ is the script's folder


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    rounds, seconds = int(sys.argv[1]), int(sys.argv[2])
    conns = [int(c) for c in sys.argv[3].split(",")]
    work = Path(sys.argv[4])
    src = {"main": sys.argv[5], "branch": sys.argv[6], "minimal": sys.argv[6]}
    names = list(src)
    ports = {n: ch._port() for n in names}
    procs = {}
    for n in names:
        if n == "minimal":
            cmd = [sys.executable, "-c", ch.SERVE_MINIMAL, str(ports[n]), ch.MINIMAL]
        else:
            cmd = [sys.executable, "-c", ch.SERVE, str(work / n / "ws"), str(ports[n])]
        procs[n] = subprocess.Popen(cmd, env={**os.environ, "PYTHONPATH": src[n]})
    script = work / "single.lua"
    found: dict[tuple[str, int, str], list[float]] = {}
    try:
        for p in ports.values():
            ch._wait(p)
        for n in names:  # warm up
            ch._wrk(ports[n], "/v1/checks", script, 2, 2)
        for r in range(rounds):
            print(f"round {r}: {ch._uptime()}", flush=True)
            for n in names if r % 2 == 0 else list(reversed(names)):
                for c in conns:
                    before = _cpu(procs[n].pid)
                    got = ch._wrk(ports[n], "/v1/checks", script, c, seconds)
                    got["cpu_us"] = (_cpu(procs[n].pid) - before) / (got["rps"] * seconds) * 1e6
                    print(f"  {n} c{c}: {got}", flush=True)
                    for k, v in got.items():
                        found.setdefault((n, c, k), []).append(v)
    finally:
        for proc in procs.values():
            proc.terminate()
            proc.wait()
    print("after:", ch._uptime())
    for c in conns:
        for n in names:
            for k in ("rps", "p50_ms", "p99_ms", "cpu_us"):
                xs = found[(n, c, k)]
                print(f"c{c} {n} {k}: {statistics.median(xs):.3g} ({min(xs):.3g}–{max(xs):.3g})")
        for n in ("main", "branch"):
            base = found[("minimal", c, "rps")]
            ratios = [a / b for a, b in zip(found[(n, c, "rps")], base, strict=True)]
            print(f"c{c} {n} / minimal rps: {statistics.median(ratios):.2f} per round {ratios}")


if __name__ == "__main__":
    main()
