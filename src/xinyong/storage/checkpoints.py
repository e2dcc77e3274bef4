"""The checkpoint store: one signed note per committed batch, in a folder outside the database.

Keeping checkpoints out of the database is what makes truncation and rewriting detectable: whoever
can rewrite the database file cannot also produce signatures. Files are named by tree size, zero
padded so that names sort by size (`00000000000001000000.note`), and are written atomically
(temp file, fsync, rename, fsync of the folder).

Crash protocol around a database commit (see `DuckDBLedger.append`):

1. `write_pending(p)`: sign the pending commit (old size and root, new size and root, and the
   length of the database's write-ahead log before the commit) into `pending.note`;
2. commit the database transaction;
3. `promote_pending()`: sign the checkpoint of the new size into its final file, remove
   `pending.note`, and copy the checkpoint to every witness folder.

`recover` runs when a ledger opens for writing: a `pending.note` whose new size and root match
the database is promoted (the commit happened, the promotion did not). One ahead of the database
is discarded only when the database is exactly at its old size and root and the write-ahead log
found at opening is no longer than before the commit: the commit never reached the log, so it
never happened. Otherwise the batch was committed and then lost (a damaged or removed log):
`DataLoss`, and nothing is removed. Anything else is refused as tampering.

Witnesses are folders the operator keeps apart (another disk, machine or owner): every final
checkpoint is also written there, and missing ones are copied when the ledger opens for writing.
Whoever truncates the ledger and deletes its newest checkpoints cannot reach them, and
`verify --against` holds the ledger to them.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from xinyong.domain.checkpoint import (
    Checkpoint,
    PendingCommit,
    check_key_name,
    open_body,
    open_note,
    sign,
    sign_body,
)
from xinyong.errors import DataLoss, LedgerError, TamperDetected

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

log = structlog.get_logger(__name__)

PENDING = "pending.note"
NAME_DIGITS = 20  # 2^63 has 19 digits, so every BIGINT size fits
_NAME = re.compile(r"^(\d{20})\.note$")
_TEMP_PREFIX = ".tmp-"


def checkpoint_name(size: int) -> str:
    """File name of the checkpoint of `size` entries.

    >>> checkpoint_name(1_000_000)
    '00000000000001000000.note'
    """
    return f"{size:0{NAME_DIGITS}d}.note"


def fsync_dir(directory: Path) -> None:
    """Make a rename or creation in `directory` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows cannot open folders
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, *, mode: int = 0o644, overwrite: bool = True) -> None:
    """Write `data` to `path` so that a crash leaves either the old file or the whole new one.

    With `overwrite=False` the file must not exist yet (`FileExistsError`), and a concurrent
    writer cannot slip in between the check and the write: the final step is a hard link.
    """
    temp = path.parent / f"{_TEMP_PREFIX}{path.name}-{os.getpid()}-{secrets.token_hex(4)}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        try:
            os.fchmod(fd, mode)  # the umask may have masked bits away; keys need exactly 0600
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if overwrite:
            os.replace(temp, path)
        else:
            os.link(temp, path)
            temp.unlink()
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    fsync_dir(path.parent)


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    """A checkpoint file as found on disk: its name, the size in its name, and its text."""

    name: str
    size: int
    text: str


