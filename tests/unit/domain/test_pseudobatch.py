"""The pseudonyms of a batch are `pseudonymise`'s, byte for byte, whichever loop computes them:
the compiled one (OpenSSL's SHA-256 from numba, the `batch` extra) and the hashlib one."""

from __future__ import annotations

import hmac
import os
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinyong.domain import pseudobatch
from xinyong.domain.pseudonym import pseudonymise
from xinyong.errors import SettingsError


def _rows(values: list[bytes], width: int) -> np.ndarray:
    return np.frombuffer(b"".join(values), dtype=np.uint8).reshape(len(values), width)


def _expected(key: bytes, scheme: str, values: list[bytes]) -> bytes:
    return b"".join(bytes.fromhex(pseudonymise(key, scheme, v.decode())) for v in values)


def _compiled() -> None:
    if not pseudobatch.compiled_available():
        reason = "numba (the `batch` extra) or libcrypto.so.3 is missing: the compiled loop"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
        pytest.skip(reason)


KEYS = [bytes(range(32)), os.urandom(48), bytes(64), os.urandom(100)]  # 100: hashed first


@pytest.mark.parametrize("key", KEYS, ids=["32", "48", "64", "100"])
def test_both_loops_equal_pseudonymise(key: bytes) -> None:
    _compiled()
    rng = random.Random(len(key))
    values = ["".join(rng.choice("0123456789X") for _ in range(18)).encode() for _ in range(3_000)]
    rows = _rows(values, 18)
    want = _expected(key, "resident_id", values)
    assert pseudobatch.digests_hashlib(key, b"resident_id:", rows) == want
    assert pseudobatch.digests(key, b"resident_id:", rows).tobytes() == want


@settings(max_examples=50, deadline=None)
@given(
    st.binary(min_size=32, max_size=80),
    st.integers(0, 70),
    st.integers(0, 40),
    st.integers(0, 2**32),
)
def test_any_key_row_width_and_count(key: bytes, width: int, count: int, seed: int) -> None:
    """Any bytes, any row width (none, or rows crossing SHA-256's 64-byte block), any count:
    the standard library's HMAC."""
    _compiled()
    rows = np.random.default_rng(seed).integers(0, 256, (count, width), dtype=np.uint8)
    expected = b"".join(hmac.digest(key, b"s:" + r.tobytes(), "sha256") for r in rows)
    assert pseudobatch.digests(key, b"s:", rows).tobytes() == expected
    assert pseudobatch.digests_hashlib(key, b"s:", rows) == expected


def test_a_short_key_is_refused() -> None:
    rows = np.zeros((1, 18), dtype=np.uint8)
    with pytest.raises(SettingsError, match="at least 32 bytes"):
        pseudobatch.digests(bytes(31), b"resident_id:", rows)
