"""Relying parties' checks from the hot decision file: in process, and over HTTP with `wrk`.

    python benchmarks/check.py --hot [--hot-subjects 2000000] [--rounds 3] [--wrk-seconds 10]
    python benchmarks/check.py --hot --batch-only   # the batch figures alone

Set-up. A workspace gets a seeded sample (6,000 records, 600 subjects, case life cycles, so
many are restricted, some through an entity they are an officer of), is evaluated, and its hot
file is built by `hotpath.build`. That file is then *grown* to `--hot-subjects` subjects: the
real rows are kept (their identifiers are asked about) and synthetic subjects (random
pseudonymous keys) are added, each a copy of a random real row's codes and verdicts, and the
file is rewritten with the same binding and signed by the ledger's key, so the checker trusts
it as it would a real one. (Building a 2M-subject ledger and evaluating it would take hours on
this machine; the check's cost depends on the file's size, not on how it was made.)

In process (`Workspace.quick`, the same object `xinyong serve` uses), alternating rounds:
- baseline: the subject key alone (identifier normalised and checked, pseudonym HMAC) and a
  Python dict lookup of it;
- the answer: the subject key, then the hot file's lookup and the `Decision` (allowed and
  restricted asks timed apart; a restricted one also reads and decodes its verdict, cached
  after the first time);
- the check as served: the answer plus the decision log line, durable before return (a lone
  caller waits one fdatasync: this is what a relying party waits in process);
- fsync per line vs per group: 8 threads logging 2,000 lines each, `mode="line"` vs "group";
- batch: 10,000 and 100,000 identifiers for one action through `Quick.check_many` (keys for
  the whole batch, the lookup, one durable decision log line), its parts timed apart (see
  `batch`), against a per-identifier baseline that logs the same way.

Over HTTP, on loopback, `wrk` in another process, bounded in time (`--wrk-seconds`), rounds
alternating: `xinyong serve` (uvicorn, one worker) answering `POST /v1/checks`, against a
minimal FastAPI app served the same way whose route returns a small constant JSON object
(same method, body and headers; both by uvicorn with `httptools` and `uvloop`, access log off,
the startup objects frozen out of the cyclic collector's passes as `xinyong serve` does);
32 connections, then 1 (unloaded); then the batch route.
"""

from __future__ import annotations

import hmac
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from xinyong.domain.access import Role
from xinyong.domain.identifiers import generate_resident_id
from xinyong.errors import IdentifierError
from xinyong.sample.generate import write_csv
from xinyong.service import Workspace
from xinyong.storage import hotfile
from xinyong.storage.decisionlog import DecisionLog

TODAY = date(2026, 11, 1)
ACTION = "air_travel.book"
SRC = str(Path(__file__).resolve().parent.parent / "src")


def _uptime() -> str:
    return subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip()


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * q))]


