"""Hypothesis strategies for identifiers, shared by tests: valid codes and near misses.

Valid codes come from the same generators the lab and the sample data use
(`xinyong.domain.identifiers.generate_*`), driven by Hypothesis' `randoms()` so that failures
shrink and replay.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from hypothesis import strategies as st

from xinyong.domain.identifiers import (
    USCC_ALPHABET,
    USCC_AUTHORITY_CATEGORIES,
    generate_resident_id,
    generate_uscc,
)
from xinyong.domain.subject import SubjectKind

#: Earliest birth date drawn: GB 11643-1999 sets no earliest year, so neither do the checks.
EARLIEST_BIRTH = date(1800, 1, 1)
#: Latest birth date drawn: fixed, so that no drawn ID is ever "in the future" on a later run.
LATEST_BIRTH = date(2020, 12, 31)
DIGITS = "0123456789"


def resident_id_allowed(position: int) -> str:
    """Characters a resident ID may hold at a 1-based position: digits, and X last."""
    return DIGITS + ("X" if position == 18 else "")


def uscc_allowed(position: int) -> str:
    """Characters a USCC may hold at a 1-based position: digits only in the division code."""
    return DIGITS if 3 <= position <= 8 else USCC_ALPHABET


def usccs(authority: str | None = None) -> st.SearchStrategy[str]:
    """Valid, realistic USCCs (any authority code unless one is given)."""
    if authority is not None and authority not in USCC_AUTHORITY_CATEGORIES:
        raise ValueError(f"unknown authority code {authority!r}")
    randoms = st.randoms(use_true_random=False)
    return randoms.map(lambda rng: generate_uscc(rng, authority=authority))


def birth_dates(
    min_value: date = EARLIEST_BIRTH, max_value: date = LATEST_BIRTH
) -> st.SearchStrategy[date]:
    return st.dates(min_value=min_value, max_value=max_value)


def resident_ids(born: st.SearchStrategy[date] | None = None) -> st.SearchStrategy[str]:
    """Valid resident IDs with a real county address code and a birth date in `born`."""
    return st.builds(generate_resident_id, st.randoms(use_true_random=False), born or birth_dates())


def subjects() -> st.SearchStrategy[tuple[str, SubjectKind, str]]:
    """(scheme name, subject kind, valid identifier) as a provider would submit them."""
    organisation_kinds = [
        SubjectKind.enterprise,
        SubjectKind.public_institution,
        SubjectKind.social_organisation,
    ]
    organisations = st.tuples(st.just("uscc"), st.sampled_from(organisation_kinds), usccs())
    people = st.tuples(st.just("resident_id"), st.just(SubjectKind.individual), resident_ids())
    return st.one_of(organisations, people)


@st.composite
def substituted(
    draw: st.DrawFn, valid: st.SearchStrategy[str], allowed: Callable[[int], str]
) -> tuple[str, int, str]:
    """(original, 1-based position, mutant): one character replaced by a different character
    that is allowed at that position."""
    original = draw(valid)
    position = draw(st.integers(1, len(original)))
    choices = [ch for ch in allowed(position) if ch != original[position - 1]]
    new = draw(st.sampled_from(choices))
    return original, position, original[: position - 1] + new + original[position:]


def near_misses(valid: st.SearchStrategy[str], alphabet: str) -> st.SearchStrategy[str]:
    """Valid codes, and codes one edit away: a substitution (from `alphabet`, so possibly
    illegal), a deletion, an insertion or a swap of neighbours."""

    @st.composite
    def edited(draw: st.DrawFn) -> str:
        code = draw(valid)
        i = draw(st.integers(0, len(code) - 1))
        ch = draw(st.sampled_from(alphabet))
        edit = draw(st.sampled_from(["sub", "del", "ins", "swap"]))
        if edit == "sub":
            return code[:i] + ch + code[i + 1 :]
        if edit == "del":
            return code[:i] + code[i + 1 :]
        if edit == "ins":
            return code[:i] + ch + code[i:]
        i = min(i, len(code) - 2)
        return code[:i] + code[i + 1] + code[i] + code[i + 2 :]

    return st.one_of(valid, edited())
