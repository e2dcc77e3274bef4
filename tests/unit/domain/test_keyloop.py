"""The compiled keying pass (`_keyloop.key_rows`, the `batch` extra) accepts and refuses every
18-character identifier exactly as the schemes' own `problem()` does, keys it exactly as
`subject_key` and `key64` do (HMAC-SHA256 byte for byte, BLAKE2b as `hashlib`'s), and gives the
same answer split over threads as in one piece."""

from __future__ import annotations

import hashlib
import hmac
import os
import random
import signal
import time
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.domain import cores, idbatch, pseudobatch
from xinyong.domain.identifiers import (
    ResidentIdScheme,
    SchemeRegistry,
    UsccScheme,
    generate_resident_id,
    generate_uscc,
)
from xinyong.domain.pseudonym import key64

TODAY = date(2026, 11, 22)
KEY = bytes(range(32))
RID, USCC = ResidentIdScheme(as_of=TODAY), UsccScheme()
SCHEMES = SchemeRegistry([RID, USCC])


def _loop() -> object:
    found = idbatch._compiled_pass()
    if found is None:
        reason = "numba (the `batch` extra) or libcrypto.so.3 is missing: the compiled pass"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
        pytest.skip(reason)
    return found


def _run(idents: list[str], today: date = TODAY, listed: list[bool] | None = None) -> tuple:
    """kind, keys and 64-bit keys of the compiled pass over 18-character ASCII identifiers."""
    loop = _loop()
    n = len(idents)
    keys, keys64 = idbatch.SubjectKeys(n), np.zeros(n, dtype=np.uint64)
    plain = np.arange(n, dtype=np.int64)
    flags = None if listed is None else np.array(listed, dtype=bool)
    rest = idbatch._keys_compiled(
        loop,
        RID,
        USCC,
        "".join(idents),
        plain,
        listed=flags,
        today=today,
        key=KEY,
        keys=keys,
        keys64=keys64,
    )
    return rest, list(keys), keys64.tolist()


def _expected(idents: list[str], today: date = TODAY) -> tuple:
    """What the schemes' own checks say: keyed when valid in exactly one scheme."""
    rid = ResidentIdScheme(as_of=today)
    rest, keys, k64 = [], [], []
    for i, ident in enumerate(idents):
        person, firm = rid.problem(ident) is None, USCC.problem(ident) is None
        if person == firm:
            rest.append(i)
            keys.append(None)
            k64.append(0)
            continue
        v = ident.upper()
        if person:
            digest = hmac.digest(KEY, b"resident_id:" + v.encode(), "sha256")
            key = "resident_id:#" + digest.hex()
        else:
            key = "uscc:" + v
        keys.append(key)
        k64.append(key64(key))
    return rest, keys, k64


def _people(rng: random.Random, count: int) -> list[str]:
    start = date(1900, 1, 1)
    return [
        generate_resident_id(rng, start + timedelta(rng.randrange(46_000))) for _ in range(count)
    ]


def test_valid_mutated_and_edge_identifiers() -> None:
    rng = random.Random(5)
    valid = _people(rng, 300) + [generate_uscc(rng) for _ in range(300)]
    edge = [
        "110105190002290011",  # 29 February 1900: not a date
        "110105200002290017",  # 29 February 2000: a date
        "110105200402290019",
        "110105000001010010",  # year 0
        "110105194900010013",  # month 0
        "110105194913010012",  # month 13
        "110105194912000019",  # day 0
        "110105194912320016",  # day 32
        "110105194904310011",  # 31 April
        "110105202611220010",  # born today
        "110105202611230014",  # born tomorrow
        "000000194912310021",  # no such division
        "11010519491231002x",  # lower-case check character
        "91350100m000100y43",
        "91350100M000100Y43",
        "I1010519491231002X",  # letters no USCC has
        "O1010519491231002X",
        "11010519491231002\x7f",
        "\x00" * 18,
        "Z" * 18,
        "0" * 18,
    ]
    mutated = []
    for v in valid:
        i = rng.randrange(18)
        mutated.append(v[:i] + rng.choice("0123456789ABXYZIOSVaxz") + v[i + 1 :])
        j = rng.randrange(17)
        mutated.append(v[:j] + v[j + 1] + v[j] + v[j + 2 :])  # two neighbours swapped
    idents = valid + edge + mutated
    assert _run(idents) == _expected(idents)
    keys = _expected(idents)[1]
    assert sum(k is not None for k in keys[:600]) > 590, "the valid ones are keyed"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet="0123456789XYMNAGHILOxy", min_size=18, max_size=18), max_size=30),
    st.dates(date(1, 1, 2), date(9999, 12, 31)),
)
def test_any_18_characters_any_today(idents: list[str], today: date) -> None:
    assert _run(idents, today) == _expected(idents, today)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_resident_ids_around_dates_and_check_characters(data: st.DataObject) -> None:
    """Valid resident IDs with their birth date or check character pushed to the edges."""
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    today = data.draw(st.dates(date(1900, 1, 1), date(2100, 12, 31)))
    base = _people(rng, 1)[0]
    y = data.draw(st.integers(0, 9999))
    m = data.draw(st.integers(0, 13))
    d = data.draw(st.integers(0, 32))
    body = f"{base[:6]}{y:04d}{m:02d}{d:02d}{base[14:17]}"
    idents = [body + c for c in "0123456789Xx"]
    assert _run(idents, today) == _expected(idents, today)


