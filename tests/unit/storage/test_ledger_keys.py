"""Key files: created atomically with mode 0600, never overwritten, refused when unusable."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from xinyong.errors import SettingsError
from xinyong.settings import Settings
from xinyong.storage.keys import (
    PSEUDONYM_KEY_SIZE,
    create_pseudonym_key,
    create_signing_key,
    ensure_keys,
    load_pseudonym_key,
    load_signing_key,
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_signing_key_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "signing.key"
    key = create_signing_key(path)
    assert mode(path) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    loaded = load_signing_key(path)
    assert loaded.public_key().public_bytes_raw() == key.public_key().public_bytes_raw()
    assert [p.name for p in path.parent.iterdir()] == ["signing.key"], "no temp files left"


def test_pseudonym_key_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "pseudonym.key"
    key = create_pseudonym_key(path)
    assert len(key) == PSEUDONYM_KEY_SIZE and mode(path) == 0o600
    assert load_pseudonym_key(path) == key


def test_keys_are_created_0600_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        create_pseudonym_key(tmp_path / "p.key")
    finally:
        os.umask(old)
    assert mode(tmp_path / "p.key") == 0o600


def test_keys_are_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "p.key"
    key = create_pseudonym_key(path)
    with pytest.raises(SettingsError, match="already exists; it is never overwritten"):
        create_pseudonym_key(path)
    with pytest.raises(SettingsError, match="already exists"):
        create_signing_key(path)
    assert load_pseudonym_key(path) == key


def test_missing_key_is_a_settings_error(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"signing key file .*nope\.key does not exist"):
        load_signing_key(tmp_path / "nope.key")
    with pytest.raises(SettingsError, match=r"pseudonym key file .* does not exist"):
        load_pseudonym_key(tmp_path / "nope.key")


def test_unusable_keys_are_settings_errors(tmp_path: Path) -> None:
    short = tmp_path / "short.key"
    short.write_bytes(b"123")
    short.chmod(0o600)
    with pytest.raises(SettingsError, match="exactly 32 bytes"):
        load_pseudonym_key(short)
    with pytest.raises(SettingsError, match="not an unencrypted PEM key"):
        load_signing_key(short)
    open_key = tmp_path / "open.key"
    create_pseudonym_key(open_key)
    open_key.chmod(0o644)
    with pytest.raises(
        SettingsError, match=r"accessible by other users \(mode 0644\); run `chmod 600"
    ):
        load_pseudonym_key(open_key)
    folder = tmp_path / "dir.key"
    folder.mkdir(mode=0o700)
    with pytest.raises(SettingsError, match="cannot read"):
        load_pseudonym_key(folder)


def test_rsa_key_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    path = tmp_path / "rsa.key"
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    path.write_bytes(rsa_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    path.chmod(0o600)
    with pytest.raises(SettingsError, match="not Ed25519"):
        load_signing_key(path)


def test_ensure_keys_creates_then_loads(tmp_path: Path) -> None:
    settings = Settings(workspace=tmp_path / "ws")
    signing, pseudonym = ensure_keys(settings)
    # outside the workspace folder: its sibling `ws.keys`
    assert (tmp_path / "ws.keys" / "ledger-signing.key").exists()
    again_signing, again_pseudonym = ensure_keys(settings)
    assert again_pseudonym == pseudonym
    assert again_signing.public_key().public_bytes_raw() == signing.public_key().public_bytes_raw()
