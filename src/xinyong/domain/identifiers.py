"""Identifier schemes: how a subject's identifier is normalised, checked and keyed.

A scheme checks one kind of identifier twice over: `problem()` in Python for a single value (API,
CLI, tests) and `sql_problem()` as one DuckDB expression for a whole column (ingest). The two return
byte-identical reasons for every input; `tests/unit/ingest/test_identifier_sql.py` holds them to
each other. Rules and sources are in `docs/concepts/identifiers.md` (sources.md §1 and §2).

Both forms check a *normalised* value: `problem()` normalises first, `sql_problem()` expects a
column that is already normalised (see `xinyong.ingest.identifier_sql.normalise_sql`).
"""

from __future__ import annotations

import difflib
import operator
import re
import string
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from datetime import date
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from sqlglot import exp
from stdnum.cn import ric, uscc

from xinyong.domain.subject import SubjectKind
from xinyong.errors import IdentifierError, NotFound, SettingsError

if TYPE_CHECKING:
    import random

# --- normalisation -----------------------------------------------------------------------------

# Pasted Chinese data carries ideographic spaces (U+3000), no-break spaces and full-width forms
# (U+FF10…); folding them here means a provider's copy-paste does not create a second subject.
# Upper-casing is ASCII-only so that Python and SQL agree (Python upper-cases "ß" to "SS",
# DuckDB to "ẞ"); any other letter survives and is reported as an illegal character.
_REMOVED_SPACES = " \t\n\r\f\v\u00a0\u3000"
_FOLDS: tuple[tuple[str, str], ...] = (
    *zip(string.ascii_lowercase, string.ascii_uppercase, strict=True),
    *((chr(0xFF10 + i), str(i)) for i in range(10)),
    *((chr(0xFF21 + i), chr(0x41 + i)) for i in range(26)),
    *((chr(0xFF41 + i), chr(0x41 + i)) for i in range(26)),
)
#: `translate(value, NORMALISE_FROM, NORMALISE_TO)` in SQL: characters of FROM past the end of
#: TO are deleted, which is how the spaces go.
NORMALISE_FROM = "".join(a for a, _ in _FOLDS) + _REMOVED_SPACES
NORMALISE_TO = "".join(b for _, b in _FOLDS)
_NORMALISE_TABLE = str.maketrans("".join(a for a, _ in _FOLDS), NORMALISE_TO, _REMOVED_SPACES)

SCHEME_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
MISSING = "is missing"  # SQL only: a NULL identifier; Python values are never None

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: digits and letters but I O Z S V
_USCC_CLASS = "[0-9A-HJ-NP-RTUWXY]"
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_ORG_ALPHABET = string.digits + string.ascii_uppercase  # GB 11714 values: 0-9, A=10 … Z=35
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CHECKS = "0123456789X0"  # indexed by 11 − (Σ mod 11), which is 1…11
# `fits`: a whole well-formed value in one match, the check characters from lookup tables
_USCC_SHAPE = re.compile(f"{_USCC_CLASS}{{2}}[0-9]{{6}}{_USCC_CLASS}{{10}}")
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
_ORG_VALUE = {ch: i for i, ch in enumerate(_ORG_ALPHABET)}
_RESIDENT_SHAPE = re.compile("[0-9]{17}[0-9X]")
_RID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_RID_CHECKS = "10X98765432"
#: A holder older than this on the day of a check is implausible: `warning()` says so, but the
#: number stays valid (GB 11643-1999 sets no earliest birth year; its own example is old).
PLAUSIBLE_AGE = 120


def _shown(ch: str) -> str:
    """How a character appears in a reason: quoted if printable ASCII, else its code point."""
    code = ord(ch)
    return f"'{ch}'" if 0x21 <= code <= 0x7E and ch != "'" else f"U+{code:04X}"


def _illegal(ch: str, position: int) -> str:
    return f"illegal character {_shown(ch)} at position {position}"