class CheckpointStore:
    """Signed checkpoints of the log `origin` in `directory`; the origin is also the key name."""

    def __init__(
        self,
        directory: Path,
        origin: str,
        *,
        signing_key: Ed25519PrivateKey | None = None,
        public_key: Ed25519PublicKey | None = None,
        witnesses: tuple[Path, ...] = (),
    ) -> None:
        check_key_name(origin)
        self.directory = directory
        self.origin = origin
        self.signing_key = signing_key
        if public_key is None and signing_key is not None:
            public_key = signing_key.public_key()
        self.public_key = public_key
        self.witnesses = witnesses

    # -- reading ------------------------------------------------------------------------------

    def exists(self) -> bool:
        return self.directory.is_dir()

    def stored(self) -> list[StoredCheckpoint]:
        """Every final checkpoint file, by size; unreadable files raise `LedgerError`."""
        if not self.exists():
            return []
        found: list[StoredCheckpoint] = []
        for path in self.directory.iterdir():
            match = _NAME.match(path.name)
            if match:
                found.append(StoredCheckpoint(path.name, int(match.group(1)), self._read(path)))
        return sorted(found, key=lambda s: s.size)

    def sizes(self) -> list[int]:
        if not self.exists():
            return []
        return sorted(
            int(m.group(1)) for p in self.directory.iterdir() if (m := _NAME.match(p.name))
        )

    def pending_text(self) -> str | None:
        path = self.directory / PENDING
        return self._read(path) if path.exists() else None

    def pending(self) -> PendingCommit | None:
        """The signed pending commit in `pending.note`, if there is one."""
        text = self.pending_text()
        if text is None:
            return None
        pending = PendingCommit.parse(self.open_statement(text, PENDING), PENDING)
        if pending.new.origin != self.origin:
            raise TamperDetected(
                f"{PENDING}: pending commit is for log {pending.new.origin!r}, not {self.origin!r}"
            )
        return pending

    def open_statement(self, text: str, source: str) -> str:
        """The body of a note signed by the log's key (a pending commit, the index's seal)."""
        if self.public_key is None:
            raise LedgerError("no public key to check signed notes with")
        return open_body(text, self.public_key, self.origin, source)

    def open(self, text: str, source: str) -> Checkpoint:
        """The checkpoint in `text`, signature verified and origin checked."""
        if self.public_key is None:
            raise LedgerError("no public key to check checkpoints with")
        checkpoint = open_note(text, self.public_key, self.origin, source)
        if checkpoint.origin != self.origin:
            raise TamperDetected(
                f"{source}: checkpoint is for log {checkpoint.origin!r}, not {self.origin!r}"
            )
        return checkpoint

    def load(self, size: int) -> Checkpoint:
        """The verified checkpoint of `size` entries."""
        name = checkpoint_name(size)
        checkpoint = self.open(self._read(self.directory / name), name)
        if checkpoint.size != size:
            raise TamperDetected(
                f"{name}: file is named for size {size} but signs size {checkpoint.size}"
            )
        return checkpoint

    def latest(self) -> Checkpoint | None:
        sizes = self.sizes()
        return self.load(sizes[-1]) if sizes else None

    def _read(self, path: Path) -> str:
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise LedgerError(f"cannot read checkpoint {path}: {exc}") from exc

    # -- writing ------------------------------------------------------------------------------

    def ensure(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)

    def sign(self, checkpoint: Checkpoint) -> str:
        return sign(checkpoint, self._signing_key(), self.origin)

    def sign_statement(self, body: str) -> str:
        """A note of `body` signed by the log's key (statements other than checkpoints)."""
        return sign_body(body, self._signing_key(), self.origin)

    def _signing_key(self) -> Ed25519PrivateKey:
        if self.signing_key is None:
            raise LedgerError("the checkpoint store was opened without a signing key (read-only)")
        return self.signing_key

    def write(self, checkpoint: Checkpoint) -> None:
        """Write a final checkpoint directly (used for the empty tree, which needs no commit)."""
        self.ensure()
        name = checkpoint_name(checkpoint.size)
        text = self.sign(checkpoint)
        write_atomic(self.directory / name, text.encode("utf-8"), overwrite=False)
        self.publish(name, text)

    def write_pending(self, pending: PendingCommit) -> None:
        """Step 1 of a commit: sign the commit to come before the database commits."""
        self.ensure()
        text = self.sign_statement(pending.body())
        write_atomic(self.directory / PENDING, text.encode("utf-8"))

    def promote_pending(self) -> Checkpoint:
        """Step 3 of a commit: the checkpoint of the pending commit's new size is signed into
        its final file, `pending.note` is removed, and witnesses get a copy."""
        pending = self.pending()
        if pending is None:
            raise LedgerError(f"no {PENDING} to promote in {self.directory}")
        checkpoint = pending.new
        name = checkpoint_name(checkpoint.size)
        final = self.directory / name
        text = self.sign(checkpoint)  # Ed25519 is deterministic: the same bytes every time
        try:
            write_atomic(final, text.encode("utf-8"), overwrite=False)
        except FileExistsError:
            # A crash after writing the final file but before removing pending.note.
            if self._read(final) != text:
                raise TamperDetected(
                    f"{PENDING} and {final.name} differ: two different checkpoints of size "
                    f"{checkpoint.size}; neither was removed"
                ) from None
        (self.directory / PENDING).unlink()
        fsync_dir(self.directory)
        self.publish(name, text)
        return checkpoint

    # -- witnesses ----------------------------------------------------------------------------

    def publish(self, name: str, text: str) -> None:
        """Copy a final checkpoint to every witness folder. A witness that cannot be written is
        a warning, not a failure: the batch is committed and signed, and the copy is retried
        when the ledger next opens for writing (`sync_witnesses`)."""
        for witness in self.witnesses:
            self.publish_one(witness, name, text)

    def sync_witnesses(self) -> None:
        """Copy to each witness the final checkpoints it does not hold yet."""
        if not self.witnesses or not self.exists():
            return
        for witness in self.witnesses:
            held = {p.name for p in witness.iterdir()} if witness.is_dir() else set()
            for stored in self.stored():
                if stored.name not in held:
                    self.open(stored.text, stored.name)  # never spread a forged checkpoint
                    self.publish_one(witness, stored.name, stored.text)

    def publish_one(self, witness: Path, name: str, text: str) -> None:
        """Copy one checkpoint to one witness; a different copy already there is a fork of the
        log (`TamperDetected`), an unwritable witness a warning."""
        try:
            _publish_to(witness, name, text)
        except OSError as exc:
            log.warning(
                "witness_unreachable",
                witness=str(witness),
                checkpoint=name,
                error=exc.strerror or str(exc),
            )

    def discard_pending(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.directory / PENDING).unlink()
        fsync_dir(self.directory)

    def remove_stale_temp_files(self) -> None:
        """Temp files of writes a crash interrupted; they were never part of any checkpoint."""
        if self.exists():
            for path in self.directory.glob(f"{_TEMP_PREFIX}*"):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()

    def recover(
        self,
        db_size: int,
        root_at: Callable[[int], bytes],
        wal_bytes: int | None,
        committed: Callable[[PendingCommit], bool | None] | None = None,
    ) -> str | None:
        """Finish or undo a commit a crash interrupted; says what it did (None: nothing to do).

        `root_at(size)` is the database's root of its first `size` entries; `wal_bytes` the
        length of its write-ahead log when it was found, before opening replayed it (None: this
        process saw its own commit fail, so the log is no evidence). A database that can tell
        whether a transaction committed (PostgreSQL) passes `committed` instead, which answers
        for the pending commit's `xid` (None: it cannot tell, so no evidence either way).
        """
        self.remove_stale_temp_files()
        pending = self.pending()
        if pending is None:
            return None
        new, base = pending.new, pending.base
        if new.size <= db_size:
            if root_at(new.size) != new.root:
                raise TamperDetected(
                    f"{PENDING} signs size {new.size} with a root the database does not have "
                    f"(database size {db_size}); the database changed after the checkpoint was "
                    "signed. Nothing was removed; run `verify`."
                )
            self.promote_pending()
            outcome = f"promoted {PENDING} of size {new.size}: the commit had happened"
        elif (
            db_size == base.size
            and root_at(base.size) == base.root
            and (
                committed(pending) is not True
                if committed is not None
                else (wal_bytes is None or wal_bytes <= pending.wal_bytes)
            )
        ):
            self.discard_pending()
            outcome = f"discarded {PENDING} of size {new.size}: the commit never happened"
        else:
            lost = f"entries {db_size}..{new.size - 1}" if db_size < new.size else "entries"
            if committed is not None and db_size == base.size:
                evidence = f"the database reports its transaction {pending.xid} committed"
            elif wal_bytes is not None and wal_bytes > pending.wal_bytes:
                evidence = (
                    f"its write-ahead log had grown from {pending.wal_bytes} to {wal_bytes} "
                    "bytes, so the commit was written"
                )
            else:
                evidence = (
                    f"the database is not at the size it had before that commit ({base.size})"
                )
            raise DataLoss(
                f"data loss: {PENDING} records the commit of entries {base.size}..{new.size - 1}, "
                f"but after replaying its write-ahead log the database holds {db_size} entries, "
                f"and {evidence}: {lost} were committed and then lost (a damaged or removed "
                "write-ahead log). Nothing was removed.",
                details=[
                    "Restore the ledger file and its .wal from a backup that holds them, or, to "
                    f"accept the loss, move {self.directory / PENDING} aside (keep it as "
                    "evidence) and ingest the batch's input file again; then run `xinyong verify`."
                ],
            )
        log.warning("checkpoint_recovery", directory=str(self.directory), outcome=outcome)
        return outcome


def _publish_to(witness: Path, name: str, text: str) -> None:
    witness.mkdir(parents=True, exist_ok=True)
    try:
        write_atomic(witness / name, text.encode("utf-8"), overwrite=False)
    except FileExistsError:
        held = (witness / name).read_text(encoding="utf-8")
        if held != text:
            raise TamperDetected(
                f"witness {witness} holds a different {name}: two checkpoints of one size; "
                "the witness copy was kept. Run `xinyong verify --against " + f"{witness}`"
            ) from None
