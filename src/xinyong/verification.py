"""Verification of a workspace's ledger, and its record: what `xinyong verify` does, and why
commands refuse a ledger whose last verification failed.

`verify` checks with a public key pinned outside the workspace (never a key found in it), then
the derived state — the decision index and the hot decision file — against the verified ledger.
Its result is kept in `verification_file`, which ingest, evaluate and check read before they use
the ledger; a failure of the derived state alone is cleared by rebuilding it (`evaluate`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from xinyong.errors import LedgerError, SettingsError, TamperDetected
from xinyong.hotpath import verify_hot
from xinyong.storage import keys
from xinyong.storage.checkpoints import write_atomic

if TYPE_CHECKING:
    from xinyong.service import Workspace
    from xinyong.settings import Settings
    from xinyong.storage.base import VerifyReport


def verify(
    ws: Workspace, *, key: str | Path | None = None, against: Sequence[Path] = ()
) -> VerifyReport:
    """Verify the ledger with the pinned public key: `key` (a verifier key, or a file
    holding one), else `settings.verify_key`; never with a key found in the workspace.
    Every checkpoint, every witness folder's (`against` and `witness_dirs`) and the decision
    index are checked. The result is recorded in `verification_file`."""
    pin = keys.pinned_key(key, f"--key {key}") if key is not None else ws.pinned_key()
    if pin is None:
        raise SettingsError(
            "verify needs the log's public key, pinned outside the workspace: pass "
            "`--key FILE` (the ledger.pub file `xinyong init` wrote, or the verifier key "
            "it printed) or set XINYONG_VERIFY_KEY",
            details=[
                "a key read from the workspace would be no pin: whoever can rewrite the "
                "ledger can replace it"
            ],
        )
    pin.check_origin(ws.settings.ledger_origin)
    with ws.ledger(read_only=True, public_key=pin.public_key) as store:
        report = store.verify(pin.public_key, tuple(against))
        if report.ledger_ok:  # derived state is judged only against a sound ledger
            try:
                con = store.connection  # type: ignore[attr-defined]
            except LedgerError as exc:  # a PostgreSQL ledger's index file, held by a server
                report.notes.append(f"hot decision file not checked: {exc}")
            else:
                problems, notes = verify_hot(ws.pack, con, ws.hot_file(), store)
                report.problems += problems
                report.index_problems += len(problems)
                report.notes += notes
        tip = store.latest_checkpoint() if report.ok else None
    report.key = f"{pin.fingerprint} ({pin.source})"
    _record(ws.settings, report, tip.size if tip else None)
    return report


def _record(settings: Settings, report: VerifyReport, size: int | None) -> None:
    path = settings.path(settings.verification_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "ok": report.ok,
        "ledger_ok": report.ledger_ok,
        "verified_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "entries": report.size,
        "checkpoints": report.checkpoints,
        "signed_size": size,
        "key": report.key,
        "problems": report.problems[:20],
    }
    write_atomic(path, json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8"))


def index_rebuilt(settings: Settings) -> None:
    """After a failed verification that found only the decision index wrong, a rebuilt
    index (sealed over the verified ledger) clears the failure."""
    path = settings.path(settings.verification_file)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(record, dict) and record.get("ok") is False and record.get("ledger_ok"):
        record["ok"] = True
        record["index_rebuilt_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        write_atomic(path, json.dumps(record, ensure_ascii=False, indent=1).encode("utf-8"))


def refuse_if_failed(settings: Settings, *, rebuilding_index: bool = False) -> None:
    """`TamperDetected` while the last `verify` recorded a failure; when only the decision
    index failed, `evaluate` may still rebuild it (`rebuilding_index`).

    Whoever can write the workspace can delete the record; so every command that opens the
    ledger for writing also checks, cheaply, that the newest checkpoint signs the stored
    tree (and, with a pinned key, that the signing key is the pinned one), and checks check
    the decision index's seal and binding.
    """
    path = settings.path(settings.verification_file)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError) as exc:
        raise TamperDetected(
            f"the verification record {path} is unreadable ({exc}): run `xinyong verify`"
        ) from exc
    if not isinstance(record, dict):
        record = {}
    if record.get("ok") is not True and not (rebuilding_index and record.get("ledger_ok") is True):
        problems = record.get("problems", [])
        when = record.get("verified_at", "?")
        raise TamperDetected(
            f"the last verification of this ledger ({when}) failed; refusing to use it "
            "until `xinyong verify` passes (restore the ledger from a backup, or rebuild "
            "the decision index with `xinyong evaluate` if only it failed)",
            details=[f"- {p}" for p in problems[:5]],
        )
