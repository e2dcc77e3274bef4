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
    return sign_body(checkpoint.body(), private_key, name)


def sign_body(body: str, private_key: Ed25519PrivateKey, key_name: str) -> str:
    """A signed note of any `body` (lines ending in newlines) by `key_name`.

    The log key signs more than checkpoints (pending commits, the decision index's seal); each
    other statement starts with a line of its own (`xinyong-pending-v1`, …) and has more lines
    than a checkpoint, so no signature on one can pass for a signature on a checkpoint.
    """
    check_key_name(key_name)
    if not body.endswith("\n") or "\n\n" in body:
        raise ValueError("a note body is non-empty lines, each ending in a newline")
    signature = private_key.sign(body.encode("utf-8"))
    blob = key_hash(key_name, private_key.public_key()) + signature
    return f"{body}\n{SIGNATURE_PREFIX}{key_name} {base64.b64encode(blob).decode('ascii')}\n"


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """A public key's fingerprint to publish and compare by eye, in OpenSSH's style:
    `SHA256:` and the unpadded base64 of SHA-256 over the raw 32-byte key."""
    digest = hashlib.sha256(public_key_bytes(public_key)).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def parse_verifier_key(text: str, source: str = "verifier key") -> tuple[str, Ed25519PublicKey]:
    """The key name and public key of a verifier key `<name>+<hex key hash>+<base64 key>`.

    The key hash must match the name and key, so a typo or a spliced name is refused.
    """
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise ValueError(f"{source}: a verifier key is <name>+<key hash>+<base64 key>")
    name, hash_hex, encoded = parts
    check_key_name(name)
    try:
        raw = base64.b64decode(encoded, validate=True)
        want = bytes.fromhex(hash_hex)
    except (binascii.Error, ValueError):
        raise ValueError(f"{source}: key hash or key is not hex / base64") from None
    if len(raw) != 1 + 32 or raw[:1] != ED25519_ALG:
        raise ValueError(f"{source}: not an Ed25519 verifier key")
    public_key = Ed25519PublicKey.from_public_bytes(raw[1:])
    if key_hash(name, public_key) != want:
        raise ValueError(f"{source}: key hash {hash_hex} does not match the name and key")
    return name, public_key


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
    _verify_signatures(body, signatures, public_key, key_name, source)
    return checkpoint


def open_body(text: str, public_key: Ed25519PublicKey, key_name: str, source: str = "note") -> str:
    """The body of a signed note of any statement, once `key_name`'s signature is verified."""
    body, signatures = split_note(text, source)
    _verify_signatures(body, signatures, public_key, key_name, source)
    return body


def _verify_signatures(
    body: str,
    signatures: list[NoteSignature],
    public_key: Ed25519PublicKey,
    key_name: str,
    source: str,
) -> None:
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
                "the statement was edited or forged"
            ) from None


PENDING_TAG = "xinyong-pending-v1"


@dataclass(frozen=True, slots=True)
class PendingCommit:
    """A batch about to be committed, signed before the database commits it.

    The ledger goes from `base` to `new`; `wal_bytes` is the length of the database's
    write-ahead log just before the commit (0 when there was none). A database commit writes its
    log only when it commits, so after a crash a log no longer than `wal_bytes` says the commit
    never happened, and a longer one that did not bring the batch back says it was lost. Being
    signed, and unlike a checkpoint, it cannot be made by renaming a checkpoint file.

    `xid` is the database's own transaction id of the commit, for a database that can say
    afterwards whether a transaction committed (PostgreSQL's `pg_xact_status`); its note has
    one more line, `xid <n>`, and `wal_bytes` is then 0.
    """

    base: Checkpoint
    new: Checkpoint
    wal_bytes: int
    xid: int | None = None

    def __post_init__(self) -> None:
        if self.base.origin != self.new.origin or not self.base.size < self.new.size:
            raise ValueError("a pending commit grows one log")
        if self.wal_bytes < 0:
            raise ValueError("wal_bytes must be ≥ 0")
        if self.xid is not None and self.xid < 0:
            raise ValueError("xid must be ≥ 0")

    def body(self) -> str:
        b64 = base64.b64encode
        return (
            f"{PENDING_TAG}\n{self.new.origin}\n{self.base.size}\n"
            f"{b64(self.base.root).decode('ascii')}\n{self.new.size}\n"
            f"{b64(self.new.root).decode('ascii')}\n{self.wal_bytes}\n"
            + ("" if self.xid is None else f"xid {self.xid}\n")
        )

    @classmethod
    def parse(cls, body: str, source: str = "note") -> PendingCommit:
        lines = body.split("\n")
        xid: int | None = None
        if len(lines) == 9 and lines[7].startswith("xid "):
            digits = lines.pop(7).removeprefix("xid ")
            if not (digits.isascii() and digits.isdigit()):
                raise TamperDetected(f"{source}: bad pending commit: xid is not a number")
            xid = int(digits)
        if len(lines) != 8 or lines[0] != PENDING_TAG:
            raise TamperDetected(
                f"{source}: not a pending commit ({PENDING_TAG}); a checkpoint renamed to "
                "pending.note?"
            )
        origin, base_size, base_root, new_size, new_root, wal = lines[1:7]
        try:
            numbers = [int(t) for t in (base_size, new_size, wal) if t.isascii() and t.isdigit()]
            if len(numbers) != 3:
                raise ValueError("sizes are not decimal numbers")
            return cls(
                Checkpoint(origin, numbers[0], base64.b64decode(base_root, validate=True)),
                Checkpoint(origin, numbers[1], base64.b64decode(new_root, validate=True)),
                numbers[2],
                xid,
            )
        except (binascii.Error, ValueError) as exc:
            raise TamperDetected(f"{source}: bad pending commit: {exc}") from None
