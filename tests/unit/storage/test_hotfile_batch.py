"""A batch's lookup in the hot decision file: the bucket directory finds what a binary search
finds, for any keys (shared ones, empty buckets, keys past either end)."""

from __future__ import annotations

import itertools
import json
from datetime import date
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.domain.idbatch import SubjectKeys
from xinyong.storage import hotfile


class _Plain:
    """Signs by not signing: the file's trust is not what is tested here."""

    origin = "test"

    def sign_statement(self, body: str) -> str:
        return body

    def open_statement(self, text: str, source: str) -> str:
        return text


def _file(
    tmp: Path,
    subjects: list[str],
    codes: np.ndarray | None = None,
    *,
    cells: np.ndarray | None = None,
    cell_verdicts: np.ndarray | None = None,
    verdicts: int = 0,
) -> hotfile.HotFile:
    path = tmp / "x.hot"
    hotfile.write(
        path,
        binding=hotfile.HotBinding("test", 1, b"r", "v", date(2026, 1, 1), "d"),
        actions=["a"] if codes is None else [f"a{j}" for j in range(codes.shape[1])],
        subjects=subjects,
        codes=np.zeros((len(subjects), 1), dtype=np.uint8) if codes is None else codes,
        cells=np.zeros(0, dtype=np.uint64) if cells is None else cells,
        cell_verdicts=np.zeros(0, dtype=np.uint32) if cell_verdicts is None else cell_verdicts,
        verdicts=[b"{}"] * verdicts,
        signer=_Plain(),
    )
    return hotfile.HotFile(path, _Plain())


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 3000), st.integers(0, 2**32), st.integers(1, 64))
def test_locate_is_searchsorted(tmp_path_factory: object, n: int, seed: int, spread: int) -> None:
    tmp = tmp_path_factory.mktemp("hot")  # type: ignore[attr-defined]
    file = _file(tmp, [f"s:{i}" for i in range(n)])
    keys = np.asarray(file.keys)
    rng = np.random.default_rng(seed)
    asked = rng.integers(0, 2**64 - 1, size=500, dtype=np.uint64, endpoint=True)
    asked >>= np.uint64(rng.integers(0, spread))  # crowd some into the low buckets
    if n:
        asked[:200] = keys[rng.integers(0, n, size=200)]  # held keys
    asked[-2:] = [0, 2**64 - 1]
    assert file.locate(asked).tolist() == keys.searchsorted(asked).tolist()


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 3000), st.integers(0, 2**32), st.integers(1, 64))
def test_codes_of_is_searchsorted_and_a_gather(
    tmp_path_factory: object, n: int, seed: int, spread: int
) -> None:
    """The batch's lookup (compiled and split over the cores with numba, numpy without):
    the row holding each key and its code, 0 and 0 where no row does."""
    import xinyong.storage.hotfile as module

    tmp = tmp_path_factory.mktemp("hot")  # type: ignore[attr-defined]
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 4, size=(n, 3), dtype=np.uint8)
    file = _file(tmp, [f"s:{i}" for i in range(n)], codes)
    keys = np.asarray(file.keys)
    stored = np.asarray(file.codes)
    asked = rng.integers(0, 2**64 - 1, size=5_000, dtype=np.uint64, endpoint=True)
    asked >>= np.uint64(rng.integers(0, spread))
    if n:
        asked[:2_000] = keys[rng.integers(0, n, size=2_000)]
    asked[-2:] = [0, 2**64 - 1]
    at = keys.searchsorted(asked)
    hit = at < n
    hit[hit] = keys[at[hit]] == asked[hit]
    want_at = np.where(hit, at, 0)
    for column in range(3):
        want = np.where(hit, stored[want_at, column] if n else 0, 0)
        found = [file.codes_of(asked, column)]
        compiled = module._compiled_lookup
        module._compiled_lookup = lambda: None  # type: ignore[assignment]
        try:
            found.append(file.codes_of(asked, column))
        finally:
            module._compiled_lookup = compiled  # type: ignore[assignment]
        for rows, got in found:
            assert rows.tolist() == want_at.tolist()
            assert got.tolist() == want.tolist()


