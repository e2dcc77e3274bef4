"""Signed checkpoints: the C2SP tlog-checkpoint body wrapped in a C2SP signed note.

A checkpoint commits to the first `size` entries of a log by their Merkle root::

    xinyong.local/ledger
    1000000
    3q2+7w...base64 root...=

    — xinyong.local/ledger Ab3dEf...base64(key hash || Ed25519 signature)...

The body is `<origin>\\n<size>\\n<base64 root>\\n`; a blank line follows, then one line per
signature, `— <key name> <base64(4-byte key hash || signature)>`. The key hash is the first four
bytes of SHA-256(key name || 0x0A || 0x01 || public key), 0x01 naming Ed25519, so any
signed-note tool (e.g. Go's `golang.org/x/mod/sumdb/note`) can check our checkpoints given the
verifier key `verifier_key(...)` prints. The log signs with its origin as key name.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from xinyong.domain.merkle import HASH_SIZE
from xinyong.errors import TamperDetected

ED25519_ALG = b"\x01"  # signed-note algorithm byte for Ed25519
SIGNATURE_PREFIX = "— "  # U+2014 EM DASH, then a space
KEY_HASH_SIZE = 4
ED25519_SIGNATURE_SIZE = 64


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The log named `origin` had `size` entries with Merkle root `root`."""

    origin: str
    size: int
    root: bytes

    def __post_init__(self) -> None:
        check_key_name(self.origin)
        if self.size < 0:
            raise ValueError(f"checkpoint size must be ≥ 0 (got {self.size})")
        if len(self.root) != HASH_SIZE:
            raise ValueError(f"checkpoint root must be {HASH_SIZE} bytes (got {len(self.root)})")

    def body(self) -> str:
        """The signed text: origin, size and base64 root, one per line."""
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode('ascii')}\n"


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line of a signed note, not yet checked."""

    key_name: str
    key_hash: bytes
    signature: bytes


def check_key_name(name: str) -> None:
    """Signed-note key names (and so our origins) are non-empty, with no spaces or '+'."""
    if not name or any(c.isspace() or c == "+" for c in name):
        raise ValueError(f"origin/key name must be non-empty without spaces or '+' (got {name!r})")


def public_key_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_hash(key_name: str, public_key: Ed25519PublicKey) -> bytes:
    """The 4-byte signed-note key hash that tells verifiers which key made a signature."""
    material = key_name.encode("utf-8") + b"\n" + ED25519_ALG + public_key_bytes(public_key)
    return hashlib.sha256(material).digest()[:KEY_HASH_SIZE]


def verifier_key(key_name: str, public_key: Ed25519PublicKey) -> str:
    """The signed-note verifier key string `<name>+<hex key hash>+<base64(0x01 || key)>`.

    Publish it so witnesses and auditors can check checkpoints with standard tools.
    """
    raw = base64.b64encode(ED25519_ALG + public_key_bytes(public_key)).decode("ascii")
    return f"{key_name}+{key_hash(key_name, public_key).hex()}+{raw}"


def sign(
    checkpoint: Checkpoint, private_key: Ed25519PrivateKey, key_name: str | None = None
) -> str:
    """The signed note of a checkpoint, signed by `key_name` (default: the origin)."""
    name = checkpoint.origin if key_name is None else key_name
    check_key_name(name)
    body = checkpoint.body()
    signature = private_key.sign(body.encode("utf-8"))
    blob = key_hash(name, private_key.public_key()) + signature
    return f"{body}\n{SIGNATURE_PREFIX}{name} {base64.b64encode(blob).decode('ascii')}\n"


def split_note(text: str, source: str = "note") -> tuple[str, list[NoteSignature]]:
    """Body and signature lines of a signed note; `TamperDetected` names what is malformed."""
    if not text.endswith("\n"):
        raise TamperDetected(f"{source}: not a signed note (does not end with a newline)")
    cut = text.rfind("\n\n")
    if cut < 0:
        raise TamperDetected(f"{source}: not a signed note (no blank line before the signatures)")
    body, tail = text[: cut + 1], text[cut + 2 :]
    signatures: list[NoteSignature] = []
    for number, line in enumerate(tail.splitlines(), start=body.count("\n") + 2):
        if not line.startswith(SIGNATURE_PREFIX):
            raise TamperDetected(f"{source}:{number}: signature line must start with '— '")
        name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
        try:
            blob = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise TamperDetected(f"{source}:{number}: signature is not valid base64") from None
        if not name or len(blob) <= KEY_HASH_SIZE:
            raise TamperDetected(f"{source}:{number}: malformed signature line")
        signatures.append(NoteSignature(name, blob[:KEY_HASH_SIZE], blob[KEY_HASH_SIZE:]))
    if not signatures:
        raise TamperDetected(f"{source}: signed note has no signatures")
    return body, signatures


def parse_body(body: str, source: str = "note") -> Checkpoint:
    """The checkpoint a body states, checked for the exact canonical form it is signed in."""
    lines = body.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise TamperDetected(f"{source}: checkpoint body needs origin, size and root lines")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not size_text.isascii() or not size_text.isdigit() or (size_text != str(int(size_text))):
        raise TamperDetected(f"{source}:2: tree size {size_text!r} is not a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
        return Checkpoint(origin, int(size_text), root)
    except (binascii.Error, ValueError) as exc:
        raise TamperDetected(f"{source}: bad checkpoint body: {exc}") from None


def open_note(
    text: str, public_key: Ed25519PublicKey, key_name: str, source: str = "note"
) -> Checkpoint:
    """The checkpoint of a signed note, once `key_name`'s signature on it is verified.

    Signatures by other keys (witnesses, say) are ignored. A note that is malformed, not signed by
    the key, or whose signature does not verify is `TamperDetected`; checking the origin is the
    caller's business.
    """
    body, signatures = split_note(text, source)
    checkpoint = parse_body(body, source)
    want_hash = key_hash(key_name, public_key)
    ours = [s for s in signatures if s.key_name == key_name and s.key_hash == want_hash]
    if not ours:
        named = [s for s in signatures if s.key_name == key_name]
        if named:
            raise TamperDetected(
                f"{source}: not signed by key {key_name!r}: signed by another key of that name "
                f"(key hash {named[0].key_hash.hex()}, expected {want_hash.hex()}); the signing "
                "key was replaced, or the note is forged"
            )
        names = ", ".join(sorted({s.key_name for s in signatures}))
        raise TamperDetected(f"{source}: not signed by key {key_name!r} (signed by: {names})")
    for sig in ours:
        try:
            public_key.verify(sig.signature, body.encode("utf-8"))
        except InvalidSignature:
            raise TamperDetected(
                f"{source}: signature by {key_name!r} does not verify: "
                "the checkpoint was edited or forged"
            ) from None
    return checkpoint
