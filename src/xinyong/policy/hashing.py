"""A pack's version is the SHA-256 of its content, not a number someone remembers to bump.

Every regular file under the pack folder counts (hidden files and folders such as `.git` do not),
in sorted order of relative POSIX path. Each contributes its path and its bytes, both
length-prefixed so that no two different packs frame to the same stream, with CRLF and CR line
endings normalised to LF so that a checkout on Windows has the version of the same pack on Linux.
File times, permissions and the order the file system lists files in play no part.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

DOMAIN = b"xinyong-pack-v1\n"


def normalise(data: bytes) -> bytes:
    """Line endings as LF.

    >>> normalise(b"a\\r\\nb\\rc\\n")
    b'a\\nb\\nc\\n'
    """
    return data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def pack_files(root: Path) -> list[str]:
    """Relative POSIX paths of the files that make up a pack, sorted."""
    out = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        out.append(rel.as_posix())
    return sorted(out)


def hash_files(files: Mapping[str, bytes]) -> str:
    """`sha256:<hex>` of files given as relative path → bytes.

    >>> hash_files({"pack.yaml": b"a\\r\\n"}) == hash_files({"pack.yaml": b"a\\n"})
    True
    """
    h = hashlib.sha256(DOMAIN)
    for rel in sorted(files):
        name = rel.encode("utf-8")
        data = normalise(files[rel])
        h.update(b"%d:%s,%d:" % (len(name), name, len(data)))
        h.update(data)
        h.update(b",")
    return "sha256:" + h.hexdigest()


def content_hash(root: Path) -> str:
    """The version of the pack in `root` (OSError if a file cannot be read)."""
    return hash_files({rel: (root / rel).read_bytes() for rel in pack_files(root)})


def short(version: str, digits: int = 12) -> str:
    """`sha256:` and the first `digits` hex digits of a version."""
    algorithm, _, digest = version.partition(":")
    return f"{algorithm}:{digest[:digits]}"
