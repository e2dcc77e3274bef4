"""The pack version is a content hash: stable under file order, times and line endings, and
changed by any other byte."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from pack_helpers import NATIONAL

from xinyong.policy import content_hash, load_pack
from xinyong.policy.hashing import hash_files, normalise, pack_files


def _copy(tmp_path: Path, name: str) -> Path:
    return Path(shutil.copytree(NATIONAL, tmp_path / name))


def test_version_is_the_content_hash(tmp_path: Path) -> None:
    pack = load_pack(NATIONAL)
    assert pack.version == content_hash(NATIONAL)
    copy = _copy(tmp_path, "copy")
    for path in copy.rglob("*"):
        os.utime(path, (1, 1))
    assert load_pack(copy).version == pack.version


def test_file_creation_order_does_not_matter(tmp_path: Path) -> None:
    files = {rel: (NATIONAL / rel).read_bytes() for rel in pack_files(NATIONAL)}
    for name, order in (("forward", sorted(files)), ("backward", sorted(files, reverse=True))):
        root = tmp_path / name
        for rel in order:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(files[rel])
    assert content_hash(tmp_path / "forward") == content_hash(tmp_path / "backward")


def test_line_endings_are_normalised(tmp_path: Path) -> None:
    copy = _copy(tmp_path, "crlf")
    for rel in pack_files(copy):
        path = copy / rel
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert content_hash(copy) == content_hash(NATIONAL)
    assert load_pack(copy).version == load_pack(NATIONAL).version


def test_hidden_files_do_not_count_but_others_do(tmp_path: Path) -> None:
    copy = _copy(tmp_path, "extra")
    (copy / ".git").mkdir()
    (copy / ".git" / "HEAD").write_text("ref: x\n")
    (copy / ".DS_Store").write_bytes(b"\0")
    assert content_hash(copy) == content_hash(NATIONAL)
    (copy / "NOTES.txt").write_text("a note\n")
    assert content_hash(copy) != content_hash(NATIONAL)


def test_renaming_a_file_changes_the_version() -> None:
    assert hash_files({"a.yaml": b"x"}) != hash_files({"b.yaml": b"x"})
    # framing: moving bytes between the path and the content is a different pack
    assert hash_files({"ab": b"c"}) != hash_files({"a": b"bc"})


_FILES = st.dictionaries(
    st.text("abcdefghij/._-", min_size=1, max_size=12),
    st.binary(max_size=64),
    min_size=1,
    max_size=5,
)


@given(files=_FILES)
def test_hash_ignores_insertion_order(files: dict[str, bytes]) -> None:
    assert hash_files(files) == hash_files(dict(reversed(list(files.items()))))


@settings(max_examples=200)
@given(files=_FILES, data=st.data())
def test_any_byte_change_changes_the_hash(files: dict[str, bytes], data: st.DataObject) -> None:
    rel = data.draw(st.sampled_from(sorted(files)))
    content = normalise(files[rel])
    if not content:
        changed = {**files, rel: b"x"}
    else:
        at = data.draw(st.integers(0, len(content) - 1))
        # CR and LF are the bytes normalisation maps onto each other, on purpose
        old = content[at]
        new = data.draw(st.integers(0, 255).filter(lambda b: b not in (old, 10, 13)))
        if old in (10, 13):
            new_content = content[:at] + bytes([new]) + content[at:]  # insert instead
        else:
            new_content = content[:at] + bytes([new]) + content[at + 1 :]
        changed = {**files, rel: new_content}
    assert hash_files(changed) != hash_files(files)


def test_normalise_is_idempotent() -> None:
    assert normalise(normalise(b"a\r\r\nb\n\r")) == normalise(b"a\r\r\nb\n\r")
