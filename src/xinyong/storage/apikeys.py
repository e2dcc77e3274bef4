"""The API key store: one JSON file of key records, mode 0600, holding no secret.

A token reads `xy_<key id>_<secret>`. The key id is public (it names the key in lists, logs and
the decision log); the secret is 32 random bytes, shown once when the key is created. At rest
the store keeps only SHA-256 of the secret. A slow password hash (argon2, scrypt) guards
low-entropy secrets people choose; these secrets have 256 bits of entropy, so no guessing
attack on a leaked hash is feasible, and a fast hash keeps every request cheap. Secrets are
compared in constant time (`hmac.compare_digest`).

Writes replace the file atomically, so a crash leaves the old store or the new one. The file is
read again whenever it changed on disk, so a key created or revoked with `xinyong keys` while a
server runs takes effect on the next request.

The file is *sealed*: it carries a note (`xinyong-apikeys-v2`) signed by the log's key over its
*generation* (a counter every write raises) and the SHA-256 of its key records, and a store
given the log's public key refuses a file whose seal does not open or does not match
(`TamperDetected`). Whoever can write the workspace but cannot read the signing key, which lives
outside it, can therefore neither add a key (an admin key of their own), widen a key's scope,
extend its expiry, nor lift a revocation by editing the file.

A seal alone cannot tell an *older* sealed file (one from before a revocation) from the current
one; the generation, anchored in the ledger, can. Each generation written is recorded as a
`keys.generation` step (its number and digest), and the ledger is append-only and witnessed, so
a store given an `anchor` (`KeyAnchor`, the workspace) refuses a file older than the newest
generation the ledger (or this process) has seen, a different file of the same generation, and a
missing file once one was anchored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

from xinyong.domain.access import ApiKey, Role, Scope
from xinyong.errors import NotFound, SettingsError, TamperDetected, Unauthorized
from xinyong.storage import sharedstat
from xinyong.storage.checkpoints import write_atomic

TOKEN_PREFIX = "xy"
_ID_BYTES = 6
_SECRET_BYTES = 32
FILE_MODE = 0o600
SEAL_TAG = "xinyong-apikeys-v2"
RECOVER = (
    "put back the newest copy of the file, or start a new one with `xinyong keys reset` (every "
    "key is then gone: create them again)"
)

Signer = Callable[[str], str]
"""Signs a statement body with the log's key (`CheckpointStore.sign_statement`)."""
Opener = Callable[[str, str], str]
"""The body of a note the log's key signed, else `TamperDetected` (`open_statement`)."""


def records_digest(records: list[dict[str, object]]) -> str:
    """SHA-256 of the key records as canonical JSON (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(records, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seal_body(generation: int, records: list[dict[str, object]]) -> str:
    return f"{SEAL_TAG}\n{generation}\n{records_digest(records)}\n"


@dataclass(frozen=True, slots=True)
class Generation:
    """One write of the key file: its counter and the digest of its key records."""

    number: int
    digest: str


class KeyAnchor(Protocol):
    """Where the key file's generations are anchored (the workspace: the ledger's
    `keys.generation` steps). Neither method may wait for a lock a key store's caller can hold."""

    def floor(self) -> Generation | None:
        """The newest generation anchored or seen; an older file is a rollback."""

    def sealed(self, generation: Generation) -> None:
        """`generation` is the file's now (read or written): anchor it, now or when it can."""


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _to_json(key: ApiKey) -> dict[str, object]:
    s = key.scope
    return {
        "key_id": key.key_id,
        "name": key.name,
        "role": key.role.value,
        "secret_sha256": key.secret_hash,
        "created_at": key.created_at.isoformat(),
        "expires_at": key.expires_at.isoformat(),
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
        "scope": {
            "authority": s.authority,
            "record_types": list(s.record_types),
            "actions": list(s.actions),
            "purpose": s.purpose,
            "subject_key": s.subject_key,
        },
    }