def grow(ws: Workspace, subjects: int, seed: int = 1) -> dict[str, int]:
    """Rewrite the workspace's hot file with `subjects` rows (see the module docstring)."""
    hot = ws.quick.hot()
    assert hot is not None
    real = hot.current()
    assert real is not None, "a fresh hot file after evaluate"
    n0, width = real.header.subjects, real.width
    extra = max(subjects - n0, 0)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, n0, size=extra)
    cells = np.asarray(real.cells)
    rows = (cells // np.uint64(width)).astype(np.int64)
    cols = cells % np.uint64(width)
    count = np.bincount(rows, minlength=n0)
    start = np.concatenate([[0], np.cumsum(count)[:-1]])
    per = count[picks]
    total = int(per.sum())
    within = np.arange(total) - np.repeat(np.cumsum(per) - per, per)
    idx = np.repeat(start[picks], per) + within
    new_rows = np.repeat(np.arange(n0, n0 + extra, dtype=np.uint64), per)
    all_cells = np.concatenate([cells, new_rows * np.uint64(width) + cols[idx]])
    all_verdicts = np.concatenate(
        [np.asarray(real.cell_verdicts), np.asarray(real.cell_verdicts)[idx]]
    )
    codes = np.concatenate([np.asarray(real.codes), np.asarray(real.codes)[picks]])
    noise = os.urandom(32 * extra).hex()
    keys = [real.full_key(i) for i in range(n0)]
    keys += [f"resident_id:#{noise[64 * i : 64 * i + 64]}" for i in range(extra)]
    verdicts = [real.verdict_bytes(i) for i in range(real.header.verdicts)]
    binding = real.header.binding
    with ws.ledger() as store:
        hotfile.write(
            ws.hot_file(),
            binding=binding,
            actions=real.header.actions,
            subjects=keys,
            codes=codes,
            cells=all_cells,
            cell_verdicts=all_verdicts.astype(np.uint32),
            verdicts=verdicts,
            signer=store,  # type: ignore[arg-type]
        )
    return {"subjects": len(keys), "cells": len(all_cells), "bytes": ws.hot_file().stat().st_size}


def setup(root: Path, subjects: int) -> tuple[Workspace, list[tuple[str, str]], dict[str, Any]]:
    ws = Workspace.init(root / "ws", today=TODAY)
    sample = write_csv(
        root / "records.csv",
        ws.pack.catalogue,
        rows=6_000,
        subjects=600,
        seed=1,
        today=TODAY,
        cases=list(ws.pack.cases.values()),
        story_share=0.5,
    )
    ws.ingest(sample.path)
    ws.evaluate(as_of=TODAY)
    started = time.perf_counter()
    info: dict[str, Any] = grow(ws, subjects)
    info["grow_s"] = time.perf_counter() - started
    asks = [(s.identifier, s.scheme) for s in sample.subjects]
    return ws, asks, info


def _classify(ws: Workspace, asks: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    allowed, restricted = [], []
    hot = ws.quick.hot()
    assert hot is not None
    file = hot.current()
    assert file is not None
    for identifier, scheme in asks:
        d = hot.decide(file, ws.quick.subject_key(identifier, scheme), ACTION)
        assert d is not None
        (restricted if d.outcome == "restrict" else allowed).append(identifier)
    rng = random.Random(5)
    # people the file does not hold at all: allowed, the commonest ask
    allowed += [generate_resident_id(rng, date(1970, 1, 1) + timedelta(days=i)) for i in range(500)]

    def unambiguous(identifier: str) -> bool:  # a few numbers are valid USCCs too
        try:
            ws.find_scheme(identifier)
        except IdentifierError:
            return False
        return True

    return list(filter(unambiguous, allowed)), list(filter(unambiguous, restricted))


def in_process(ws: Workspace, asks: list[tuple[str, str]], rounds: int) -> dict[str, Any]:
    quick = ws.quick
    hot = quick.hot()
    assert hot is not None
    allowed, restricted = _classify(ws, asks)
    rng = random.Random(2)
    n = 3_000
    table = {quick.subject_key(i): "allow" for i in allowed}
    out: dict[str, list[float]] = {}

    def timed(name: str, idents: list[str], fn: Any) -> None:
        ts = []
        for ident in (rng.choice(idents) for _ in range(n)):
            t = time.perf_counter()
            fn(ident)
            ts.append(time.perf_counter() - t)
        out.setdefault(f"{name} p50", []).append(_pct(ts, 0.5) * 1e6)
        out.setdefault(f"{name} p99", []).append(_pct(ts, 0.99) * 1e6)

    def answer(ident: str) -> None:
        file = hot.current()
        hot.decide(file, quick.subject_key(ident), ACTION)  # type: ignore[arg-type]

    def baseline(ident: str) -> None:
        table.get(quick.subject_key(ident))

    for _ in range(rounds):
        timed("baseline: subject key + dict lookup", allowed, baseline)
        timed("answer allowed", allowed, answer)
        timed("answer restricted", restricted, answer)
        timed("check allowed (+ durable log line)", allowed, lambda i: ws.check(i, ACTION))
        timed("check restricted (+ durable log line)", restricted, lambda i: ws.check(i, ACTION))
    result: dict[str, Any] = {k: (statistics.median(v), min(v), max(v)) for k, v in out.items()}
    base = statistics.median(out["baseline: subject key + dict lookup p99"])
    result["ratio answer allowed p99 / baseline p99"] = (
        statistics.median(out["answer allowed p99"]) / base
    )
    result.update(batch(ws, allowed, restricted, rounds))
    result.update(log_modes(Path(tempfile.mkdtemp(prefix="xinyong-log-")), rounds))
    return result


def batch_only(ws: Workspace, asks: list[tuple[str, str]], rounds: int) -> dict[str, Any]:
    allowed, restricted = _classify(ws, asks)
    return batch(ws, allowed, restricted, rounds)


BATCH_SIZES = (10_000, 100_000)


def old_lines(keys: Any, answers: Any, asked_by: str | None, purpose: str | None) -> list[bytes]:
    """The decision log's lines of a batch as written before issue 9 §5's batch entry: one
    line per subject, rendered from a template (measured for comparison only)."""
    from xinyong.storage.decisionlog import render

    sample = render(
        at=datetime.now(UTC),
        subject_key="\0",
        action=ACTION,
        outcome="\1",
        as_of=answers.as_of,
        pack_version=answers.pack_version,
        asked_by=asked_by,
        purpose=purpose,
        measures=["\2"],
        audience="relying_party",
    ).decode("utf-8")
    head, rest = sample.split('"\\u0000"')
    middle, rest = rest.split('"\\u0001"')
    between, tail = rest.split('["\\u0002"]')
    dumps = json.dumps
    verdicts = {
        i: (dumps(v.outcome), dumps([m.name for m in v.measures], ensure_ascii=False))
        for i, v in answers.verdicts.items()
    }
    allow = (dumps("allow"), "[]")
    lines = []
    for key, verdict in zip(keys, answers.verdict.tolist(), strict=True):
        if key is None:
            continue
        outcome, measures = allow if verdict < 0 else verdicts[verdict]
        lines.append(f"{head}{dumps(key)}{middle}{outcome}{between}{measures}{tail}".encode())
    return lines


def _distinct(ws: Workspace, n: int, taken: set[str]) -> list[str]:
    """`n` distinct valid identifiers the file does not hold: 85% resident IDs, 15% USCCs."""
    from xinyong.domain.identifiers import generate_uscc

    rng = random.Random(6)
    out: set[str] = set()
    while len(out) < n:
        if rng.random() < 0.15:
            found = generate_uscc(rng)
        else:
            found = generate_resident_id(rng, date(1940, 1, 1) + timedelta(rng.randrange(30_000)))
        if found not in taken:
            out.add(found)
    # a few numbers are valid in both schemes: the batch would report them as errors
    found = [i for i in sorted(out) if _unambiguous(ws, i)]
    rng.shuffle(found)
    return found


def _unambiguous(ws: Workspace, identifier: str) -> bool:
    try:
        ws.find_scheme(identifier)
    except IdentifierError:
        return False
    return True


def batch(ws: Workspace, allowed: list[str], restricted: list[str], rounds: int) -> dict[str, Any]:
    """Batches of `BATCH_SIZES` identifiers (10% restricted subjects, people and firms as the
    sample has them) for one action. Timed apart: the keys (identifier checks and pseudonyms,
    with the HMAC computed three ways), the lookup, the log (render and a durable append, in
    the batch entry and, for comparison, in the old one-line-per-subject format), and the whole
    `Quick.check_many`. Baseline, in the same rounds: what one writes without vectorising —
    per identifier, the schemes' own checks, `hmac` and a dict lookup of the full key (a dict
    of the file's adverse cells for the action, built before timing) — logged as one durable
    batch line like the new path's, so the log format does not decide the ratio."""
    import duckdb
    import pyarrow as pa

    from xinyong.checker import batch_entry
    from xinyong.domain import pseudobatch
    from xinyong.domain.idbatch import subject_keys, subject_keys_slow
    from xinyong.domain.pseudonym import pseudonym_sql
    from xinyong.storage.decisionlog import render_batch

    quick = ws.quick
    hot = quick.hot()
    assert hot is not None
    file = hot.current()
    assert file is not None
    column = file.column[ACTION]
    rows = np.flatnonzero(np.asarray(file.codes[:, column]))
    adverse = {file.full_key(int(r)): int(file.codes[r, column]) for r in rows.tolist()}
    key = quick.pseudonym_key
    schemes = ws.schemes
    rng = random.Random(3)
    con = duckdb.connect()
    hmac_sql = f"SELECT {pseudonym_sql('resident_id', 'v', 'k')} FROM t"
    found: dict[str, list[float]] = {}
    log = quick.log

    def hmac_dict(idents: list[str]) -> None:
        """Per identifier: a person or a firm by its characters (no check digits, dates or
        divisions checked), the pseudonym by `hmac`, a dict lookup."""
        keys: list[str] = []
        for i in idents:
            u = i.upper()
            if u[:17].isdigit():
                keys.append(
                    "resident_id:#"
                    + hmac.new(key, b"resident_id:" + u.encode(), "sha256").hexdigest()
                )
            else:
                keys.append("uscc:" + u)
        logged([adverse.get(k, 0) for k in keys], keys)

    def checked(idents: list[str]) -> None:
        """Per identifier: the schemes' own checks (`Workspace.find_scheme`'s), then as above."""
        keyed = subject_keys_slow(schemes, idents, key)
        logged([adverse.get(k, 0) if k else -1 for k in keyed.keys], keyed.keys)

    def logged(outcomes: list[int], keys: Any) -> None:
        line = render_batch(
            at=datetime.now(UTC),
            action=ACTION,
            as_of=file.header.binding.as_of,
            pack_version=file.header.binding.pack_version,
            asked_by=None,
            purpose="benchmark",
            audience="relying_party",
            subject_keys=json.dumps([k for k in keys if k]).encode(),
            answers=[("restrict", [], [i for i, o in enumerate(outcomes) if o > 0])],
        )
        log.append([line])

    quick.check_many(allowed[:10], ACTION, purpose="warm-up")  # compiles or loads the loop
    fresh = _distinct(ws, sum(BATCH_SIZES), set(allowed) | set(restricted))
    for size in BATCH_SIZES:
        # distinct people and firms, as a relying party's customer list has them (a repeated
        # identifier would be keyed once by the baseline), a tenth of them restricted
        idents = [
            rng.choice(restricted) if rng.random() < 0.1 else fresh.pop() for _ in range(size)
        ]
        people = [i for i in idents if ws.find_scheme(i).name == "resident_id"]
        matrix = np.frombuffer("".join(people).upper().encode(), np.uint8).reshape(-1, 18)
        table = pa.table({"v": pa.array([p.upper() for p in people])})
        keyed = subject_keys(schemes, idents, key)
        answers = hot.decide_many(file, keyed.keys64, keyed.keys, ACTION)
        assert answers is not None

        def hmac_duckdb(table: Any = table) -> None:
            t = table  # noqa: F841 - the query's `t`, found by DuckDB's replacement scan
            con.execute(hmac_sql, {"k": key}).fetchall()

        def log_new(keyed: Any = keyed, answers: Any = answers) -> None:
            log.append([batch_entry(keyed.keys, ACTION, answers, None, "benchmark")])

        def log_old(keyed: Any = keyed, answers: Any = answers) -> None:
            log.append(old_lines(list(keyed.keys), answers, None, "benchmark"))

        steps: list[tuple[str, int, Any]] = [
            (
                "baseline whole (per identifier: hmac, dict; durable batch line)",
                size,
                lambda idents=idents: hmac_dict(idents),
            ),
            (
                "baseline with the schemes' checks per identifier",
                size,
                lambda idents=idents: checked(idents),
            ),
            (
                "HMAC only: hashlib loop",
                len(people),
                lambda m=matrix: pseudobatch.digests_hashlib(key, b"resident_id:", m),
            ),
            (
                "HMAC only: compiled loop (numba + libcrypto)",
                len(people),
                lambda m=matrix: pseudobatch.digests(key, b"resident_id:", m),
            ),
            ("HMAC only: DuckDB pseudonym_sql over Arrow", len(people), hmac_duckdb),
            (
                "keys (vectorised checks + HMAC)",
                size,
                lambda idents=idents: subject_keys(schemes, idents, key),
            ),
            (
                "lookup (bucket directory, gathers)",
                size,
                lambda keyed=keyed: hot.decide_many(file, keyed.keys64, keyed.keys, ACTION),
            ),
            ("log: batch entry, render + durable append", size, log_new),
            ("log: old format, a line per subject, durable", size, log_old),
            (
                "whole batch (Quick.check_many)",
                size,
                lambda idents=idents: quick.check_many(idents, ACTION, purpose="benchmark"),
            ),
        ]
        for r in range(rounds):
            for name, count, fn in steps if r % 2 == 0 else list(reversed(steps)):
                t, cpu = time.perf_counter(), time.process_time()
                fn()
                found.setdefault(f"batch {size:,} {name}, subjects/s", []).append(
                    count / (time.perf_counter() - t)
                )
                # per second of this process's CPU: what the load of other processes hides
                found.setdefault(f"batch {size:,} {name}, subjects per CPU-s", []).append(
                    count / max(time.process_time() - cpu, 1e-6)
                )
    out: dict[str, Any] = {k: (statistics.median(v), min(v), max(v)) for k, v in found.items()}
    for size in BATCH_SIZES:
        whole = found[f"batch {size:,} whole batch (Quick.check_many), subjects/s"]
        base = found[
            f"batch {size:,} baseline whole (per identifier: hmac, dict; durable batch line), "
            "subjects/s"
        ]
        out[f"batch {size:,} ratio whole / baseline"] = statistics.median(whole) / (
            statistics.median(base)
        )
    out["compiled HMAC loop in use"] = pseudobatch.compiled_available()
    return out


def log_modes(folder: Path, rounds: int) -> dict[str, Any]:
    """8 threads × 2,000 lines: fdatasync per line vs per group, lines/s."""
    line = b'{"asked_at":"2026-12-04T18:00:00+00:00","asked_by":"x","outcome":"allow"}\n'
    found: dict[str, list[float]] = {}
    for r in range(rounds):
        for mode in ("line", "group"):
            log = DecisionLog(folder / f"{mode}{r}.jsonl", mode=mode)  # type: ignore[arg-type]

            def work(log: DecisionLog = log) -> None:
                for _ in range(2_000):
                    log.append([line])

            threads = [threading.Thread(target=work) for _ in range(8)]
            t = time.perf_counter()
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            found.setdefault(f"log {mode} commit, 8 threads, lines/s", []).append(
                16_000 / (time.perf_counter() - t)
            )
            found.setdefault(f"log {mode} commit, lines per fsync", []).append(
                16_000 / max(log.groups, 1)
            )
            log.close()
    return {k: (statistics.median(v), min(v), max(v)) for k, v in found.items()}


# -- over HTTP ------------------------------------------------------------------------------

MINIMAL = """
from fastapi import FastAPI
app = FastAPI()
@app.post("/v1/checks")
def check() -> dict[str, str]:
    return {"outcome": "allow"}
@app.post("/v1/checks/batch")
def batch() -> dict[str, str]:
    return {"outcome": "allow"}
"""

SERVE = """
import sys, uvicorn
from xinyong.api import create_app
from xinyong.service import Workspace
ws = Workspace.open(__import__("pathlib").Path(sys.argv[1]))
uvicorn.run(create_app(ws.settings, freeze_gc=True), host="127.0.0.1", port=int(sys.argv[2]),
            access_log=False, workers=1, log_level="warning", http="httptools", loop="uvloop")
"""

SERVE_MINIMAL = """
import gc, sys, uvicorn
exec(sys.argv[2])
gc.collect(); gc.freeze()  # as `xinyong serve` does once started (api/app.py: freeze_gc)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=False, workers=1,
            log_level="warning", http="httptools", loop="uvloop")
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int) -> None:
    for _ in range(600):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server on {port} did not start")


def _lua(folder: Path, token: str, bodies: list[str]) -> Path:
    script = folder / f"post-{len(bodies)}-{len(bodies[0])}.lua"
    quoted = ",\n".join("[==[" + b + "]==]" for b in bodies)
    script.write_text(
        f'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        f"local bodies = {{{quoted}}}\nlocal i = 0\n"
        "request = function()\n  i = i % #bodies + 1\n"
        "  return wrk.format(nil, nil, nil, bodies[i])\nend\n",
        encoding="utf-8",
    )
    return script


_UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _wrk(port: int, path: str, script: Path, conns: int, seconds: int) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            f"-t{min(conns, 2)}",
            f"-c{conns}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    found = {"rps": rps}
    for q in ("50", "99"):
        m = re.search(rf"\s{q}%\s+([\d.]+)(us|ms|s)\b", out)
        assert m is not None, out
        found[f"p{q}_ms"] = float(m.group(1)) * _UNIT[m.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    found["non2xx"] = float(errors.group(1)) if errors else 0.0
    return found


def over_http(
    ws: Workspace,
    asks: list[tuple[str, str]],
    rounds: int,
    seconds: int,
    *,
    only_batch: bool = False,
    batch: bool = True,
) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="xinyong-wrk-"))
    _, token = ws.create_api_key(
        name="bench",
        role=Role.relying_party,
        expires_at=datetime.now(UTC) + timedelta(days=1),
        actions=[ACTION],
        purpose="benchmark",
    )
    env = {**os.environ, "PYTHONPATH": SRC}
    ports = {"xinyong": _port(), "minimal": _port()}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SERVE, str(ws.settings.workspace), str(ports["xinyong"])],
            env=env,
        ),
        subprocess.Popen(
            [sys.executable, "-c", SERVE_MINIMAL, str(ports["minimal"]), MINIMAL], env=env
        ),
    ]
    try:
        for p in ports.values():
            _wait(p)
        singles = [json.dumps({"subject": i, "action": ACTION}) for i, _ in asks[:200]]
        single = _lua(folder, token, singles)
        ids = [i for i, _ in asks]
        rng = random.Random(4)
        big = [json.dumps({"subjects": [rng.choice(ids) for _ in range(10_000)], "action": ACTION})]
        bulk = _lua(folder, token, big)
        for port in ports.values():  # warm up: imports, the hot file mapped, the pack loaded
            _wrk(port, "/v1/checks", single, 2, 2)
            if only_batch:  # and the batch path's compiled loop loaded
                _wrk(port, "/v1/checks/batch", bulk, 1, 2)
        found: dict[str, list[float]] = {}
        for r in range(rounds):
            order = list(ports) if r % 2 == 0 else list(reversed(ports))
            for name in order if not only_batch else []:
                for conns in (32, 1):
                    got = _wrk(ports[name], "/v1/checks", single, conns, seconds)
                    for k, v in got.items():
                        found.setdefault(f"{name} c{conns} {k}", []).append(v)
            for name in order if batch else ():
                got = _wrk(ports[name], "/v1/checks/batch", bulk, 2, seconds)
                found.setdefault(f"{name} batch rps", []).append(got["rps"])
                found.setdefault(f"{name} batch non2xx", []).append(got["non2xx"])
    finally:
        for p in procs:
            p.terminate()
            p.wait()
    out: dict[str, Any] = {k: (statistics.median(v), min(v), max(v)) for k, v in found.items()}
    med = {k: statistics.median(v) for k, v in found.items()}
    if batch:
        out["batch subjects/s over HTTP"] = med["xinyong batch rps"] * 10_000
    if only_batch:
        return out
    out["ratio c32 rps xinyong / minimal"] = med["xinyong c32 rps"] / med["minimal c32 rps"]
    ratios = [
        a / b for a, b in zip(found["xinyong c32 rps"], found["minimal c32 rps"], strict=True)
    ]
    out["ratio c32 rps per round"] = ratios
    return out


def run_hot(subjects: int, rounds: int, seconds: int, *, only_batch: bool = False) -> None:
    print("uptime before:", _uptime())
    with tempfile.TemporaryDirectory(prefix="xinyong-hot-") as tmp:
        ws, asks, info = setup(Path(tmp), subjects)
        print("hot file:", info)
        if only_batch:
            for k, v in batch_only(ws, asks, rounds).items():
                print(f"  {k}: {v}")
            print("uptime after in-process:", _uptime())
            for k, v in over_http(ws, asks, rounds, seconds, only_batch=True).items():
                print(f"  {k}: {v}")
            print("uptime after HTTP:", _uptime())
            return
        results = in_process(ws, asks, rounds)
        print("uptime after in-process:", _uptime())
        for k, v in results.items():
            print(f"  {k}: {v}")
        results = over_http(ws, asks, rounds, seconds)
        print("uptime after HTTP:", _uptime())
        for k, v in results.items():
            print(f"  {k}: {v}")
