"""Conformance: the same pack on the same entries gives the same five relations on every engine.

DuckDB's results are the yardstick (computed once per pack and date, on their own connection);
each engine's must equal them row for row and hash for hash — on every shipped pack and the
national variant (`packs.py`), over generated entries, every pack's example cases and, for the
national catalogue, dishonest-debtor life cycles (`data.py`), at several dates. Scoped evaluation
must give what the full evaluation gives for the same subjects.

`XINYONG_CONFORMANCE_ROWS` (default 3000) sets how many generated records each pack gets.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date
from functools import cache

import pytest

from xinyong.domain.results import LISTED, NOTICE_MISSING, RELATIONS, Results, Row, cell

from .conftest import Ctx, DuckDBCtx
from .data import entries_for, shuffled_keys
from .packs import VARIANT, pack, shipped

ROWS = int(os.environ.get("XINYONG_CONFORMANCE_ROWS", "3000"))
PACK_NAMES = [*shipped(), VARIANT]
DATES = (
    date(2019, 3, 1),
    date(2021, 1, 1),
    date(2024, 2, 29),
    date(2024, 6, 1),
    date(2025, 6, 1),
)
SCOPED_ON = date(2024, 6, 1)
# (engine, pack, date) → the engine's full evaluation, kept for the scoped test to filter.
FULL: dict[tuple[str, str, date], Results] = {}
PYTHON_TYPES = (str, int, date, type(None))


@cache
def inputs(name: str) -> tuple[list[Row], list[str]]:
    return entries_for(pack(name), rows=ROWS)


@cache
def expected(name: str, as_of: date) -> Results:
    duck = DuckDBCtx()
    try:
        duck.load(inputs(name)[0])
        return duck.evaluate(pack(name), as_of)
    finally:
        duck.close()


def differences(want: Results, got: Results, engine: str) -> list[str]:
    """What differs, relation by relation, with the first differing rows."""
    out: list[str] = []
    want_rows, got_rows = want.sorted(), got.sorted()
    for name in RELATIONS:
        w, g = want_rows[name], got_rows[name]
        if w == g and want.digest(name) == got.digest(name):
            continue
        i = next(
            (k for k, (a, b) in enumerate(zip(w, g, strict=False)) if a != b), min(len(w), len(g))
        )
        out.append(
            f"{name}: duckdb has {len(w)} rows, {engine} {len(g)}; first difference at row {i}:\n"
            f"  duckdb: {w[i : i + 3]}\n  {engine}: {g[i : i + 3]}\n"
            f"  only in duckdb: {[r for r in w if r not in g][:3]}\n"
            f"  only in {engine}: {[r for r in g if r not in w][:3]}"
        )
    return out


def wrong_types(results: Results) -> list[str]:
    """Values whose Python type is not what DuckDB hands back (a datetime for a date, a Decimal
    for an integer): equal hashes could hide those, as the hash is over text."""
    bad = []
    for name, rows in results.relations.items():
        for row in rows:
            for column, value in zip(RELATIONS[name], row, strict=True):
                if type(value) not in PYTHON_TYPES:
                    bad.append(f"{name}.{column}: {value!r} is {type(value).__name__}")
    return bad[:5]


def assert_same(want: Results, got: Results, engine: str, label: str) -> None:
    problems = differences(want, got, engine) + wrong_types(got)
    assert not problems, f"{label} on {engine}:\n" + "\n".join(problems)
    assert got.digests() == want.digests()
    assert got.hash() == want.hash()


def scoped_subset(results: Results, keys: Iterable[str]) -> Results:
    wanted = set(keys)
    out = Results(results.as_of, results.pack_version)
    for name, rows in results.relations.items():
        out.relations[name] = [r for r in rows if r[0] in wanted]
    return out


@pytest.mark.parametrize("name", PACK_NAMES)
def test_every_engine_gives_duckdbs_results(ctx: Ctx, name: str) -> None:
    rows, _ = inputs(name)
    ctx.load(rows)
    for as_of in DATES:
        want = expected(name, as_of)
        got = ctx.evaluate(pack(name), as_of)
        assert_same(want, got, ctx.name, f"{name} as of {as_of}")
        FULL[ctx.name, name, as_of] = got


@pytest.mark.parametrize("name", PACK_NAMES)
def test_scoped_evaluation_is_the_full_one_filtered(ctx: Ctx, name: str) -> None:
    rows, keys = inputs(name)
    ctx.load(rows)
    # cases and debtors first (they are listed), then generated subjects, then an unknown key
    chosen = [*keys[:12], *shuffled_keys(keys[12:], 25, seed=3), "no-such-subject"]
    full = FULL.get((ctx.name, name, SCOPED_ON)) or ctx.evaluate(pack(name), SCOPED_ON)
    scoped = ctx.evaluate(pack(name), SCOPED_ON, subjects=chosen)
    assert_same(scoped_subset(full, chosen), scoped, ctx.name, f"{name} scoped to {len(chosen)}")
    assert sum(scoped.counts().values()) > 0
    # an empty scope evaluates nobody
    nobody = ctx.evaluate(pack(name), SCOPED_ON, subjects=[])
    assert nobody.counts() == dict.fromkeys(RELATIONS, 0)


def test_the_inputs_reach_every_outcome() -> None:
    """The suite is only as good as its data: lists are not empty, both listing statuses and
    every decision outcome occur, schemes score."""
    statuses = set()
    outcomes = set()
    for name in PACK_NAMES:
        for as_of in DATES:
            r = expected(name, as_of)
            statuses |= {row[7] for row in r["listings"]}
            outcomes |= {row[3] for row in r["decisions"]}
    assert statuses == {LISTED, NOTICE_MISSING}
    assert outcomes == {"restrict", "reward"}
    national = expected("national", date(2024, 6, 1))
    assert {m[1] for m in national["memberships"]} == set(pack("national").lists)
    # measures reach officers, in each role, and not every officer
    reached = [r for r in national["decisions"] if r[4] is not None]
    assert {r[5] for r in reached} == {
        "legal_representative",
        "principal_responsible_person",
        "directly_responsible_person",
        "actual_controller",
    }
    variant = expected(VARIANT, date(2024, 6, 1))
    assert {m[1] for m in variant["memberships"]} == set(pack(VARIANT).lists)
    assert {s[3] for s in variant["scores"]} == {"A", "B", "C", "D"}
    assert all(cell(v) for r in variant["scores"] for v in r)