def _length(value: str, expected: int) -> str | None:
    return None if len(value) == expected else f"must be {expected} characters, got {len(value)}"


# --- SQL fragments (constant templates; only quoted identifiers and literals are spliced) --------


def _col(column: str) -> str:
    return exp.column(column, quoted=True).sql("duckdb")


def _lit(value: str) -> str:
    return exp.Literal.string(value).sql("duckdb")


def _text(sql: str) -> str:
    return f"CAST({sql} AS VARCHAR)"


def _sql_char(c: str, position: str) -> str:
    return f"substr({c}, {position}, 1)"


def _sql_shown(ch: str) -> str:
    return (
        f"CASE WHEN unicode({ch}) BETWEEN 33 AND 126 AND {ch} <> '''' "
        f"THEN '''' || {ch} || '''' ELSE 'U+' || printf('%04X', unicode({ch})) END"
    )


def _sql_illegal(c: str, longest_legal_prefix: str) -> str:
    """Reason for the first illegal character; the regex matches the longest legal prefix."""
    position = f"(length(regexp_extract({c}, {_lit(longest_legal_prefix)})) + 1)"
    return (
        f"'illegal character ' || {_sql_shown(_sql_char(c, position))}"
        f" || ' at position ' || {_text(position)}"
    )


def _sql_length(c: str, reason_c: str, expected: int) -> tuple[str, str]:
    return (
        f"length({c}) <> {expected}",
        f"'must be {expected} characters, got ' || {_text(f'length({reason_c})')}",
    )


# A checksum as one substr()/strpos() per character costs ~0.9 s of CPU per million USCCs, since
# each string call is ~25 ns a row. Instead the characters are packed into UBIGINT words (8 ASCII
# bytes, or 16 hex nibbles for digits) and the per-character arithmetic runs on all lanes of a
# word at once (SWAR); the weighted sum then takes one 128-bit multiplication per four lanes.
# Every step is unsigned and cannot overflow or go negative whatever the input bytes, because
# `_sql_first` evaluates every condition for every row, however malformed.
_ONES = 0x0101010101010101  # 1 in every byte lane
_HIGHS = 0x8080808080808080  # the top bit of every byte lane


def _u64(value: int) -> str:
    return f"CAST({value} AS UBIGINT)"


def _sql_bytes(c: str, start: int) -> str:
    """UBIGINT of the 8 characters from `start`, first in the top byte (NULL if not 8 bytes)."""
    return f"TRY_CAST(TRY_CAST(encode(substr({c}, {start}, 8)) AS BIT) AS UBIGINT)"


def _sql_nibbles(c: str, start: int) -> str:
    """UBIGINT of the 16 characters from `start` read as hex: digits become 4-bit lanes."""
    return f"TRY_CAST('0x' || substr({c}, {start}, 16) AS UBIGINT)"


def _sql_above(word: str, threshold: int) -> str:
    """1 in each byte lane holding a byte > threshold, else 0 (no borrow: lanes start ≥ 0x80)."""
    return (
        f"(((({word} | {_u64(_HIGHS)}) - {_u64((threshold + 1) * _ONES)}) & {_u64(_HIGHS)}) >> 7)"
    )


def _sql_org_values(word: str) -> str:
    """Byte lanes '0'-'9' → 48+0…9, 'A'-'Z' → 48+10…35 (GB 11714 values, offset by 48)."""
    return f"({word} - 7 * {_sql_above(word, ord('9'))})"


def _sql_uscc_values(word: str) -> str:
    """Byte lanes of USCC characters → 48 + their index in USCC_ALPHABET (skipping I O S V)."""
    skipped = " + ".join(_sql_above(word, ord(ch)) for ch in "IOSV")
    return f"({_sql_org_values(word)} - ({skipped}))"