def test_a_code_on_the_accepted_list_is_left_to_the_scheme() -> None:
    rng = random.Random(2)
    idents = [generate_uscc(rng) for _ in range(3)] + _people(rng, 3)
    rest, keys, _ = _run(idents, listed=[True, False, False, True, False, False])
    assert rest == [0, 3] and keys[0] is None and keys[3] is None
    assert keys[1] == "uscc:" + idents[1] and keys[4] is not None


def test_split_over_threads_equals_one_piece(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(9)
    idents = _people(rng, 6_000) + [generate_uscc(rng) for _ in range(1_000)]
    idents += [i[:5] + "9" + i[6:] for i in idents[:1_000]]
    rng.shuffle(idents)
    split = _run(idents)
    monkeypatch.setattr(cores, "workers", lambda: 1)
    assert _run(idents) == split
    monkeypatch.setattr(cores, "workers", lambda: 3)
    assert _run(idents) == split
    assert split == _expected(idents)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=128))
def test_blake2b_8_is_hashlibs(data: bytes) -> None:
    _loop()
    from xinyong.domain._keyloop import blake2b_8

    block = np.zeros(128, dtype=np.uint8)
    block[: len(data)] = np.frombuffer(data, dtype=np.uint8)
    want = int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")
    got = blake2b_8(block, len(data), np.empty(16, np.uint64), np.empty(16, np.uint64))
    assert int(got) == want


def test_the_compiled_pass_uses_the_keys_states() -> None:
    """Another key, another pseudonym: the states are the key's, not a cached other's."""
    _loop()
    ident = _people(random.Random(1), 1)[0]
    other = os.urandom(40)
    inner, outer = pseudobatch.hmac_states(other, b"resident_id:")
    a = idbatch.subject_keys(SCHEMES, [ident], other).keys[0]
    assert (
        a == "resident_id:#" + hmac.digest(other, b"resident_id:" + ident.encode(), "sha256").hex()
    )
    assert idbatch.subject_keys(SCHEMES, [ident], KEY).keys[0] != a
    assert inner.size == outer.size


def test_a_forked_child_gets_its_own_threads() -> None:
    """A server's worker forked after a batch still splits its batches (a pool's threads do not
    survive a fork)."""
    _loop()
    rng = random.Random(12)
    idents = _people(rng, cores.SPLIT_MIN + 10)
    want = _run(idents)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports by its exit status
        os._exit(0 if _run(idents) == want else 1)
    for _ in range(600):  # a child waiting on its parent's threads would wait forever
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        pytest.fail("the forked child's batch never finished")
    assert os.waitstatus_to_exitcode(status) == 0


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 140), st.integers(0, 2**32), st.binary(min_size=32, max_size=100))
def test_the_one_block_hmac_is_hmac_for_any_prefix(size: int, seed: int, key: bytes) -> None:
    """The HMAC by two `SHA256_Transform`s from the states' words equals `hmac` and the
    `Update`/`Final` path, whatever the prefix's length (its tail, the row and the padding in
    one block, or not: then the buffered path answers)."""
    loop = _loop()
    rid = ResidentIdScheme(as_of=TODAY)
    rid.name = "r" * size
    rng = random.Random(seed)
    idents = [*_people(rng, 5), generate_uscc(rng)]
    n = len(idents)
    found = []
    for one_block in (True, False):
        keys, keys64 = idbatch.SubjectKeys(n), np.zeros(n, dtype=np.uint64)
        rest = idbatch._keys_compiled(
            loop,
            rid,
            USCC,
            "".join(idents),
            np.arange(n, dtype=np.int64),
            listed=None,
            today=TODAY,
            key=key,
            keys=keys,
            keys64=keys64,
            one_block=one_block,
        )
        found.append((rest, list(keys), keys64.tolist()))
    assert found[0] == found[1]
    prefix = rid.name.encode() + b":"
    rest = found[0][0]  # a number valid in both schemes is left to the schemes
    want = [
        None
        if i in rest
        else prefix.decode() + "#" + hmac.digest(key, prefix + v.encode(), "sha256").hex()
        for i, v in enumerate(idents[:5])
    ]
    assert found[0][1][:5] == want
    assert found[0][2][:5] == [key64(k) if k else 0 for k in want]
