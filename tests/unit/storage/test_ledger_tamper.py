"""Tampering with a real ledger file or its checkpoints: `verify` fails and names what is wrong."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from ledger_helpers import ORIGIN, RECEIVED, OpenLedger, RunSql, on_both_stores, rows_batch

from xinyong.domain.checkpoint import Checkpoint, PendingCommit, sign, sign_body
from xinyong.errors import TamperDetected
from xinyong.storage import pgsql
from xinyong.storage.base import VerifyReport
from xinyong.storage.checkpoints import PENDING, checkpoint_name
from xinyong.storage.duckdb import ENTRY_COLUMNS, LEAF_SQL
from xinyong.storage.tree import frontier_params, top_level, tree_sql

Verify = Callable[[], VerifyReport]
pytestmark = on_both_stores

BATCHES = (5, 5, 5)  # entries 0..4, 5..9, 10..14; checkpoints 0, 5, 10, 15


@pytest.fixture
def built(open_ledger: OpenLedger, paths: tuple[Path, Path]) -> tuple[Path, Path]:
    with open_ledger() as ledger:
        for n in BATCHES:
            ledger.append(rows_batch(ledger.size(), n), RECEIVED)
        assert ledger.verify().ok
    return paths


@pytest.fixture
def verify(open_ledger: OpenLedger, signing_key: Ed25519PrivateKey) -> Callable[[], VerifyReport]:
    def verify_() -> VerifyReport:
        with open_ledger(
            read_only=True, signing_key=None, public_key=signing_key.public_key()
        ) as ro:
            report: VerifyReport = ro.verify()
        assert not report.ok, "tampering went unnoticed"
        return report

    return verify_


def has(report: VerifyReport, *fragments: str) -> None:
    text = "\n".join(report.problems)
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"


CP5, CP10, CP15 = (checkpoint_name(n) for n in (5, 10, 15))


def test_edited_entry_is_named(built: tuple[Path, Path], run_sql: RunSql, verify: Verify) -> None:
    run_sql("UPDATE entries SET attributes = '{\"amount\":0}' WHERE seq = 7")
    report = verify()
    has(
        report,
        "entry seq 7 (provider 'court.beijing', document_ref '(2023)京01执7号') does not match "
        "its stored leaf hash",
        f"in batch seq 5..9; breaks checkpoint {CP10} and the 1 later ones",
        f"checkpoint {CP10} (size 10) does not match the entries",
        "the change is in seq 5..9",
    )
    with pytest.raises(TamperDetected, match=r"ledger verification failed: \d+ problems") as caught:
        report.raise_for_problems()
    assert any("seq 7" in d for d in caught.value.details)


def test_deleted_entry_is_named(built: tuple[Path, Path], run_sql: RunSql, verify: Verify) -> None:
    run_sql("DELETE FROM entries WHERE seq = 7")
    report = verify()
    has(
        report,
        f"entry seq 7 is missing (deleted); in batch seq 5..9; breaks checkpoint {CP10}",
        f"checkpoint {CP10} (size 10) cannot be recomputed",
    )


def test_first_entry_deleted(built: tuple[Path, Path], run_sql: RunSql, verify: Verify) -> None:
    run_sql("DELETE FROM entries WHERE seq IN (0, 1)")
    has(verify(), "entries seq 0..1 are missing (deleted); in batch seq 0..4")


def test_swapped_entries_are_named(
    built: tuple[Path, Path], run_sql: RunSql, verify: Verify
) -> None:
    swap = """UPDATE entries AS e SET document_ref = o.document_ref, attributes = o.attributes,
                  subject_key = o.subject_key, decision_date = o.decision_date
              FROM (SELECT * FROM entries WHERE seq IN (3, 11)) AS o
              WHERE e.seq IN (3, 11) AND o.seq <> e.seq"""
    run_sql(swap)
    report = verify()
    has(report, "entry seq 3 (provider 'court.beijing', document_ref '(2023)京01执11号')")
    has(report, "entry seq 11 (provider 'court.beijing', document_ref '(2023)京01执3号')")
    has(report, f"checkpoint {CP5} (size 5) does not match", "the change is in seq 0..4")


def test_reordered_seqs_are_named(
    built: tuple[Path, Path], run_sql: RunSql, verify: Verify
) -> None:
    # Renumbering rows keeps every row intact but moves it: seq is inside the canonical bytes.
    run_sql("UPDATE entries SET seq = CASE seq WHEN 2 THEN 12 ELSE 2 END WHERE seq IN (2, 12)")
    report = verify()
    has(report, "entry seq 2 (provider 'court.beijing', document_ref '(2023)京01执12号')")
    has(report, "entry seq 12 (provider 'court.beijing', document_ref '(2023)京01执2号')")


def test_truncation_is_named(built: tuple[Path, Path], run_sql: RunSql, verify: Verify) -> None:
    run_sql("DELETE FROM entries WHERE seq >= 12")
    has(
        verify(),
        f"entries 12..14 are missing (truncated): checkpoint {CP15} signed 15 entries but the "
        "ledger holds 12",
    )


def test_thorough_truncation_is_named(
    built: tuple[Path, Path], run_sql: RunSql, verify: Verify, open_ledger: OpenLedger
) -> None:
    # The whole last batch removed from the database, tree and batch records included.
    run_sql(
        "DELETE FROM entries WHERE seq >= 10",
        "DELETE FROM nodes WHERE (idx + 1) * (1 << level) > 10",
        "DELETE FROM batches WHERE size > 10",
    )
    has(verify(), "entries 10..14 are missing (truncated)", CP15)
    with pytest.raises(
        TamperDetected, match=r"entries 10\.\.14 are missing \(truncated\); refusing"
    ):
        open_ledger()


def test_edited_checkpoint_is_named(
    built: tuple[Path, Path], run_sql: RunSql, verify: Verify
) -> None:
    path = built[1] / CP10
    path.write_text(path.read_text().replace("\n10\n", "\n11\n"))
    has(verify(), f"{CP10}: signature by '{ORIGIN}' does not verify")


def test_forged_checkpoint_is_named(
    built: tuple[Path, Path], run_sql: RunSql, verify: Verify
) -> None:
    forger = Ed25519PrivateKey.from_private_bytes(bytes([1] * 32))
    (built[1] / CP15).write_text(sign(Checkpoint(ORIGIN, 15, bytes(32)), forger))
    has(verify(), f"{CP15}: not signed by key '{ORIGIN}'")


def test_renamed_checkpoint_is_named(
    built: tuple[Path, Path], run_sql: RunSql, verify: Verify
) -> None:
    (built[1] / CP15).rename(built[1] / checkpoint_name(20))
    has(
        verify(),
        f"{checkpoint_name(20)}: file is named for size 20 but signs size 15",
        "entries 10..14 are not covered by any checkpoint",
    )


def test_deleted_checkpoint_is_named(
    built: tuple[Path, Path], run_sql: RunSql, verify: Verify
) -> None:
    (built[1] / CP10).unlink()
    has(verify(), f"checkpoint {CP10} of batch seq 5..9 is missing", "deleted")


def test_deleted_newest_checkpoint(
    built: tuple[Path, Path], run_sql: RunSql, verify: Verify
) -> None:
    (built[1] / CP15).unlink()
    has(verify(), "entries 10..14 are not covered by any checkpoint")


def test_missing_checkpoint_folder(
    built: tuple[Path, Path], run_sql: RunSql, verify: Verify
) -> None:
    shutil.rmtree(built[1])
    report = verify()
    has(report, f"checkpoint folder {built[1]} does not exist")
    has(report, "entries 0..14 are not covered by any checkpoint")


def test_pending_ahead_is_a_note_not_a_problem(
    built: tuple[Path, Path], open_ledger: OpenLedger, signing_key: Ed25519PrivateKey
) -> None:
    commit = PendingCommit(Checkpoint(ORIGIN, 10, bytes(32)), Checkpoint(ORIGIN, 20, bytes(32)), 0)
    (built[1] / PENDING).write_text(sign_body(commit.body(), signing_key, ORIGIN))
    with open_ledger(read_only=True, signing_key=None, public_key=signing_key.public_key()) as ro:
        report = ro.verify()
    assert report.ok, report.problems
    assert any("ahead of the ledger" in n for n in report.notes)


def test_forged_pending_is_named(
    built: tuple[Path, Path], run_sql: RunSql, verify: Verify, open_ledger: OpenLedger
) -> None:
    forger = Ed25519PrivateKey.from_private_bytes(bytes([1] * 32))
    (built[1] / PENDING).write_text(sign(Checkpoint(ORIGIN, 20, bytes(32)), forger))
    has(verify(), f"{PENDING}: not signed by key")
    with pytest.raises(TamperDetected, match="not signed"):
        open_ledger()
    assert (built[1] / PENDING).exists(), "evidence is never removed"


def test_edit_with_recomputed_leaf_is_localised(
    built: tuple[Path, Path], run_sql: RunSql, verify: Verify, store_kind: str
) -> None:
    # A careful forger also rewrites the stored leaf hash; the stored level-1 node still differs.
    leaf = pgsql.LEAF_SQL if store_kind == "postgres" else LEAF_SQL
    run_sql(
        "UPDATE entries SET attributes = '{}' WHERE seq = 6",
        f"UPDATE nodes SET hash = (SELECT {leaf} FROM entries WHERE seq = 6) "
        "WHERE level = 0 AND idx = 6",
    )
    report = verify()
    has(report, "stored Merkle node (level 1, index 3) over entries 6..7 does not match them")
    has(report, f"checkpoint {CP10} (size 10) does not match", "the change is in seq 5..9")


def test_rewritten_tree_is_caught_by_checkpoints_alone(
    built: tuple[Path, Path], run_sql: RunSql, verify: Verify, store_kind: str
) -> None:
    # The forger rebuilds every stored hash from the edited entries; only signatures remain.
    run_sql("UPDATE entries SET attributes = '{}' WHERE seq = 6")
    if store_kind == "postgres":
        leaves = f"SELECT seq AS idx, {pgsql.LEAF_SQL} AS hash FROM entries"
        run_sql(
            "DELETE FROM nodes",
            f"INSERT INTO nodes {pgsql.tree_sql(leaves, top_level(15))}",
            params=pgsql.frontier_params({}),
        )
    else:
        leaves = f"SELECT seq AS idx, {LEAF_SQL} AS hash FROM entries"
        run_sql(
            f"CREATE OR REPLACE TABLE nodes AS {tree_sql(leaves, top_level(15))}",
            params=frontier_params({}),
        )
    report = verify()
    assert not any("stored" in p for p in report.problems)
    has(report, f"checkpoint {CP10} (size 10) does not match", "the change is in seq 5..9")
    has(report, "1 later checkpoints do not match either")


def test_inserted_entries_are_named(
    built: tuple[Path, Path], run_sql: RunSql, verify: Verify
) -> None:
    others = ", ".join(c for c in ENTRY_COLUMNS if c != "seq")
    run_sql(
        "INSERT INTO entries SELECT * FROM entries WHERE seq = 4",
        f"INSERT INTO entries SELECT 15, {others} FROM entries WHERE seq = 4 LIMIT 1",
    )
    report = verify()
    has(
        report,
        "entry seq 4 (provider 'court.beijing', document_ref '(2023)京01执4号') occurs 2 times",
    )
    has(report, "entries 15..15 are not covered by any checkpoint")
    has(report, "entries 15..15 belong to no recorded batch")
