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
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
import threading
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from xinyong.domain.access import ApiKey, Role, Scope
from xinyong.errors import NotFound, SettingsError, Unauthorized
from xinyong.storage.checkpoints import write_atomic

TOKEN_PREFIX = "xy"
_ID_BYTES = 6
_SECRET_BYTES = 32
FILE_MODE = 0o600


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
    """The key records of one workspace, in the file at `path`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None
        self._keys: dict[str, ApiKey] = {}

    def _load(self) -> dict[str, ApiKey]:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._seen, self._keys = None, {}
            return self._keys
        if os.name == "posix" and st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SettingsError(
                f"API key file {self.path} is accessible by other users "
                f"(mode {stat.S_IMODE(st.st_mode):04o}); run `chmod 600 {self.path}`"
            )
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp != self._seen:
            try:
                raw = json.loads(self.path.read_text(encoding="utf-8"))
                self._keys = {k.key_id: k for k in map(_from_json, raw["keys"])}
            except (ValueError, KeyError, TypeError, AssertionError) as exc:
                raise SettingsError(f"API key file {self.path} is unreadable: {exc}") from exc
            self._seen = stamp
        return self._keys

    def _save(self, keys: dict[str, ApiKey]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        body = {"version": 1, "keys": [_to_json(k) for k in keys.values()]}
        text = json.dumps(body, ensure_ascii=False, indent=1) + "\n"
        write_atomic(self.path, text.encode("utf-8"), mode=FILE_MODE)
        self._seen = None

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