@settings(max_examples=40, deadline=None)
@given(
    st.tuples(st.integers(1, 3000), st.integers(1, 40), st.floats(0.0, 1.0)),
    st.integers(0, 2**32),
    st.integers(1, 64),
)
def test_answers_of_is_codes_of_and_a_search_of_the_cells(
    tmp_path_factory: object, shape: tuple[int, int, float], seed: int, spread: int
) -> None:
    """The compiled lookup with its tail: rows and codes as `codes_of` finds them, and where a
    code is not 0 the verdict of the cell `row * width + column`, as a search of every cell
    finds it (any number of actions, cells sparse or dense); -1 where the code is 0."""
    import xinyong.storage.hotfile as module

    n, width, density = shape
    if module._compiled_answers() is None:
        return  # without numba: decide_many's numpy tail answers (test_hotpath)
    tmp = tmp_path_factory.mktemp("hot")  # type: ignore[attr-defined]
    rng = np.random.default_rng(seed)
    codes = (rng.random((n, width)) < density).astype(np.uint8) * rng.integers(
        1, 4, size=(n, width), dtype=np.uint8
    )
    cells = np.flatnonzero(codes.ravel()).astype(np.uint64)
    file = _file(
        tmp,
        [f"s:{i}" for i in range(n)],
        codes,
        cells=cells,
        cell_verdicts=rng.integers(0, 50, size=len(cells), dtype=np.uint32),
        verdicts=50,
    )
    keys = np.asarray(file.keys)
    asked = rng.integers(0, 2**64 - 1, size=6_000, dtype=np.uint64, endpoint=True)
    asked >>= np.uint64(rng.integers(0, spread))
    asked[:3_000] = keys[rng.integers(0, n, size=3_000)]
    asked[-2:] = [0, 2**64 - 1]
    stored_cells, stored_verdicts = np.asarray(file.cells), np.asarray(file.cell_verdicts)
    for column in {0, width - 1, int(rng.integers(0, width))}:
        found = file.answers_of(asked, column)
        assert found is not None
        at, got, verdict = found
        want_at, want = file.codes_of(asked, column)
        assert at.tolist() == want_at.tolist() and got.tolist() == want.tolist()
        want_verdict = np.full(len(asked), -1, dtype=np.int64)
        check = np.flatnonzero(want)
        where = stored_cells.searchsorted(
            want_at[check].astype(np.uint64) * np.uint64(width) + np.uint64(column)
        )
        want_verdict[check] = stored_verdicts[where]
        assert verdict.tolist() == want_verdict.tolist()


def test_a_code_without_its_cell_is_caught(tmp_path: Path) -> None:
    """A file whose code says "has a verdict" but whose cells hold none for it lies: the
    compiled lookup says so as the numpy one does."""
    import pytest

    import xinyong.storage.hotfile as module
    from xinyong.errors import TamperDetected

    if module._compiled_answers() is None:
        return
    codes = np.array([[0, 2], [1, 0], [3, 3]], dtype=np.uint8)
    cells = np.array([1, 2, 4], dtype=np.uint64)  # row 2, column 1 (cell 5) has none
    file = _file(
        tmp_path,
        ["s:0", "s:1", "s:2"],
        codes,
        cells=cells,
        cell_verdicts=np.array([0, 1, 2], dtype=np.uint32),
        verdicts=3,
    )
    row = {file.full_key(r): r for r in range(3)}
    asked = np.asarray(file.keys)[[row["s:2"]]]
    assert file.answers_of(asked, 0) is not None
    with pytest.raises(TamperDetected):
        file.answers_of(asked, 1)


def test_locate_with_equal_keys(tmp_path: Path, monkeypatch: object) -> None:
    import xinyong.storage.hotfile as module

    monkeypatch.setattr(module, "key64", lambda k: 7 if k.startswith("a") else 2**63)  # type: ignore[attr-defined]
    file = _file(tmp_path, ["a1", "b", "a2", "a3"])
    asked = np.array([7, 2**63, 6, 8, 2**64 - 1], dtype=np.uint64)
    assert file.locate(asked).tolist() == [0, 3, 0, 3, 4]


def test_subject_keys_render_as_they_read() -> None:
    keys = SubjectKeys(6)
    hexes = np.frombuffer(b"ab" * 64, dtype=np.uint8).reshape(2, 64)
    keys.add_group(np.array([0, 3]), b"resident_id:#", hexes)
    keys.add_group(np.array([4]), b"uscc:", np.frombuffer(b"91350100M000100Y43", np.uint8)[None])
    keys.add(5, 'other:"引号"')  # not a fixed-width kind: escaped as JSON
    as_list = list(keys)
    assert as_list == [
        "resident_id:#" + "ab" * 32,
        None,
        None,
        "resident_id:#" + "ab" * 32,
        "uscc:91350100M000100Y43",
        'other:"引号"',
    ]
    assert json.loads(keys.json_array()) == [k for k in as_list if k is not None]
    rows = np.array([5, 3, 4])
    buf, offsets = keys.utf8(rows)
    texts = [buf[a:b].tobytes().decode() for a, b in itertools.pairwise(offsets.tolist())]
    assert texts == [as_list[5], as_list[3], as_list[4]]
    assert SubjectKeys(2).json_array() == b"[]"


def test_mixed_widths_render_as_valid_json() -> None:
    keys = SubjectKeys(5)
    hexes = np.frombuffer(b"0f" * 96, dtype=np.uint8).reshape(3, 64)
    keys.add_group(np.array([0, 2, 4]), b"resident_id:#", hexes)
    keys.add_group(np.array([1]), b"uscc:", np.frombuffer(b"91350100M000100Y43", np.uint8)[None])
    text = keys.json_array()
    assert json.loads(text) == [k for k in keys if k is not None]
    assert text.startswith(b'["resident_id:#0f') and b'"uscc:91350100M000100Y43",' in text
