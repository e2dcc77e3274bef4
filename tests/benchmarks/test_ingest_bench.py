"""benchmarks/ingest.py at a tiny size: its baselines do the work that xinyong's ingest does.

A ratio against a baseline that computes something else would mean nothing, so the assertions
are equalities: B2 (plain Python) accepts exactly the rows xinyong accepts and stores the same
entries under the same Merkle root; B1t's hashing, run over the ledger's own entries, gives the
ledger's root. And one fresh-process round of the benchmark runs. No timing is asserted.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.slow

BENCH = Path(__file__).parents[2] / "benchmarks" / "ingest.py"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ingest_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_baselines_equal_xinyong(
    bench: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench, "DATA", tmp_path)
    found = bench.check(bench.sample_file(1_500, seed=3))
    # 1% malformed rows are rejected by both; B1t, which checks types only, keeps most of them
    assert found["rows"] == 1_500
    assert found["accepted"] == 1_500 - 15
    assert found["accepted"] < found["b1t_accepted"] < 1_500


def test_b1t_tree_is_rfc6962(bench: ModuleType) -> None:
    import hashlib

    from xinyong.domain import merkle

    b1t = bench.handwritten("b1t")
    for n in (0, 1, 2, 3, 5, 8, 13):
        leaves = [hashlib.sha256(bytes([i])).digest() for i in range(n)]
        levels, root = b1t.interior_nodes(leaves)
        assert root == merkle.root(leaves)
        # only complete nodes are kept: level L has n >> L of them
        assert [len(level) for level in levels] == [n >> k for k in range(1, len(levels) + 1)]


def test_one_round_runs(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--rows", "300", "--rounds", "1", "--check-rows", "0"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for name in ("xinyong", "b1t", "b2"):
        assert f"round 1 {name}" in done.stdout
    assert "b2 / xinyong: CPU" in done.stdout
