"""The batch check over HTTP: `POST /v1/checks/batch`, 10,000 subjects a request, `wrk` on loopback.

    python benchmarks/http_batch.py --workspace DIR [--build] \
        --server before=/work/main/src --server after=src [--rounds 3] [--seconds 10]

`--build` makes DIR first: the seeded workspace of `check_hot.setup` (600 real subjects, their
hot file grown to 2,000,000 subjects), and `asks.json`, the real identifiers. Each round starts
each server in turn (`python -m xinyong serve`, as an operator runs it: one worker, uvicorn with
httptools and uvloop, from the `src` folder named), in alternating order, waits for it, warms it
(two batches), then runs `wrk` (`--conns` connections) for `--seconds` against each request form
(`items`: the default answer; `compact`: `?form=compact`, where the server offers it; either with
`-route`: sent as `application/json; charset=utf-8`, which the fast layer in front of the routing
leaves to the route) and stops it. Server CPU (user + system, all threads, from /proc) is read
around each `wrk` run, so the figure per subject is what the server spent, whatever else ran on
the machine.

The body is the one of `check_hot.over_http`: 10,000 draws (with repeats) from the real
identifiers, about a third of them restricted with reasons. `--mixed` adds a second body: 90%
people the file does not hold (allowed), 10% real identifiers, 1% invalid identifiers.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_hot import _lua, _port, _uptime, _wait, _wrk, setup

from xinyong.domain.access import Role
from xinyong.domain.identifiers import generate_resident_id
from xinyong.service import Workspace

ACTION = "air_travel.book"
TICK = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (all threads)


def _bodies(ids: list[str], mixed: bool) -> dict[str, str]:
    rng = random.Random(4)
    real = [rng.choice(ids) for _ in range(10_000)]
    out = {"real": json.dumps({"subjects": real, "action": ACTION})}
    if mixed:
        people = [
            generate_resident_id(rng, date(1950, 1, 1) + timedelta(days=rng.randrange(20_000)))
            for _ in range(9_000)
        ]
        subjects = people + [rng.choice(ids) for _ in range(900)] + ["123"] * 100
        rng.shuffle(subjects)
        out["mixed"] = json.dumps({"subjects": subjects, "action": ACTION})
    return out


ROUTE_TYPE = "application/json; charset=utf-8"


def _query(form: str) -> str:
    form = form.removesuffix("-route")
    return "" if form == "items" else f"?form={form}"


def _post(port: int, token: str, path: str, body: str) -> tuple[int, int]:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body.encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.status, len(r.read())


def run(args: argparse.Namespace) -> None:
    root = Path(args.workspace)
    if args.build:
        root.mkdir(parents=True, exist_ok=True)
        _, asks, info = setup(root, args.subjects)
        (root / "asks.json").write_text(json.dumps(asks))
        print("built:", info)
    ws = Workspace.open(root / "ws")
    ids = [i for i, _ in json.loads((root / "asks.json").read_text())]
    _, token = ws.create_api_key(
        name="bench",
        role=Role.relying_party,
        expires_at=datetime.now(UTC) + timedelta(days=1),
        actions=[ACTION],
        purpose="benchmark",
    )
    folder = Path(tempfile.mkdtemp(prefix="xinyong-httpbatch-"))
    bodies = _bodies(ids, args.mixed)
    scripts = {name: _lua(folder, token, [b]) for name, b in bodies.items()}
    # the same requests with a content type the fast layer leaves to the route
    routed = {}
    for name, script in scripts.items():
        again = folder / f"route-{script.name}"
        again.write_text(script.read_text().replace('"application/json"', f'"{ROUTE_TYPE}"'))
        routed[name] = again
    servers: dict[str, str] = {}
    forms_of: dict[str, list[str]] = {}
    for spec in args.server:  # label=src or label=src@form,form
        name, where = spec.split("=", 1)
        where, _, only = where.partition("@")
        servers[name] = where
        forms_of[name] = only.split(",") if only else args.form
    print("uptime before:", _uptime())
    found: dict[str, list[float]] = {}
    for r in range(args.rounds):
        order = list(servers) if r % 2 == 0 else list(reversed(servers))
        for name in order:
            port = _port()
            env = {**os.environ, "PYTHONPATH": str(Path(servers[name]).resolve())}
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "xinyong",
                    "serve",
                    "-w",
                    str(root / "ws"),
                    "--port",
                    f"{port}",
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            forms = forms_of[name]
            try:
                _wait(port)
                for form in forms:
                    query = _query(form)
                    for body_name, body in bodies.items():
                        _, size = _post(port, token, "/v1/checks/batch" + query, body)
                        _post(port, token, "/v1/checks/batch" + query, body)
                        found.setdefault(f"{name} {form} {body_name} answer bytes", []).append(size)
                for form in forms:
                    query = _query(form)
                    use = routed if form.endswith("-route") else scripts
                    for body_name, script in use.items():
                        before, t = _cpu(proc.pid), time.perf_counter()
                        path = "/v1/checks/batch" + query
                        got = _wrk(port, path, script, args.conns, args.seconds)
                        cpu, wall = _cpu(proc.pid) - before, time.perf_counter() - t
                        label = f"{name} {form} {body_name}"
                        subjects = got["rps"] * wall * 10_000
                        found.setdefault(f"{label} subjects/s", []).append(got["rps"] * 10_000)
                        found.setdefault(f"{label} server CPU µs/subject", []).append(
                            cpu / max(subjects, 1) * 1e6
                        )
                        found.setdefault(f"{label} p50 ms", []).append(got["p50_ms"])
                        found.setdefault(f"{label} non2xx", []).append(got["non2xx"])
                        print(
                            f"round {r} {label}: {got['rps'] * 10_000:,.0f}/s, "
                            f"CPU {cpu / max(subjects, 1) * 1e6:.2f} µs/subject, "
                            f"p50 {got['p50_ms']:.1f} ms, non2xx {got['non2xx']:.0f}",
                            flush=True,
                        )
            finally:
                proc.terminate()
                proc.wait()
    print("uptime after:", _uptime())
    for k, v in found.items():
        print(f"  {k}: median {statistics.median(v):,.2f} range [{min(v):,.2f}, {max(v):,.2f}]")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workspace", required=True)
    p.add_argument("--build", action="store_true")
    p.add_argument("--subjects", type=int, default=2_000_000)
    p.add_argument("--server", action="append", required=True, help="label=src folder[@form,form]")
    p.add_argument("--form", action="append", default=None, help="items, compact")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--conns", type=int, default=2)
    p.add_argument("--mixed", action="store_true")
    args = p.parse_args()
    args.form = args.form or ["items"]
    run(args)


if __name__ == "__main__":
    main()
