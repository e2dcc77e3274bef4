"""Subjects: who a record is about, and how they are keyed."""

from __future__ import annotations

from calendar import monthrange
from datetime import MAXYEAR, date
from enum import StrEnum


class SubjectKind(StrEnum):
    individual = "individual"
    enterprise = "enterprise"
    public_institution = "public_institution"
    social_organisation = "social_organisation"


#: The age of majority (Civil Code Art 17: a person of 18 or over is an adult). A subject's birth
#: date is kept on an entry only while the subject is younger than this on its decision date.
AGE_OF_MAJORITY = 18


def comes_of_age(birth: date) -> date:
    """The day a person born on `birth` turns `AGE_OF_MAJORITY`: the same day and month, a 29
    February becoming the 28th (months are added clamped to the month's end, as every engine
    adds them).

    >>> comes_of_age(date(2008, 2, 29))
    datetime.date(2026, 2, 28)
    """
    year = birth.year + AGE_OF_MAJORITY
    if year > MAXYEAR:
        return date.max
    day = min(birth.day, monthrange(year, birth.month)[1])
    return date(year, birth.month, day)


def kept_birth_date(birth: date | None, decided: date) -> date | None:
    """What an entry decided on `decided` stores of its subject's birth date: the date itself
    while the subject is a minor on that day, else nothing (docs/concepts/identifiers.md).

    The only rule that reads a birth date is "younger than N on the listing's first day" with
    N ≤ 18, and a listing starts on the decision date of the record it rests on; so an entry
    about an adult never needs one, and an adult's entries carry none.

    >>> kept_birth_date(date(2010, 5, 1), date(2023, 2, 1))
    datetime.date(2010, 5, 1)
    >>> kept_birth_date(date(1980, 5, 1), date(2023, 2, 1)) is None
    True
    """
    if birth is None or decided >= comes_of_age(birth):
        return None
    return birth
