"""The vectorised identifier pass keys exactly what the schemes' own checks key, and sends
everything else to them: the same keys, the same 64-bit keys, the same errors. Both forms of
the pass are held to that: the compiled one (`_keyloop`, when numba is installed) and the
numpy one that answers without it."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.domain import idbatch
from xinyong.domain.idbatch import Keyed, subject_keys, subject_keys_slow
from xinyong.domain.identifiers import default_registry, generate_resident_id, generate_uscc
from xinyong.errors import IdentifierError

KEY = bytes(range(32))
SCHEMES = default_registry(as_of=date(2026, 11, 22))
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXYZIOSVx X０１"


def _mutations(rng: random.Random, valid: list[str]) -> list[str]:
    out = []
    for v in valid:
        i = rng.randrange(len(v))
        out.append(v[:i] + rng.choice(ALPHABET) + v[i + 1 :])  # one character changed
        out.append(v.lower())
        out.append(v[:9] + " " + v[9:])  # a space: valid once normalised
        out.append(v[:-1])
    return out


def _numpy_pass(idents: list[str]) -> tuple[Keyed, bytes]:
    """`subject_keys` and the log's array of keys as they are without numba."""
    compiled = idbatch._compiled_pass
    idbatch._compiled_pass = lambda: None  # type: ignore[assignment]
    try:
        found = subject_keys(SCHEMES, idents, KEY)
        return found, found.keys.json_array()  # type: ignore[attr-defined]
    finally:
        idbatch._compiled_pass = compiled  # type: ignore[assignment]


def _same(idents: list[str]) -> None:
    slow = subject_keys_slow(SCHEMES, idents, KEY)
    compiled, (numpy, numpy_array) = subject_keys(SCHEMES, idents, KEY), _numpy_pass(idents)
    for fast in (compiled, numpy):
        assert list(fast.keys) == list(slow.keys)
        assert fast.keys64.tolist() == slow.keys64.tolist()
        assert {i: e.reason for i, e in fast.errors.items()} == {
            i: e.reason for i, e in slow.errors.items()
        }
    # the decision log's array of keys, byte for byte
    array = compiled.keys.json_array()  # type: ignore[attr-defined]
    assert array == numpy_array
    assert json.loads(array) == [k for k in slow.keys if k is not None]


def test_generated_and_mutated_identifiers() -> None:
    rng = random.Random(3)
    people = [
        generate_resident_id(rng, date(1900, 1, 1) + timedelta(days=rng.randrange(46_000)))
        for _ in range(400)
    ]
    firms = [generate_uscc(rng) for _ in range(400)]
    odd = [
        "110105190002290011",  # 29 February 1900: not a date
        "110105202702010013",  # born after today
        "990105194912310021",  # no such division
        "11010519491231002X",
        "91350100M000100Y43",
        "",
        "１１０１０５１９４９１２３１００２Ｘ",
    ]
    idents = people + firms + _mutations(rng, people[:200] + firms[:200]) + odd
    _same(idents)
    assert sum(k is not None for k in subject_keys(SCHEMES, idents, KEY).keys) > 800


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="0123456789XMNY", min_size=17, max_size=19), max_size=20))
def test_any_short_strings(idents: list[str]) -> None:
    _same(idents)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_lengths_told_from_the_nul_join(data: st.DataObject) -> None:
    """The compiled pass takes the identifiers joined by NUL as rows of 18 only when each is
    18 characters: not when lengths that sum to 18 each are mixed (17 and 19), nor when an
    identifier holds a NUL that would stand where a separator stands."""
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    valid = [generate_resident_id(rng, date(1980, 1, 2)), generate_uscc(rng)]
    pieces = st.sampled_from(valid) | st.sampled_from(
        [valid[0][:17], valid[0] + "\0", valid[1][:9] + "\0" + valid[1][10:], "\0" * 18]
    )
    pieces |= st.builds(
        lambda v, k: v[:k] + "\0" + v[k:], st.sampled_from(valid), st.integers(0, 18)
    )
    pieces |= st.builds(lambda v, k: v[:k] + v[k + 1 :], st.sampled_from(valid), st.integers(0, 17))
    _same(data.draw(st.lists(pieces, max_size=8)))
    for idents in ([*valid, valid[0][:17], valid[1] + "A"], [valid[0][:17], valid[0] + "\0"]):
        assert idbatch._joined(idents) is None
        _same(idents)
    assert idbatch._joined(valid) == "\0".join(valid)
    # NULs at every 19th place, but one is an identifier's: the join alone cannot tell, the
    # compiled pass sees a NUL inside a row and the batch is keyed from the list as it is
    for idents in ([valid[0] + "\0" + valid[1][:17], ""], [valid[0] + "\0", valid[1][:17]]):
        assert idbatch._joined(idents) is not None
        _same(idents)
        keys = idbatch.subject_keys(SCHEMES, idents, KEY)
        assert list(keys.keys) == [None, None] and set(keys.errors) == {0, 1}


def test_a_large_batch_of_valid_identifiers_only() -> None:
    """Split over the cores, both kinds keyed by the pass alone (the log's array then laid out
    as fixed-width rows), a firm or a person last."""
    rng = random.Random(8)
    people = [
        generate_resident_id(rng, date(1930, 1, 1) + timedelta(days=rng.randrange(30_000)))
        for _ in range(4_000)
    ]
    firms = [generate_uscc(rng) for _ in range(1_000)]
    idents = [
        i for i in people + firms if idbatch.scheme_of(SCHEMES, i).__class__ is not IdentifierError
    ]
    rng.shuffle(idents)
    _same(idents + firms[:1])
    _same(idents + people[:1])
    _same(people[:1])
    _same([])


def test_keys_compared_to_a_files_full_keys() -> None:
    """`SubjectKeys.equal_to` (the batch's check of a shared 64-bit key against the hot file's
    full key) says what comparing the strings says, for every kind of key."""
    rng = random.Random(4)
    people = [generate_resident_id(rng, date(1960, 1, 1) + timedelta(days=i)) for i in range(50)]
    firms = [generate_uscc(rng) for _ in range(50)]
    idents = people + firms + [p[:9] + " " + p[9:] for p in people[:20]] + ["nonsense"] * 5
    keyed = subject_keys(SCHEMES, idents, KEY)
    texts: list[bytes] = []
    want = []
    for key in keyed.keys:
        mine = (key or "").encode()
        choice = rng.randrange(5)
        if choice == 0 and mine:
            text = mine[:-1] + bytes([mine[-1] ^ 1])  # the last byte differs
        elif choice == 1 and mine:
            text = b"x" + mine[1:]  # the first
        elif choice == 2:
            text = mine + b"0"  # longer
        elif choice == 3:
            text = b""
        else:
            text = mine
        texts.append(text)
        want.append((key is not None and text == mine) or (key is None and text == b""))
    order = list(range(len(texts)))
    rng.shuffle(order)  # the file's rows in another order than the batch's
    stored = [texts[i] for i in order]
    offsets = np.zeros(len(stored) + 1, dtype=np.uint64)
    offsets[1:] = np.cumsum([len(t) for t in stored])
    text = np.frombuffer(b"".join(stored) or b"\0", dtype=np.uint8)
    rows = np.argsort(np.array(order)).astype(np.int64)  # batch position j sits at row rows[j]
    asked = np.arange(len(texts), dtype=np.int64)
    found = keyed.keys.equal_to(text, offsets, rows, asked)  # type: ignore[attr-defined]
    if found is None:
        pytest.skip("numba (the `batch` extra) is missing: the compiled comparison")
    assert found.tolist() == want
