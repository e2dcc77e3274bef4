"""The workspace's two secrets, and the public key that is pinned to check its signatures.

- The signing key is an Ed25519 private key in PKCS#8 PEM, the form `openssl pkey` reads.
- The pseudonym key is 32 random bytes, raw, the secret of the keyed hash that pseudonymises
  identifiers of individuals.
- The public key file (`ledger.pub`) holds the log's verifier key, `<origin>+<key hash>+<base64
  key>`: what `xinyong init` prints for publication and what `verify --key` takes.

The secrets live outside the workspace folder (`Settings.keys_path`), or come from the
environment (`XINYONG_SIGNING_KEY`, `XINYONG_PSEUDONYM_KEY`) on servers. Both are created
atomically with mode 0600 and never overwritten: losing the signing key only means new
checkpoints need a new verifier key, but silently replacing the pseudonym key would orphan every
stored pseudonym. Loading refuses files that other users can read, as ssh does.

A pin is only a pin if whoever can write the workspace cannot change it: `PinnedKey` comes from
the command line or the environment, never from the workspace's settings file or folder.
"""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from xinyong.domain.checkpoint import fingerprint, parse_verifier_key, verifier_key
from xinyong.errors import SettingsError, TamperDetected
from xinyong.storage.checkpoints import write_atomic

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

    from xinyong.settings import Settings

log = structlog.get_logger(__name__)

PSEUDONYM_KEY_SIZE = 32
KEY_FILE_MODE = 0o600
PUBLIC_KEY_FILE = "ledger.pub"


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
    signing_path = settings.key_path(settings.signing_key_file)
    pseudonym_path = settings.key_path(settings.pseudonym_key_file)
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


# -- from settings: the environment first, then the files in the keys folder ----------------------


def signing_key_from(settings: Settings) -> Ed25519PrivateKey:
    """The signing key: `XINYONG_SIGNING_KEY` (PEM text) if set, else `signing_key_file`."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    if settings.signing_key is not None:
        try:
            key = load_pem_private_key(settings.signing_key.get_secret_value().encode(), None)
        except (ValueError, TypeError) as exc:
            raise SettingsError(
                f"XINYONG_SIGNING_KEY is not an unencrypted PEM key: {exc}"
            ) from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise SettingsError("XINYONG_SIGNING_KEY is not an Ed25519 key")
        return key
    path = settings.key_path(settings.signing_key_file)
    _warn_if_inside(settings, path)
    return load_signing_key(path)


def pseudonym_key_from(settings: Settings) -> bytes:
    """The pseudonym key: `XINYONG_PSEUDONYM_KEY` (hex) if set, else `pseudonym_key_file`."""
    if settings.pseudonym_key is not None:
        try:
            key = bytes.fromhex(settings.pseudonym_key.get_secret_value().strip())
        except ValueError:
            raise SettingsError("XINYONG_PSEUDONYM_KEY is not hex") from None
        if len(key) != PSEUDONYM_KEY_SIZE:
            raise SettingsError(
                f"XINYONG_PSEUDONYM_KEY must be {PSEUDONYM_KEY_SIZE} bytes "
                f"({2 * PSEUDONYM_KEY_SIZE} hex digits), not {len(key)}"
            )
        return key
    path = settings.key_path(settings.pseudonym_key_file)
    _warn_if_inside(settings, path)
    return load_pseudonym_key(path)


def _warn_if_inside(settings: Settings, path: Path) -> None:
    # Allowed (the operator may have reasons), but it undoes the separation: whoever copies or
    # reads the workspace's data gets the secret with it.
    if path.absolute().is_relative_to(settings.workspace.absolute()):
        log.warning("key_inside_workspace", key=str(path), workspace=str(settings.workspace))


# -- the pinned public key -------------------------------------------------------------------------


@dataclass(frozen=True)
class PinnedKey:
    """The log's public key as the operator pinned it, and where the pin came from."""

    origin: str
    public_key: Ed25519PublicKey
    source: str

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)

    @property
    def verifier(self) -> str:
        return verifier_key(self.origin, self.public_key)

    def check_origin(self, origin: str) -> None:
        if origin != self.origin:
            raise TamperDetected(
                f"the pinned key ({self.source}) is for log {self.origin!r}, but this ledger is "
                f"{origin!r}: pin the key published for this log"
            )

    def check_signing_key(self, signing_key: Ed25519PrivateKey) -> None:
        """Refuse to sign with a key other than the pinned one (a swapped key)."""
        from xinyong.domain.checkpoint import public_key_bytes

        if public_key_bytes(signing_key.public_key()) != public_key_bytes(self.public_key):
            found = fingerprint(signing_key.public_key())
            raise TamperDetected(
                f"the signing key ({found}) is not the pinned key ({self.fingerprint}, from "
                f"{self.source}): it was replaced; refusing to sign. Restore the signing key, "
                "then run `xinyong verify`"
            )


def pinned_key(value: str | Path, source: str | None = None) -> PinnedKey:
    """A pin from a verifier key, or from the path of a file holding one (`ledger.pub`)."""
    text = str(value).strip()
    where = source or "pinned key"
    if "+" not in text or Path(text).is_file():
        path = Path(text)
        where = source or str(path)
        try:
            text = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise SettingsError(
                f"cannot read the pinned key file {path}: {getattr(exc, 'strerror', None) or exc}"
            ) from exc
    try:
        origin, public_key = parse_verifier_key(text, where)
    except ValueError as exc:
        raise SettingsError(str(exc)) from exc
    return PinnedKey(origin, public_key, where)


def pinned_from(settings: Settings) -> PinnedKey | None:
    """The pin of `settings.verify_key` (environment or caller), if any."""
    if settings.verify_key is None:
        return None
    # A file names itself; a key given as text came from XINYONG_VERIFY_KEY or the caller
    # (`Workspace.init` pins the key it has just made).
    text = settings.verify_key.strip()
    return pinned_key(text, None if Path(text).is_file() else "verify_key setting")


def write_public_key(path: Path, origin: str, public_key: Ed25519PublicKey) -> PinnedKey:
    """Write the verifier key file (world-readable: it is public) and return it as a pin."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = verifier_key(origin, public_key)
    try:
        write_atomic(path, f"{text}\n".encode("ascii"), mode=0o644, overwrite=False)
    except FileExistsError:
        raise SettingsError(
            f"public key file {path} already exists; it is never overwritten"
        ) from None
    return PinnedKey(origin, public_key, str(path))


def signing_key_for(
    settings: Settings, read_only: bool, public_key: Ed25519PublicKey | None
) -> tuple[Ed25519PrivateKey | None, Ed25519PublicKey | None]:
    """The keys a ledger store of the workspace opens with: checkpoints checked with
    `public_key`, else the pinned key of `settings.verify_key`, else (writers only) the signing
    key's own. Read-only with a key to check with, the signing key is not loaded at all. A
    writer with a pinned key refuses a signing key that is not the pinned one (a swapped key)."""
    pin = pinned_from(settings)
    if pin is not None:
        pin.check_origin(settings.ledger_origin)
        public_key = public_key or pin.public_key
    signing_key = None
    if not read_only or public_key is None:
        signing_key = signing_key_from(settings)
        if pin is not None and not read_only:
            pin.check_signing_key(signing_key)
    return signing_key, public_key
