"""Masking identifiers of individuals in text that leaves the ledger: rejects files, the decision
log. In Python and as DuckDB SQL, which give the same text for every input (a test holds them to
each other).

Two masks:

- `mask_value` for a field known to hold an individual's identifier (a rejected row's
  `subject_id` under a personal or unknown scheme): every character but the first two and the
  last two becomes `*`, so the length and the ends stay to recognise the row by, beside its line.
- `mask_identifiers` for free text (a purpose, a raw line, a document reference): every run that
  looks like a resident identity number — 17 digits and a digit or X (GB 11643-1999), or the 15
  digits of the first-generation number — is masked the same way. The patterns need no
  look-around, which DuckDB's regex engine (RE2) lacks, so the same two substitutions run in
  both; a longer run of digits is masked in part, which errs on the side of hiding.
"""

from __future__ import annotations

import functools
import re

from sqlglot import exp

from xinyong.errors import RequestError

KEEP = 2  # characters kept at each end
_RID18 = (r"([0-9]{2})[0-9]{14}([0-9][0-9Xx])", r"\1**************\2")
_RID15 = (r"([0-9]{2})[0-9]{11}([0-9]{2})", r"\1***********\2")
_PATTERNS = (_RID18, _RID15)


def mask_value(value: str) -> str:
    """The value with all but its first and last two characters starred.

    >>> mask_value("11010519491231002X")
    '11**************2X'
    >>> mask_value("1234")
    '****'
    """
    if len(value) <= 2 * KEEP:
        return "*" * len(value)
    return value[:KEEP] + "*" * (len(value) - 2 * KEEP) + value[-KEEP:]


def mask_identifiers(text: str) -> str:
    """`text` with every resident-ID-like run of digits masked.

    >>> mask_identifiers("ticket for 11010519491231002x, seat 12")
    'ticket for 11**************2x, seat 12'
    >>> mask_identifiers("old card 110105491231002")
    'old card 11***********02'
    """
    for pattern, replacement in _PATTERNS:
        text = re.sub(pattern, replacement, text)
    return text


def _lit(value: str) -> str:
    return exp.Literal.string(value).sql("duckdb")


def mask_value_sql(value: str) -> str:
    """DuckDB expression equal to `mask_value(<value>)` for a VARCHAR expression (NULL stays)."""
    n = f"length({value})"
    return (
        f"CASE WHEN {n} <= {2 * KEEP} THEN repeat('*', {n}) ELSE left({value}, {KEEP})"
        f" || repeat('*', {n} - {2 * KEEP}) || right({value}, {KEEP}) END"
    )


def mask_identifiers_sql(text: str) -> str:
    """DuckDB expression equal to `mask_identifiers(<text>)` (NULL stays NULL)."""
    for pattern, replacement in _PATTERNS:
        text = f"regexp_replace({text}, {_lit(pattern)}, {_lit(replacement)}, 'g')"
    return text


#: Longest free text a decision log line keeps per field (characters): a purpose is a phrase
#: ("ticket sale", "procurement bid 2024-17"), who asks a name; more is a letter, or a leak.
LOG_TEXT_LIMITS = {"purpose": 200, "asked_by": 100}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


# a server asks this for the same few key names and purposes on every check: remembered (a
# refusal raises and is not), as the masking's regular expressions cost more than the lookup
@functools.lru_cache(maxsize=1024)
def log_text(field: str, value: str | None) -> str | None:
    """A free-text field of the decision log as it is written: within `LOG_TEXT_LIMITS` (else
    `RequestError`, the check is not answered), control characters refused, identifiers of
    individuals masked.

    >>> log_text("purpose", "refund to 11010519491231002X")
    'refund to 11**************2X'
    """
    if value is None:
        return None
    limit = LOG_TEXT_LIMITS[field]
    if len(value) > limit:
        raise RequestError(f"{field}: must be at most {limit} characters, got {len(value)}")
    if _CONTROL.search(value):
        raise RequestError(f"{field}: must not hold control characters (line breaks, tabs)")
    return mask_identifiers(value.strip()) or None