def _sql_dot(word: str, lane_bits: int, weights: tuple[int, ...]) -> str:
    """Σ lane(k) × weights[k] over the 64 // lane_bits lanes of `word`, k = 0 the top lane.

    Lanes are gathered four at a time into 16-bit slots; multiplying by the weights laid out in
    reverse puts the dot product of those four in slot 3 of the 128-bit product.
    """
    lanes = 64 // lane_bits
    if len(weights) != lanes or 4 * ((1 << lane_bits) - 1) * max(weights) >= 1 << 16:
        raise ValueError("weights do not fit 16-bit slots")
    parts = []
    for shift in range(0, 16, lane_bits):
        mask = sum(((1 << lane_bits) - 1) << (16 * j) for j in range(4))
        # slot j holds the lane at bit offset shift + 16j, i.e. lane k counted from the top:
        multiplier = sum(
            weights[lanes - 1 - (shift + 16 * j) // lane_bits] << (16 * (3 - j)) for j in range(4)
        )
        gathered = f"(({word} >> {shift}) & {_u64(mask)})"
        parts.append(
            f"(CAST((CAST({gathered} AS UHUGEINT) * CAST({multiplier} AS UHUGEINT)) >> 48"
            " AS UBIGINT) & 65535)"
        )
    return "(" + " + ".join(parts) + ")"


def _sql_case(c: str, whens: Iterable[tuple[str, str]]) -> str:
    arms = " ".join(f"WHEN {cond} THEN {reason}" for cond, reason in whens)
    return f"CASE WHEN {c} IS NULL THEN {_lit(MISSING)} {arms} END"


_LET = "xinyong_id"  # the lambda parameter of _sql_first; the column never appears inside it


def _let(name: str) -> str:
    # `p['f']`, not `p.f`: DuckDB would read `p.f` as field f of a *column* named p, if any.
    return f"{_LET}[{_lit(name)}]"


def _sql_expected(
    col: str, expected: str, binding: str, position: int, what: str
) -> tuple[str, str]:
    """An arm of `_sql_first`: the character at `position` must be `expected` (bound as
    `binding`), else "<what> should be <expected>, got <actual>"."""
    actual = f"substr({_let('v')}, {position}, 1)"
    return (
        f"{expected} IS DISTINCT FROM substr({col}, {position}, 1)",
        f"{_lit(what + ' should be ')} || {_let(binding)} || ', got ' || {actual}",
    )


def _sql_first(arms: list[tuple[str, str]], bindings: dict[str, str]) -> str:
    """The reason of the first arm whose condition holds, else NULL: a CASE, made fast.

    DuckDB shares common subexpressions, which the packed arithmetic repeats a lot, but never
    inside CASE (nor inside a lambda). So every condition is evaluated outside any CASE, for
    every row, and must be non-NULL and error-free for any non-NULL input; the number of the
    first that holds is handed, with `bindings`, through a one-element list_transform (DuckDB's
    only let-binding) to a CASE that builds only the reason needed. Reasons read `_let(name)`.
    """
    past = len(arms) + 1
    firsts = ", ".join(
        f"{past} - {past - k} * CAST({cond} AS INTEGER)" for k, (cond, _) in enumerate(arms, 1)
    )
    fields = ", ".join(
        f"{_lit(name)}: {sql}" for name, sql in {"arm": f"least({firsts})", **bindings}.items()
    )
    whens = " ".join(f"WHEN {k} THEN {reason}" for k, (_, reason) in enumerate(arms, 1))
    return f"list_transform([{{{fields}}}], lambda {_LET}: CASE {_let('arm')} {whens} END)[1]"


# --- schemes -----------------------------------------------------------------------------------


class IdentifierScheme(ABC):
    """How identifiers of one kind are normalised, checked and (if personal) pseudonymised."""

    name: str
    subject_kinds: frozenset[SubjectKind]
    personal: bool

    def normalise(self, value: str) -> str:
        """Drop spaces anywhere, fold full-width forms, upper-case ASCII letters.

        >>> UsccScheme().normalise(" 9135 0100ｍ000100y43\\u3000")
        '91350100M000100Y43'
        """
        return value.translate(_NORMALISE_TABLE)

    @abstractmethod
    def problem(self, value: str) -> str | None:
        """None if `value` (normalised first) is valid, else exactly what is wrong."""

    def fits(self, normalised: str) -> bool:
        """`problem(normalised) is None` for a value already normalised: what `find_scheme`
        asks of every scheme for each identifier without one, where the reason a value does
        not fit is not wanted (a scheme may answer without working it out)."""
        return self.problem(normalised) is None

    def validate(self, value: str) -> str:
        """The normalised value, or raise `IdentifierError` with the reason.

        >>> UsccScheme().validate("91350100m000100y43")
        '91350100M000100Y43'
        """
        reason = self.problem(value)
        if reason is not None:
            raise IdentifierError(self.name, value, reason)
        return self.normalise(value)

    def birth_date(self, value: str) -> date | None:
        """The date of birth the identifier encodes, if its scheme encodes one."""
        return None

    def warning(self, value: str) -> str | None:
        """A note on a valid identifier that looks odd but is not wrong (never a refusal)."""
        return None

    @abstractmethod
    def sql_problem(self, column: str) -> str:
        """DuckDB expression over a normalised VARCHAR column: NULL if valid, else the same
        reason as `problem()`, or 'is missing' for NULL."""

    def sql_birth_date(self, column: str) -> str | None:
        """DuckDB DATE expression for `birth_date()` over valid rows; None if no birth date."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


def organisation_code_check(body: str) -> str:
    """GB 11714 check character of an 8-character organisation code body.

    >>> organisation_code_check("M000100Y")
    '4'
    """
    total = sum(_ORG_ALPHABET.index(ch) * w for ch, w in zip(body, _ORG_WEIGHTS, strict=True))
    return _ORG_CHECKS[11 - total % 11]


def uscc_check(first17: str) -> str:
    """GB 32100 check character (position 18) of the first 17 characters of a USCC.

    >>> uscc_check("91350100M000100Y4")
    '3'
    """
    if len(first17) != 17 or any(ch not in USCC_ALPHABET for ch in first17):
        raise ValueError(f"need 17 characters from {USCC_ALPHABET}, got {first17!r}")
    return str(uscc.calc_check_digit(first17))


class UsccScheme(IdentifierScheme):
    """Unified Social Credit Code (GB 32100-2015), sources.md §1.

    Individual businesses (个体工商户, authority/category 92) hold a USCC too and are keyed by it
    as `enterprise` subjects: the code is public in the enterprise credit publicity system and
    they register as market entities, so it is not pseudonymised.

    `accepted` lists codes in use although they fail a check (sources.md §1 names one reported
    case, `91350203M0001QAY9B`); they are accepted as they are.

    >>> UsccScheme().problem("91350100M000100Y49")
    'check character should be 3, got 9'
    """

    name = "uscc"
    subject_kinds = frozenset(
        {SubjectKind.enterprise, SubjectKind.public_institution, SubjectKind.social_organisation}
    )
    personal = False

    def __init__(self, *, accepted: Iterable[str] = ()) -> None:
        self.accepted = frozenset(self.normalise(v) for v in accepted)

    def problem(self, value: str) -> str | None:
        v = self.normalise(value)
        if v in self.accepted:
            return None
        if (reason := _length(v, 18)) is not None:
            return reason
        for i, ch in enumerate(v):
            if ch not in USCC_ALPHABET:
                return _illegal(ch, i + 1)
        # python-stdnum also refuses letters in positions 1-2; the standard allows A, N, Y there.
        if not all(ch in string.digits for ch in v[2:8]):
            return f"division code (positions 3-8) must be 6 digits, got {v[2:8]}"
        if (org := organisation_code_check(v[8:16])) != v[16]:
            return f"organisation code check character (position 17) should be {org}, got {v[16]}"
        if (check := uscc_check(v[:17])) != v[17]:
            return f"check character should be {check}, got {v[17]}"
        return None

    def fits(self, normalised: str) -> bool:
        v = normalised
        if v in self.accepted:
            return True
        if _USCC_SHAPE.fullmatch(v) is None:
            return False
        value = _ORG_VALUE.__getitem__
        org = sum(map(operator.mul, map(value, v[8:16]), _ORG_WEIGHTS))
        if _ORG_CHECKS[11 - org % 11] != v[16]:
            return False
        total = sum(map(operator.mul, map(_USCC_VALUE.__getitem__, v[:17]), _USCC_WEIGHTS))
        return USCC_ALPHABET[-total % 31] == v[17]

    def sql_problem(self, column: str) -> str:
        col = _col(column)
        # Lane values carry +48 (ASCII '0'); char 17's strpos() is 1-based: constants fold both.
        head, body = _sql_bytes(col, 1), _sql_bytes(col, 9)
        org_fix = -48 * sum(_ORG_WEIGHTS) % 11
        org_sum = f"({_sql_dot(_sql_org_values(body), 8, _ORG_WEIGHTS)} + {org_fix})"
        check_fix = (-48 * sum(_USCC_WEIGHTS[:16]) - _USCC_WEIGHTS[16]) % 31
        check_sum = (
            f"({_sql_dot(_sql_uscc_values(head), 8, _USCC_WEIGHTS[:8])}"
            f" + {_sql_dot(_sql_uscc_values(body), 8, _USCC_WEIGHTS[8:16])}"
            f" + CAST(strpos({_lit(USCC_ALPHABET)}, substr({col}, 17, 1)) AS UBIGINT)"
            f" * {_USCC_WEIGHTS[16]} + {check_fix})"
        )
        org = f"substr({_lit(_ORG_CHECKS)}, 12 - CAST({org_sum} % 11 AS INTEGER), 1)"
        check = (
            f"substr({_lit(USCC_ALPHABET)}, (31 - CAST({check_sum} % 31 AS INTEGER)) % 31 + 1, 1)"
        )
        v = _let("v")
        arms = [
            (f"{col} IS NULL", _lit(MISSING)),
            _sql_length(col, v, 18),
            (
                # One regex passes a well-formed code; only a failure pays for the second.
                f"NOT regexp_full_match({col}, '{_USCC_CLASS}{{2}}[0-9]{{6}}{_USCC_CLASS}{{10}}')",
                f"CASE WHEN NOT regexp_full_match({v}, '{_USCC_CLASS}{{18}}')"
                f" THEN {_sql_illegal(v, f'^{_USCC_CLASS}*')}"
                " ELSE 'division code (positions 3-8) must be 6 digits, got '"
                f" || substr({v}, 3, 6) END",
            ),
            _sql_expected(col, org, "org", 17, "organisation code check character (position 17)"),
            _sql_expected(col, check, "check", 18, "check character"),
        ]
        if self.accepted:
            listed = ", ".join(_lit(a) for a in sorted(self.accepted))
            arms.insert(1, (f"coalesce({col} IN ({listed}), false)", "NULL"))
        return _sql_first(arms, {"v": col, "org": org, "check": check})


def resident_id_check(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits of a resident ID.

    >>> resident_id_check("11010519491231002")
    'X'
    """
    if len(first17) != 17 or any(ch not in string.digits for ch in first17):
        raise ValueError(f"need 17 digits, got {first17!r}")
    return str(ric.calc_check_digit(first17 + "0"))


class ResidentIdScheme(IdentifierScheme):
    """Citizen identity number (GB 11643-1999), sources.md §2. Pseudonymised at rest.

    A birth date after `as_of` (default: today, read at each call) is refused. The SQL form reads
    the table `division_codes(code VARCHAR)`; load it with
    `xinyong.ingest.identifier_sql.load_division_codes`.

    >>> ResidentIdScheme().problem("110105194912310025")
    'check character should be X, got 5'
    """

    name = "resident_id"
    subject_kinds = frozenset({SubjectKind.individual})
    personal = True

    def __init__(self, *, as_of: date | None = None) -> None:
        self.as_of = as_of

    def _today(self) -> date:
        return self.as_of if self.as_of is not None else date.today()

    def problem(self, value: str) -> str | None:
        v = self.normalise(value)
        if (reason := _length(v, 18)) is not None:
            return reason
        for i, ch in enumerate(v):
            if ch not in string.digits and not (i == 17 and ch == "X"):
                return _illegal(ch, i + 1)
        if v[:6] not in _division_code_set():
            return f"address code {v[:6]} is not a known division code"
        try:
            born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
        except ValueError:
            return f"birth date {v[6:14]} is not a calendar date"
        if born > self._today():
            return f"birth date {v[6:14]} is in the future"
        if (check := resident_id_check(v[:17])) != v[17]:
            return f"check character should be {check}, got {v[17]}"
        return None

    def fits(self, normalised: str) -> bool:
        v = normalised
        if _RESIDENT_SHAPE.fullmatch(v) is None or v[:6] not in _division_code_set():
            return False
        try:
            born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
        except ValueError:
            return False
        return born <= self._today() and resident_id_check(v[:17]) == v[17]

    def warning(self, value: str) -> str | None:
        """A note on a *valid* number whose holder would be implausibly old; never a refusal.

        >>> ResidentIdScheme(as_of=date(2026, 1, 1)).warning("110105188001010017")
        'birth date 18800101: the holder would be 146 years old (valid nonetheless)'
        """
        born = self.birth_date(value)
        today = self._today()
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        if age <= PLAUSIBLE_AGE:
            return None
        shown = f"{born.year:04d}{born.month:02d}{born.day:02d}"
        return f"birth date {shown}: the holder would be {age} years old (valid nonetheless)"

    def birth_date(self, value: str) -> date:
        """Date of birth of a valid resident ID; raises `IdentifierError` if invalid.

        >>> ResidentIdScheme().birth_date("11010519491231002x")
        datetime.date(1949, 12, 31)
        """
        v = self.validate(value)
        return date(int(v[6:10]), int(v[10:12]), int(v[12:14]))

    def sql_problem(self, column: str) -> str:
        col = _col(column)
        # Digits read as hex give one 4-bit lane each; digit 17 is added on its own.
        check_fix = -48 * _RID_WEIGHTS[16] % 11
        digits_sum = (
            f"({_sql_dot(_sql_nibbles(col, 1), 4, _RID_WEIGHTS[:16])}"
            f" + CAST(ascii(substr({col}, 17, 1)) AS UBIGINT) * {_RID_WEIGHTS[16]} + {check_fix})"
        )
        check = f"substr({_lit(_RID_CHECKS)}, CAST({digits_sum} % 11 AS INTEGER) + 1, 1)"
        v = _let("v")
        born, year = f"substr({col}, 7, 8)", f"substr({col}, 7, 4)"
        today = _lit(self._today().isoformat().replace("-", ""))
        reason_born = f"'birth date ' || substr({v}, 7, 8) || "
        arms = [
            (f"{col} IS NULL", _lit(MISSING)),
            _sql_length(col, v, 18),
            (
                f"NOT regexp_full_match({col}, '[0-9]{{17}}[0-9X]')",
                _sql_illegal(v, "^[0-9]{0,17}"),
            ),
            (
                f"(substr({col}, 1, 6) IN (SELECT code FROM division_codes)) IS NOT TRUE",
                f"'address code ' || substr({v}, 1, 6) || ' is not a known division code'",
            ),
            (
                # strptime accepts year 0000 (1 BC), which Python's date does not.
                f"try_strptime({born}, '%Y%m%d') IS NULL OR {year} = '0000'",
                reason_born + "' is not a calendar date'",
            ),
            (f"{born} > {today}", reason_born + "' is in the future'"),
            _sql_expected(col, check, "check", 18, "check character"),
        ]
        return _sql_first(arms, {"v": col, "check": check})

    def sql_birth_date(self, column: str) -> str:
        return f"CAST(try_strptime(substr({_col(column)}, 7, 8), '%Y%m%d') AS DATE)"


# Constructs of Python `re` that RE2 (DuckDB's regex engine) lacks: a pattern using them would
# give different answers in Python and SQL, so PatternScheme refuses them.
_NOT_RE2 = re.compile(r"\(\?[=!>]|\(\?<[=!]|\(\?P=|\\[1-9uUNZz]|\(\?[aiLmsux-]*\)|[*+?}]\+")


class PatternScheme(IdentifierScheme):
    """A deployment's local scheme: a regular expression over the normalised value.

    The pattern must match the whole value, is read with ASCII classes (`\\d` is 0-9, as in
    RE2), and may not use look-around, back-references or inline flags, which RE2 lacks.

    >>> s = PatternScheme("hk_br", r"[0-9]{8}", {SubjectKind.enterprise})
    >>> s.problem("1234567"), s.problem("12345678")
    ('does not match pattern [0-9]{8}', None)
    """

    def __init__(
        self,
        name: str,
        pattern: str,
        subject_kinds: Iterable[SubjectKind],
        *,
        personal: bool = False,
    ) -> None:
        if not SCHEME_NAME.fullmatch(name):
            raise SettingsError(
                f"scheme name {name!r} must be lower-case letters, digits and _ (max 40)"
            )
        if _NOT_RE2.search(pattern):
            raise SettingsError(f"scheme {name}: pattern {pattern!r} uses a construct RE2 lacks")
        try:
            self._regex = re.compile(pattern, re.ASCII)
        except re.error as e:
            raise SettingsError(f"scheme {name}: pattern {pattern!r} is invalid: {e}") from e
        kinds = frozenset(subject_kinds)
        if not kinds:
            raise SettingsError(f"scheme {name}: subject_kinds must not be empty")
        self.name, self.pattern, self.subject_kinds, self.personal = name, pattern, kinds, personal

    def problem(self, value: str) -> str | None:
        if self._regex.fullmatch(self.normalise(value)):
            return None
        return f"does not match pattern {self.pattern}"

    def sql_problem(self, column: str) -> str:
        c = _col(column)
        reason = _lit(f"does not match pattern {self.pattern}")
        return _sql_case(c, [(f"NOT regexp_full_match({c}, {_lit(self.pattern)})", reason)])


# --- registry ----------------------------------------------------------------------------------


class SchemeRegistry:
    """The identifier schemes a deployment accepts, by name.

    >>> reg = default_registry()
    >>> reg.names(), "uscc" in reg
    (['resident_id', 'uscc'], True)
    """

    def __init__(self, schemes: Iterable[IdentifierScheme] = ()) -> None:
        self._schemes: dict[str, IdentifierScheme] = {}
        for scheme in schemes:
            self.register(scheme)

    def register(self, scheme: IdentifierScheme) -> None:
        if not SCHEME_NAME.fullmatch(scheme.name):
            raise SettingsError(
                f"scheme name {scheme.name!r} must be lower-case letters, digits and _ (max 40)"
            )
        if scheme.name in self._schemes:
            raise SettingsError(f"identifier scheme {scheme.name!r} is already registered")
        self._schemes[scheme.name] = scheme

    def get(self, name: str) -> IdentifierScheme:
        """The scheme called `name`; `NotFound` (with a suggestion) if there is none.

        >>> default_registry().get("usc")
        Traceback (most recent call last):
        ...
        xinyong.errors.NotFound: unknown identifier scheme 'usc'. Did you mean 'uscc'?
        """
        try:
            return self._schemes[name]
        except KeyError:
            close = difflib.get_close_matches(name, self.names(), n=1)
            hint = (
                f" Did you mean {close[0]!r}?" if close else f" Known: {', '.join(self.names())}."
            )
            raise NotFound(f"unknown identifier scheme {name!r}.{hint}") from None

    def names(self) -> list[str]:
        return sorted(self._schemes)

    def __iter__(self) -> Iterator[IdentifierScheme]:
        return iter([self._schemes[n] for n in self.names()])

    def __contains__(self, name: object) -> bool:
        return name in self._schemes

    def __len__(self) -> int:
        return len(self._schemes)


def default_registry(*, as_of: date | None = None) -> SchemeRegistry:
    """A new registry holding `uscc` and `resident_id`; `as_of` is the date after which a
    birth date is in the future (default: the system clock's, read at each check)."""
    return SchemeRegistry([UsccScheme(), ResidentIdScheme(as_of=as_of)])


# --- division codes ----------------------------------------------------------------------------


@cache
def _division_codes() -> tuple[str, ...]:
    # loc.dat is python-stdnum's GB/T 2260 table: "11 province=…" then indented "  0105 county=…"
    # lines. Abolished codes ("[-2010]崇文区") stay: people registered there keep their numbers.
    text = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    codes: set[str] = set()
    province = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        token = line.split()[0]
        if line[0].isspace():
            codes.add(province + token)
        else:
            province = token
    return tuple(sorted(codes))


@cache
def _division_code_set() -> frozenset[str]:
    return frozenset(_division_codes())


def division_codes() -> list[str]:
    """Every GB/T 2260 division code python-stdnum knows, current or abolished, sorted.

    >>> codes = division_codes()
    >>> "110105" in codes, "999999" in codes
    (True, False)
    """
    return list(_division_codes())


# --- generators (tests, fixtures, the lab) -----------------------------------------------------

#: Registration authority → organisation category codes (sources.md §1 [S]: 5 and 9 are confirmed
#: there; the single category `1` of the others is a plausible guess [U], used only to generate).
USCC_AUTHORITY_CATEGORIES: dict[str, str] = {
    **dict.fromkeys("12345678ANY", "1"),
    "5": "123",
    "9": "123",
}


@cache
def _mainland_counties() -> tuple[str, ...]:
    # 71/81/82 (Taiwan, Hong Kong, Macau) issue no mainland numbers; "…00" codes are not counties.
    return tuple(c for c in _division_codes() if c[:2] not in ("71", "81", "82") and c[4:] != "00")


def generate_uscc(rng: random.Random, *, authority: str | None = None) -> str:
    """A valid, realistic USCC: a known authority and category, a real county's division code,
    and an organisation code that is either eight digits or a post-2015 `MA…` body.

    >>> import random
    >>> UsccScheme().problem(generate_uscc(random.Random(1), authority="5"))
    """
    if authority is None:
        authority = rng.choice("9999999555111ANY")
    if authority not in USCC_AUTHORITY_CATEGORIES:
        raise ValueError(f"unknown authority code {authority!r}")
    category = rng.choice(USCC_AUTHORITY_CATEGORIES[authority])
    division = rng.choice(_mainland_counties())
    if rng.random() < 0.5:
        body = "".join(rng.choice(string.digits) for _ in range(8))
    else:
        body = "MA" + "".join(rng.choice(USCC_ALPHABET) for _ in range(6))
    first17 = authority + category + division + body + organisation_code_check(body)
    return first17 + uscc_check(first17)


def generate_resident_id(
    rng: random.Random, birth_date: date, *, address_code: str | None = None
) -> str:
    """A valid resident ID for someone born on `birth_date` (any year 1-9999).

    >>> import random
    >>> rid = generate_resident_id(random.Random(1), date(1990, 2, 28), address_code="110105")
    >>> rid[:14], ResidentIdScheme().birth_date(rid)
    ('11010519900228', datetime.date(1990, 2, 28))
    """
    if address_code is None:
        address_code = rng.choice(_mainland_counties())
    elif address_code not in _division_code_set():
        raise ValueError(f"address code {address_code!r} is not a known division code")
    born = f"{birth_date.year:04d}{birth_date.month:02d}{birth_date.day:02d}"  # strftime: no pad
    first17 = address_code + born + f"{rng.randrange(1, 1000):03d}"
    return first17 + resident_id_check(first17)