def _from_json(raw: dict[str, object]) -> ApiKey:
    scope = raw["scope"]
    assert isinstance(scope, dict)
    revoked = raw.get("revoked_at")
    return ApiKey(
        key_id=str(raw["key_id"]),
        name=str(raw["name"]),
        role=Role(str(raw["role"])),
        scope=Scope(
            authority=scope.get("authority"),
            record_types=tuple(scope.get("record_types") or ()),
            actions=tuple(scope.get("actions") or ()),
            purpose=scope.get("purpose"),
            subject_key=scope.get("subject_key"),
        ),
        secret_hash=str(raw["secret_sha256"]),
        created_at=datetime.fromisoformat(str(raw["created_at"])),
        expires_at=datetime.fromisoformat(str(raw["expires_at"])),
        revoked_at=datetime.fromisoformat(str(revoked)) if revoked else None,
    )


class ApiKeyStore:
    """The key records of one workspace, in the file at `path`.

    With `opener` the seal is required and checked on every read of the file; with `signer`
    every write is sealed. A store with neither (a unit under test) neither seals nor checks.
    """

    def __init__(
        self,
        path: Path,
        *,
        signer: Signer | None = None,
        opener: Opener | None = None,
        anchor: KeyAnchor | None = None,
    ) -> None:
        self.path = path
        self._signer = signer
        self._opener = opener
        self._anchor = anchor
        self._lock = threading.Lock()
        self._seen: tuple[int, int, int] | None = None
        self._keys: dict[str, ApiKey] = {}
        self._generation = Generation(0, records_digest([]))

    def _load(self) -> dict[str, ApiKey]:
        try:
            st = sharedstat.stat(self.path)
        except FileNotFoundError:
            floor = self._anchor.floor() if self._anchor is not None else None
            if floor is not None and floor.number > 0:
                raise TamperDetected(
                    f"API key file {self.path} is missing, but the ledger anchored its "
                    f"generation {floor.number}: it was removed",
                    details=[
                        "restore the newest backup of the file (`xinyong keys list` shows "
                        "whether it is the one anchored)"
                    ],
                ) from None
            self._seen, self._keys = None, {}
            self._generation = Generation(0, records_digest([]))
            return self._keys
        if os.name == "posix" and st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SettingsError(
                f"API key file {self.path} is accessible by other users "
                f"(mode {stat.S_IMODE(st.st_mode):04o}); run `chmod 600 {self.path}`"
            )
        # the inode too: a key file replaced (written atomically) within one mtime tick, at the
        # same size, is still noticed
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        if stamp != self._seen:
            try:
                raw = json.loads(self.path.read_text(encoding="utf-8"))
                records = raw["keys"]
                keys = {k.key_id: k for k in map(_from_json, records)}
                generation = Generation(int(raw.get("generation", 0)), records_digest(records))
            except (ValueError, KeyError, TypeError, AssertionError) as exc:
                raise SettingsError(f"API key file {self.path} is unreadable: {exc}") from exc
            if self._opener is not None:
                self._check_seal(raw, generation)
            if self._anchor is not None:
                self._check_anchor(generation)
            self._keys, self._generation = keys, generation
            self._seen = stamp
        return self._keys

    def _check_seal(self, raw: dict[str, object], generation: Generation) -> None:
        assert self._opener is not None
        seal = raw.get("seal")
        if not isinstance(seal, str):
            raise TamperDetected(
                f"API key file {self.path} carries no seal of the log's key",
                details=[
                    "a key file written by hand, or before key files were sealed, is refused:"
                    " move it away and create the keys again with `xinyong keys create`"
                ],
            )
        body = self._opener(seal, f"{self.path}: seal")
        if body != f"{SEAL_TAG}\n{generation.number}\n{generation.digest}\n":
            raise TamperDetected(
                f"API key file {self.path} was changed after it was sealed "
                "(its generation or key records do not match the seal the log's key signed)"
            )

    def _check_anchor(self, generation: Generation) -> None:
        assert self._anchor is not None
        floor = self._anchor.floor()
        if floor is not None and (
            generation.number < floor.number
            or (generation.number == floor.number and generation.digest != floor.digest)
        ):
            raise TamperDetected(
                f"API key file {self.path} was rolled back: it is generation "
                f"{generation.number}, but generation {floor.number} was anchored in the ledger "
                "(a copy from before a later change, a revocation perhaps, was put back)",
                details=[
                    "restore the newest backup of the file; `xinyong steps --type "
                    "keys.generation` lists the generations the ledger anchored"
                ],
            )
        if floor is None or generation.number > floor.number:
            self._anchor.sealed(generation)

    def _save(self, keys: dict[str, ApiKey]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        records = [_to_json(k) for k in keys.values()]
        floor = self._anchor.floor() if self._anchor is not None else None
        number = max(self._generation.number, floor.number if floor else 0) + 1
        body: dict[str, object] = {"version": 3, "generation": number, "keys": records}
        if self._signer is not None:
            body["seal"] = self._signer(seal_body(number, records))
        text = json.dumps(body, ensure_ascii=False, indent=1) + "\n"
        write_atomic(self.path, text.encode("utf-8"), mode=FILE_MODE)
        self._seen = None
        # anchored after the file is written: a crash in between leaves a file newer than the
        # ledger's anchor, which the next read anchors; the other order would refuse the file
        self._generation = Generation(number, records_digest(records))
        if self._anchor is not None:
            self._anchor.sealed(self._generation)

    def list_keys(self) -> list[ApiKey]:
        with self._lock:
            return sorted(self._load().values(), key=lambda k: (k.created_at, k.key_id))

    def create(
        self, *, name: str, role: Role, scope: Scope, now: datetime, expires_at: datetime
    ) -> tuple[ApiKey, str]:
        """A new key and its token; the token is returned once and never stored."""
        with self._lock:
            keys = dict(self._load())
            key_id = secrets.token_hex(_ID_BYTES)
            while key_id in keys:  # pragma: no cover - 48 random bits
                key_id = secrets.token_hex(_ID_BYTES)
            secret = secrets.token_urlsafe(_SECRET_BYTES)
            key = ApiKey(
                key_id=key_id,
                name=name,
                role=role,
                scope=scope,
                secret_hash=hash_secret(secret),
                created_at=now,
                expires_at=expires_at,
            )
            keys[key_id] = key
            self._save(keys)
            return key, f"{TOKEN_PREFIX}_{key_id}_{secret}"

    def reset(self) -> Generation:
        """A new, empty key file, a generation past every one seen or anchored: the way back
        after a file was refused (rolled back, lost). Every key is gone; only the holder of the
        signing key can do it, as only they can seal the new file."""
        with self._lock:
            self._save({})
            return self._generation

    def revoke(self, key_id: str, now: datetime) -> ApiKey:
        with self._lock:
            keys = dict(self._load())
            if key_id not in keys:
                raise NotFound(f"no API key {key_id!r}")
            key = keys[key_id]
            if key.revoked_at is None:
                key = keys[key_id] = replace(key, revoked_at=now)
                self._save(keys)
            return key

    def authenticate(self, token: str, now: datetime) -> ApiKey:
        """The key a token belongs to, if it is known, its secret matches, and it is in force.
        One message for every failure, so a caller learns nothing about which part was wrong."""
        parts = token.split("_", 2)
        refused = Unauthorized("invalid, expired or revoked API key")
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
            raise refused
        with self._lock:
            key = self._load().get(parts[1])
        # hash even when the id is unknown, so timing does not tell known ids from unknown ones
        given = hash_secret(parts[2])
        if key is None or not hmac.compare_digest(given, key.secret_hash):
            raise refused
        if not key.usable(now):
            raise refused
        return key
