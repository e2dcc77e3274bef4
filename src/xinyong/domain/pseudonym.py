"""Keyed-hash pseudonyms for identifiers of individuals, in Python and in DuckDB SQL.

A pseudonym is HMAC-SHA256(key, "<scheme>:<normalised value>") as lower-case hex. The scheme name
is inside the hashed text so one number under two schemes never collides. Without the key a
pseudonym cannot be reversed by enumerating the (small) space of valid resident IDs; with it the
platform can find a subject's records when the subject asks (sources.md §10: PIPL Art 28).

DuckDB has `sha256()` but no `hmac()`, so `pseudonym_sql` spells out RFC 2104:
H((K0 ⊕ opad) || H((K0 ⊕ ipad) || message)), K0 being the key zero-padded to the 64-byte block
(a longer key is hashed first). Keys must be at least 32 bytes (the hash length, RFC 2104 §3).
"""

from __future__ import annotations

import hashlib
import hmac
import re

from sqlglot import exp

from xinyong.domain.identifiers import IdentifierScheme
from xinyong.errors import SettingsError

KEY_MIN_BYTES = 32
_BLOCK = 64  # SHA-256 block size in bytes
_PARAM = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
PSEUDONYM_MARK = "#"  # "resident_id:#<hex>": the key is a pseudonym, not the number


def _check_key(key: bytes) -> None:
    if len(key) < KEY_MIN_BYTES:
        raise SettingsError(f"pseudonym key must be at least {KEY_MIN_BYTES} bytes, got {len(key)}")


def pseudonymise(key: bytes, scheme: str, value: str) -> str:
    """HMAC-SHA256 of `scheme:value` under `key`, as 64 lower-case hex digits.

    >>> pseudonymise(bytes(32), "resident_id", "11010519491231002X")[:16]
    'f3deed18d7531d7b'
    """
    _check_key(key)
    return hmac.new(key, f"{scheme}:{value}".encode(), hashlib.sha256).hexdigest()


def _hmac_sha256_sql(key: str, message: str) -> str:
    """RFC 2104 HMAC-SHA256 as DuckDB SQL over BLOB expressions `key` and `message` (hex out)."""
    k0 = f"(CASE WHEN octet_length({key}) > {_BLOCK} THEN unhex(sha256({key})) ELSE {key} END)"
    padded = f"({k0} || unhex(repeat('00', {_BLOCK} - octet_length({k0}))))"

    def xor_pad(byte: str) -> str:
        # BLOB has no XOR in DuckDB, BIT has: go through a bitstring and back.
        pad = f"CAST(unhex(repeat('{byte}', {_BLOCK})) AS BIT)"
        return f"CAST(xor(CAST({padded} AS BIT), {pad}) AS BLOB)"

    inner = f"unhex(sha256({xor_pad('36')} || {message}))"
    return f"sha256({xor_pad('5c')} || {inner})"


def _param(key_param: str) -> str:
    if not _PARAM.fullmatch(key_param):
        raise ValueError(f"key_param must be a plain parameter name, got {key_param!r}")
    return f"CAST(${key_param} AS BLOB)"


def pseudonym_sql(scheme: str, column: str, key_param: str) -> str:
    """DuckDB expression equal to `pseudonymise(key, scheme, <column>)`, the key bound as BLOB
    parameter `$key_param`. A key shorter than 32 bytes makes the query fail.

    >>> import duckdb
    >>> key = bytes(range(32))
    >>> sql = f"SELECT {pseudonym_sql('uscc', 'v', 'k')} FROM (SELECT 'X' AS v)"
    >>> duckdb.execute(sql, {"k": key}).fetchone()[0] == pseudonymise(key, "uscc", "X")
    True
    """
    key = _param(key_param)
    message = f"encode({exp.Literal.string(scheme + ':').sql('duckdb')} || {_column(column)})"
    guard = (
        f"CASE WHEN octet_length({key}) < {KEY_MIN_BYTES} THEN "
        f"error('pseudonym key must be at least {KEY_MIN_BYTES} bytes') END"
    )
    return f"coalesce({guard}, {_hmac_sha256_sql(key, message)})"


def _column(column: str) -> str:
    return exp.column(column, quoted=True).sql("duckdb")


def subject_key(scheme: IdentifierScheme, normalised: str, key: bytes) -> str:
    """How the ledger keys a subject: `scheme:value`, or `scheme:#pseudonym` if personal.

    >>> from xinyong.domain.identifiers import ResidentIdScheme, UsccScheme
    >>> subject_key(UsccScheme(), "91350100M000100Y43", bytes(32))
    'uscc:91350100M000100Y43'
    >>> subject_key(ResidentIdScheme(), "11010519491231002X", bytes(32))[:30]
    'resident_id:#f3deed18d7531d7bf'
    """
    if scheme.normalise(normalised) != normalised:
        raise ValueError(f"{scheme.name} value {normalised!r} is not normalised")
    if scheme.personal:
        return f"{scheme.name}:{PSEUDONYM_MARK}{pseudonymise(key, scheme.name, normalised)}"
    return f"{scheme.name}:{normalised}"


def subject_key_sql(scheme: IdentifierScheme, column: str, key_param: str) -> str:
    """DuckDB expression equal to `subject_key(scheme, <column>, key)` for a normalised column."""
    if scheme.personal:
        prefix = exp.Literal.string(f"{scheme.name}:{PSEUDONYM_MARK}").sql("duckdb")
        return f"({prefix} || {pseudonym_sql(scheme.name, column, key_param)})"
    prefix = exp.Literal.string(f"{scheme.name}:").sql("duckdb")
    return f"({prefix} || {_column(column)})"


def key64(subject_key: str) -> int:
    """The 64-bit key of a subject key (the hot decision file's). A pseudonym's first 16 hex
    digits are already a keyed hash (HMAC-SHA256) and serve as they are; any other key is
    hashed (BLAKE2b). Two subjects may share one: readers compare the full key where it matters.

    >>> key64("resident_id:#f3deed18d7531d7b" + "0" * 48) == 0xF3DEED18D7531D7B
    True
    """
    _, mark, value = subject_key.partition(":" + PSEUDONYM_MARK)
    if mark and len(value) >= 16:
        try:
            return int(value[:16], 16)
        except ValueError:
            pass
    return int.from_bytes(hashlib.blake2b(subject_key.encode(), digest_size=8).digest(), "big")
