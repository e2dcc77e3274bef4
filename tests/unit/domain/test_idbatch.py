"""The vectorised identifier pass keys exactly what the schemes' own checks key, and sends
everything else to them: the same keys, the same 64-bit keys, the same errors. Both forms of
the pass are held to that: the compiled one (`_keyloop`, when numba is installed) and the
numpy one that answers without it."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.domain import idbatch
from xinyong.domain.idbatch import Keyed, subject_keys, subject_keys_slow
from xinyong.domain.identifiers import default_registry, generate_resident_id, generate_uscc

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


def _numpy_pass(idents: list[str]) -> Keyed:
    """`subject_keys` as it answers without numba."""
    compiled = idbatch._compiled_pass
    idbatch._compiled_pass = lambda: None  # type: ignore[assignment]
    try:
        return subject_keys(SCHEMES, idents, KEY)
    finally:
        idbatch._compiled_pass = compiled  # type: ignore[assignment]


def _same(idents: list[str]) -> None:
    slow = subject_keys_slow(SCHEMES, idents, KEY)
    compiled, numpy = subject_keys(SCHEMES, idents, KEY), _numpy_pass(idents)
    for fast in (compiled, numpy):
        assert list(fast.keys) == list(slow.keys)
        assert fast.keys64.tolist() == slow.keys64.tolist()
        assert {i: e.reason for i, e in fast.errors.items()} == {
            i: e.reason for i, e in slow.errors.items()
        }
    # the decision log's array of keys, byte for byte
    array = compiled.keys.json_array()  # type: ignore[attr-defined]
    assert array == numpy.keys.json_array()  # type: ignore[attr-defined]
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
