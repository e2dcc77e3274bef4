"""The workspace's two secrets: the checkpoint signing key and the pseudonym key.

- The signing key is an Ed25519 private key in PKCS#8 PEM, the form `openssl pkey` reads.
- The pseudonym key is 32 random bytes, raw, the secret of the keyed hash that pseudonymises
  identifiers of individuals.

Both are created atomically with mode 0600 and never overwritten: losing the signing key only
means new checkpoints need a new verifier key, but silently replacing the pseudonym key would
orphan every stored pseudonym. Loading refuses files that other users can read, as ssh does.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from xinyong.errors import SettingsError
from xinyong.storage.checkpoints import write_atomic

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from xinyong.settings import Settings

PSEUDONYM_KEY_SIZE = 32
KEY_FILE_MODE = 0o600


def _create(path: Path, data: bytes, what: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_atomic(path, data, mode=KEY_FILE_MODE, overwrite=False)
    except FileExistsError:
        raise SettingsError(f"{what} {path} already exists; it is never overwritten") from None
    except OSError as exc:
        raise SettingsError(f"cannot create {what} {path}: {exc.strerror or exc}") from exc


def _read(path: Path, what: str) -> bytes:
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except FileNotFoundError:
        raise SettingsError(
            f"{what} {path} does not exist; create the workspace keys with `xinyong init`"
        ) from None
    except OSError as exc:
        raise SettingsError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SettingsError(
            f"{what} {path} is accessible by other users (mode {stat.S_IMODE(mode):04o}); "
            f"run `chmod 600 {path}`"
        )
    return data


def create_signing_key(path: Path) -> Ed25519PrivateKey:
    """Create a new Ed25519 signing key at `path` (which must not exist) and return it."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    _create(path, pem, "signing key file")
    return key


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 signing key stored at `path`; `SettingsError` says why it cannot be used."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    data = _read(path, "signing key file")
    try:
        key = load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise SettingsError(
            f"signing key file {path} is not an unencrypted PEM key: {exc}"
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SettingsError(f"signing key file {path} holds a {type(key).__name__}, not Ed25519")
    return key


def create_pseudonym_key(path: Path) -> bytes:
    """Create a new random pseudonym key at `path` (which must not exist) and return it."""
    key = secrets.token_bytes(PSEUDONYM_KEY_SIZE)
    _create(path, key, "pseudonym key file")
    return key


def load_pseudonym_key(path: Path) -> bytes:
    """The 32-byte pseudonym key stored at `path`."""
    data = _read(path, "pseudonym key file")
    if len(data) != PSEUDONYM_KEY_SIZE:
        raise SettingsError(
            f"pseudonym key file {path} must hold exactly {PSEUDONYM_KEY_SIZE} bytes "
            f"(it holds {len(data)})"
        )
    return data


def ensure_keys(settings: Settings) -> tuple[Ed25519PrivateKey, bytes]:
    """Load the workspace's signing and pseudonym keys, creating whichever does not exist yet."""
    signing_path = settings.path(settings.signing_key_file)
    pseudonym_path = settings.path(settings.pseudonym_key_file)
    signing = (
        load_signing_key(signing_path)
        if signing_path.exists()
        else create_signing_key(signing_path)
    )
    pseudonym = (
        load_pseudonym_key(pseudonym_path)
        if pseudonym_path.exists()
        else create_pseudonym_key(pseudonym_path)
    )
    return signing, pseudonym
