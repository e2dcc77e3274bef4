"""Signed checkpoints: the C2SP signed-note format, signing, and every way a note can be bad."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.domain.checkpoint import (
    Checkpoint,
    key_hash,
    open_note,
    parse_body,
    sign,
    split_note,
    verifier_key,
)
from xinyong.errors import TamperDetected

ORIGIN = "example.org/ledger"
ROOT = hashlib.sha256(b"root").digest()


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes(range(32)))


def test_note_layout(key: Ed25519PrivateKey) -> None:
    note = sign(Checkpoint(ORIGIN, 1000, ROOT), key)
    body, blank, sig_line, end = note.split("\n")[:3], *note.split("\n")[3:]
    assert body == [ORIGIN, "1000", base64.b64encode(ROOT).decode()]
    assert blank == ""
    assert sig_line.startswith(f"— {ORIGIN} ")
    assert end == ""
    blob = base64.b64decode(sig_line.rsplit(" ", 1)[1])
    assert len(blob) == 4 + 64
    public = key.public_key()
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    # The signed-note key hash: SHA-256(name || "\n" || 0x01 || key), first 4 bytes.
    assert blob[:4] == hashlib.sha256(ORIGIN.encode() + b"\n\x01" + raw).digest()[:4]
    public.verify(blob[4:], "\n".join(body).encode() + b"\n")


def test_verifier_key_format(key: Ed25519PrivateKey) -> None:
    vkey = verifier_key(ORIGIN, key.public_key())
    name, hash_hex, material = vkey.split("+", 2)
    assert name == ORIGIN
    assert bytes.fromhex(hash_hex) == key_hash(ORIGIN, key.public_key())
    assert base64.b64decode(material)[0] == 1 and len(base64.b64decode(material)) == 33


@settings(max_examples=50, deadline=None)
@given(
    st.integers(0, 2**63 - 1),
    st.binary(min_size=32, max_size=32),
    st.from_regex(r"[a-z0-9.\-/]{1,40}", fullmatch=True),
)
def test_round_trip(size: int, root: bytes, origin: str) -> None:
    key = Ed25519PrivateKey.from_private_bytes(bytes(32))
    checkpoint = Checkpoint(origin, size, root)
    assert open_note(sign(checkpoint, key), key.public_key(), origin) == checkpoint


def test_other_signatures_are_ignored(key: Ed25519PrivateKey) -> None:
    witness = Ed25519PrivateKey.from_private_bytes(bytes([7] * 32))
    note = sign(Checkpoint(ORIGIN, 5, ROOT), key)
    cosigned = sign(Checkpoint(ORIGIN, 5, ROOT), witness, "witness.example")
    both = note + cosigned.split("\n\n")[1]
    assert open_note(both, key.public_key(), ORIGIN).size == 5
    with pytest.raises(TamperDetected, match=r"not signed by key 'example\.org/ledger'"):
        open_note(cosigned, key.public_key(), ORIGIN)


def edit(note: str, old: str, new: str) -> str:
    assert old in note
    return note.replace(old, new, 1)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda n: edit(n, "\n1000\n", "\n999\n"), "does not verify"),
        (lambda n: edit(n, "\n1000\n", "\n01000\n"), "not a decimal number"),
        (lambda n: edit(n, ORIGIN + "\n", "other.org/ledger\n"), "does not verify"),
        (lambda n: n.rstrip("\n"), "does not end with a newline"),
        (lambda n: n.replace("\n\n", "\n"), "no blank line"),
        (lambda n: edit(n, "— ", "- "), "must start with '— '"),
        (lambda n: n[: n.index("— ")], "no signatures"),
        (lambda n: n.replace(n.rsplit(" ", 1)[1], "!!!\n"), "not valid base64"),
        (lambda n: n[:-10] + "AAAAAAAAA\n", "does not verify|not valid base64"),
    ],
    ids=["size", "padded", "origin", "newline", "blank", "dash", "unsigned", "b64", "sig"],
)
def test_edited_notes_are_detected(key: Ed25519PrivateKey, mutate: object, message: str) -> None:
    note = sign(Checkpoint(ORIGIN, 1000, ROOT), key)
    assert callable(mutate)
    with pytest.raises(TamperDetected, match=message):
        open_note(mutate(note), key.public_key(), ORIGIN, source="00000000000000001000.note")


def test_forged_note_with_another_key_is_detected(key: Ed25519PrivateKey) -> None:
    forger = Ed25519PrivateKey.from_private_bytes(bytes([9] * 32))
    forged = sign(Checkpoint(ORIGIN, 1000, ROOT), forger)
    with pytest.raises(TamperDetected, match="not signed by key"):
        open_note(forged, key.public_key(), ORIGIN)


def test_errors_name_the_source(key: Ed25519PrivateKey) -> None:
    with pytest.raises(TamperDetected, match=r"^cp\.note: "):
        split_note("garbage", "cp.note")
    with pytest.raises(TamperDetected, match="origin, size and root"):
        parse_body("only\n", "cp.note")
    with pytest.raises(TamperDetected, match="bad checkpoint body"):
        parse_body(f"{ORIGIN}\n3\nAAAA\n", "cp.note")


def test_checkpoint_validates_fields() -> None:
    with pytest.raises(ValueError, match="origin"):
        Checkpoint("has space", 1, ROOT)
    with pytest.raises(ValueError, match="size"):
        Checkpoint(ORIGIN, -1, ROOT)
    with pytest.raises(ValueError, match="32 bytes"):
        Checkpoint(ORIGIN, 1, b"short")
