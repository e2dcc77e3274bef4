"""The checkpoint store: one signed note per committed batch, in a folder outside the database.

Keeping checkpoints out of the database is what makes truncation and rewriting detectable: whoever
can rewrite the database file cannot also produce signatures. Files are named by tree size, zero
padded so that names sort by size (`00000000000001000000.note`), and are written atomically
(temp file, fsync, rename, fsync of the folder).

Crash protocol around a database commit (see `DuckDBLedger.append`):

1. `write_pending(cp)`: sign the checkpoint of the new size into `pending.note`;
2. commit the database transaction;
3. `promote_pending()`: rename `pending.note` to its final name.

`recover` runs when a ledger opens for writing: a `pending.note` whose size and root match the
database is promoted (the commit happened, the rename did not); one ahead of the database is
discarded (the commit never happened). Anything else is refused as tampering.
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

from xinyong.domain.checkpoint import Checkpoint, check_key_name, open_note, sign
from xinyong.errors import LedgerError, TamperDetected

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
    ) -> None:
        check_key_name(origin)
        self.directory = directory
        self.origin = origin
        self.signing_key = signing_key
        if public_key is None and signing_key is not None:
            public_key = signing_key.public_key()
        self.public_key = public_key

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
        if self.signing_key is None:
            raise LedgerError("the checkpoint store was opened without a signing key (read-only)")
        return sign(checkpoint, self.signing_key, self.origin)

    def write(self, checkpoint: Checkpoint) -> None:
        """Write a final checkpoint directly (used for the empty tree, which needs no commit)."""
        self.ensure()
        path = self.directory / checkpoint_name(checkpoint.size)
        write_atomic(path, self.sign(checkpoint).encode("utf-8"), overwrite=False)

    def write_pending(self, checkpoint: Checkpoint) -> None:
        """Step 1 of a commit: sign the new size before the database commits."""
        self.ensure()
        write_atomic(self.directory / PENDING, self.sign(checkpoint).encode("utf-8"))

    def promote_pending(self) -> None:
        """Step 3 of a commit: `pending.note` becomes the checkpoint file of its size."""
        text = self.pending_text()
        if text is None:
            raise LedgerError(f"no {PENDING} to promote in {self.directory}")
        checkpoint = self.open(text, PENDING)
        final = self.directory / checkpoint_name(checkpoint.size)
        if final.exists():
            # A crash after a link but before the unlink of pending; same bytes, nothing to do.
            if self._read(final) != text:
                raise TamperDetected(
                    f"{PENDING} and {final.name} differ: two different checkpoints of size "
                    f"{checkpoint.size}; neither was removed"
                )
            (self.directory / PENDING).unlink()
        else:
            os.replace(self.directory / PENDING, final)
        fsync_dir(self.directory)

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

    def recover(self, db_size: int, root_at: Callable[[int], bytes]) -> str | None:
        """Finish or undo a commit a crash interrupted; says what it did (None: nothing to do).

        `root_at(size)` is the database's root of its first `size` entries.
        """
        self.remove_stale_temp_files()
        text = self.pending_text()
        if text is None:
            return None
        pending = self.open(text, PENDING)
        if pending.size > db_size:
            self.discard_pending()
            outcome = f"discarded {PENDING} of size {pending.size}: the commit never happened"
        elif root_at(pending.size) == pending.root:
            self.promote_pending()
            outcome = f"promoted {PENDING} of size {pending.size}: the commit had happened"
        else:
            raise TamperDetected(
                f"{PENDING} signs size {pending.size} with a root the database does not have "
                f"(database size {db_size}); the database changed after the checkpoint was "
                "signed. Nothing was removed; run `verify`."
            )
        log.warning("checkpoint_recovery", directory=str(self.directory), outcome=outcome)
        return outcome
