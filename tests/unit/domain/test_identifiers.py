"""Identifier schemes: worked examples, exact reasons, check algorithms, registry, generators."""

from __future__ import annotations

import doctest
import random
from datetime import date

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc
from tests.strategies import (
    near_misses,
    resident_id_allowed,
    resident_ids,
    substituted,
    uscc_allowed,
    usccs,
)

from xinyong.domain import identifiers
from xinyong.domain.identifiers import (
    USCC_ALPHABET,
    USCC_AUTHORITY_CATEGORIES,
    PatternScheme,
    ResidentIdScheme,
    UsccScheme,
    default_registry,
    division_codes,
    generate_resident_id,
    generate_uscc,
    organisation_code_check,
    resident_id_check,
    uscc_check,
)
from xinyong.domain.subject import SubjectKind
from xinyong.errors import IdentifierError, NotFound, SettingsError

USCC = UsccScheme()
RID = ResidentIdScheme(as_of=date(2025, 6, 1))

# Independent references, written from sources.md rather than from the module's constants.
SOURCES_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # §1
SOURCES_RID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # §2


def reference_uscc_sum(first17: str) -> int:
    pairs = zip(first17, SOURCES_USCC_WEIGHTS, strict=True)
    return sum(USCC_ALPHABET.index(ch) * w for ch, w in pairs)


def reference_uscc_check(first17: str) -> str:
    c18 = 31 - reference_uscc_sum(first17) % 31
    return "0" if c18 == 31 else USCC_ALPHABET[c18]


def reference_rid_sum(first17: str) -> int:
    return sum(int(d) * w for d, w in zip(first17, SOURCES_RID_WEIGHTS, strict=True))


def reference_rid_check(first17: str) -> str:
    return "10X98765432"[reference_rid_sum(first17) % 11]


def test_doctests() -> None:
    assert doctest.testmod(identifiers).failed == 0


# --- worked examples -----------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L"])
def test_uscc_worked_examples_are_valid(code: str) -> None:
    assert USCC.problem(code) is None
    assert USCC.validate(code) == code
    assert uscc.is_valid(code)  # python-stdnum agrees where it applies (digits in 1-8)


def test_uscc_standard_example_sum_is_1640() -> None:
    # sources.md §1: "91350100M000100Y4" → Σ = 1640, 1640 mod 31 = 28, check = 31 − 28 = 3.
    body = "91350100M000100Y4"
    total = reference_uscc_sum(body)
    assert (total, total % 31, uscc_check(body)) == (1640, 28, "3")


def test_organisation_code_uses_gb11714_values_not_uscc_indexes() -> None:
    # Y is 34 in GB 11714 (A=10 … Z=35) but 30 in the USCC alphabet; only 34 gives the 4 that
    # the standard's example carries. M000100Y → 3·22 + 5·1 + 2·34 = 139, 11 − 139 mod 11 = 4.
    assert organisation_code_check("M000100Y") == "4"
    assert organisation_code_check("60003734") == "1"


def test_organisation_check_ten_is_x_and_eleven_is_zero() -> None:
    # Σ mod 11 = 1 → 10 → "X" (X is in the USCC alphabet, so such a code is writable);
    # Σ mod 11 = 0 → 11 → "0".
    assert organisation_code_check("40000000") == "X"  # Σ = 3·4 = 12, 12 mod 11 = 1
    assert organisation_code_check("00000000") == "0"  # Σ = 0
    assert "X" in USCC_ALPHABET


def test_resident_id_worked_example() -> None:
    assert RID.problem("11010519491231002X") is None
    total = reference_rid_sum("11010519491231002")
    assert (total, total % 11) == (167, 2)
    assert resident_id_check("11010519491231002") == "X"
    assert RID.birth_date("11010519491231002x") == date(1949, 12, 31)


# --- exact reasons -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("91350100M000100Y4", "must be 18 characters, got 17"),
        ("", "must be 18 characters, got 0"),
        ("91350100M000100Y431", "must be 18 characters, got 19"),
        ("9135010OM000100Y43", "illegal character 'O' at position 8"),
        ("91350100M0001I0Y43", "illegal character 'I' at position 14"),
        ("91350100M000100Y4é", "illegal character U+00E9 at position 18"),
        ("91350100M000-00Y43", "illegal character '-' at position 13"),
        ("91350100M000'00Y43", "illegal character U+0027 at position 13"),
        ("9135A100M000100Y43", "division code (positions 3-8) must be 6 digits, got 35A100"),
        (
            "91350100M000101Y43",
            "organisation code check character (position 17) should be 0, got 4",
        ),
        ("91350100M000100Y49", "check character should be 3, got 9"),
        ("91110000600037341X", "check character should be L, got X"),
    ],
)
def test_uscc_reasons(value: str, reason: str) -> None:
    assert USCC.problem(value) == reason
    with pytest.raises(IdentifierError) as caught:
        USCC.validate(value)
    assert (caught.value.scheme, caught.value.value, caught.value.reason) == ("uscc", value, reason)
    assert caught.value.status == 422


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1101051949123100", "must be 18 characters, got 16"),
        ("110105194912310X2X", "illegal character 'X' at position 16"),
        ("11010519491231002A", "illegal character 'A' at position 18"),
        ("999999194912310025", "address code 999999 is not a known division code"),
        ("110105194902300025", "birth date 19490230 is not a calendar date"),
        ("110105190002290020", "birth date 19000229 is not a calendar date"),
        ("110105000001010020", "birth date 00000101 is not a calendar date"),
        ("110105202506020025", "birth date 20250602 is in the future"),
        ("110105194912310025", "check character should be X, got 5"),
    ],
)
def test_resident_id_reasons(value: str, reason: str) -> None:
    assert RID.problem(value) == reason
    with pytest.raises(IdentifierError, match="resident_id"):
        RID.validate(value)


def test_leap_days_follow_the_gregorian_calendar() -> None:
    born_2000 = generate_resident_id(random.Random(0), date(2000, 2, 29), address_code="110105")
    assert RID.problem(born_2000) is None
    assert RID.birth_date(born_2000) == date(2000, 2, 29)
    body = "11010520010229002"  # 2001 is not a leap year
    assert RID.problem(body + resident_id_check(body)) == (
        "birth date 20010229 is not a calendar date"
    )


def test_future_is_relative_to_as_of() -> None:
    rid = generate_resident_id(random.Random(0), date(2025, 6, 1), address_code="110105")
    assert ResidentIdScheme(as_of=date(2025, 6, 1)).problem(rid) is None
    assert ResidentIdScheme(as_of=date(2025, 5, 31)).problem(rid) == (
        "birth date 20250601 is in the future"
    )


@given(
    st.dates(min_value=date(1800, 1, 1), max_value=date(2026, 12, 4)),
    st.sampled_from(["110105", "350102", "110103", "310101", "440305"]),
    st.integers(min_value=0, max_value=999),
)
def test_any_birth_year_with_a_valid_check_is_accepted(born: date, area: str, seq: int) -> None:
    # GB 11643-1999 sets no earliest birth year (its annex example is born in 1880): a number
    # with a valid check character is accepted whatever the year, with at most a warning.
    body = f"{area}{born.year:04d}{born.month:02d}{born.day:02d}{seq:03d}"
    rid = body + resident_id_check(body)
    scheme = ResidentIdScheme(as_of=date(2026, 12, 4))
    assert scheme.problem(rid) is None
    assert scheme.birth_date(rid) == born
    turned_121 = date(born.year + 121, born.month, 28 if born.day == 29 else born.day)
    if born.month == 2 and born.day == 29:
        turned_121 = date(born.year + 121, 3, 1)  # the birthday falls after 28 February
    assert (scheme.warning(rid) is not None) == (turned_121 <= date(2026, 12, 4))


def test_implausible_age_warns_never_refuses() -> None:
    rid = "110105188001010017"
    scheme = ResidentIdScheme(as_of=date(2026, 12, 4))
    assert scheme.problem(rid) is None
    assert scheme.warning(rid) == (
        "birth date 18800101: the holder would be 146 years old (valid nonetheless)"
    )
    assert scheme.warning("11010519491231002X") is None
    assert USCC.warning("91350100M000100Y43") is None


def test_birth_date_of_invalid_id_raises() -> None:
    with pytest.raises(IdentifierError, match="check character should be X, got 5"):
        RID.birth_date("110105194912310025")
    assert USCC.birth_date("91350100M000100Y43") is None


def test_abolished_division_codes_are_still_known() -> None:
    # 110103 (崇文区) was abolished in 2010; numbers issued there stay valid.
    body = "11010319800101001"
    assert RID.problem(body + resident_id_check(body)) is None


# --- normalisation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        (" 9135 0100 m000 100y43 ", "91350100M000100Y43"),
        ("\t91350100M000100Y43\n", "91350100M000100Y43"),
        ("9135\u30000100M000100Y43\u00a0", "91350100M000100Y43"),  # ideographic, no-break space
        ("９１３５０１００Ｍ０００１００ｙ４３", "91350100M000100Y43"),  # full-width forms
        ("ß", "ß"),  # only ASCII letters are upper-cased, so Python and SQL agree
    ],
)
def test_normalise(raw: str, normal: str) -> None:
    assert USCC.normalise(raw) == normal


def test_problem_and_validate_normalise_first() -> None:
    assert USCC.problem("91350100m000100y43") is None
    assert RID.validate("110105 19491231 002x") == "11010519491231002X"


# --- agreement with python-stdnum and with the sources' formulas --------------------------------


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17).filter(lambda s: s[:8].isdigit()))
def test_uscc_agrees_with_stdnum_except_for_the_organisation_check(first17: str) -> None:
    # stdnum checks length, alphabet and the mod-31 character, not the organisation code.
    code = first17 + reference_uscc_check(first17)
    assert uscc.is_valid(code)
    org_ok = organisation_code_check(first17[8:16]) == first17[16]
    assert (USCC.problem(code) is None) == org_ok


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_uscc_check_matches_sources_formula(first17: str) -> None:
    assert uscc_check(first17) == reference_uscc_check(first17)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_resident_id_check_matches_sources_formula_and_stdnum(first17: str) -> None:
    assert resident_id_check(first17) == reference_rid_check(first17)
    assert resident_id_check(first17) == ric.calc_check_digit(first17 + "0")


def test_letters_in_positions_1_and_2_are_allowed_unlike_stdnum() -> None:
    # Authority codes A, N and Y exist (sources.md §1); python-stdnum rejects them.
    code = generate_uscc(random.Random(3), authority="N")
    assert code.startswith("N")
    assert USCC.problem(code) is None
    assert not uscc.is_valid(code)


# --- properties: generated codes pass, one substitution fails ------------------------------------


@given(usccs())
def test_generated_usccs_are_valid(code: str) -> None:
    assert USCC.problem(code) is None
    assert code[0] in USCC_AUTHORITY_CATEGORIES
    assert code[1] in USCC_AUTHORITY_CATEGORIES[code[0]]
    assert code[2:8] in division_codes()


@given(resident_ids())
def test_generated_resident_ids_are_valid(code: str) -> None:
    assert RID.problem(code) is None


@given(substituted(usccs(), uscc_allowed))
@example(("91350100M000100Y43", 10, "91350100MB00100Y43"))  # see the organisation test below
def test_any_uscc_substitution_fails(case: tuple[str, int, str]) -> None:
    _, _, mutant = case
    assert USCC.problem(mutant) is not None


def test_every_uscc_substitution_is_caught_by_the_mod31_check_alone() -> None:
    # Weights 3^(i−1) mod 31 are non-zero and 31 is prime, so (v'−v)·w ≢ 0 (mod 31): the
    # check character alone catches every single substitution, exhaustively here.
    for code in ("91350100M000100Y43", "91110000600037341L"):
        for i in range(17):
            for ch in USCC_ALPHABET:
                if ch != code[i]:
                    mutant = code[:i] + ch + code[i + 1 : 17]
                    assert uscc_check(mutant) != code[17], (code, i, ch)


def test_organisation_check_alone_misses_substitutions_eleven_apart() -> None:
    # GB 11714's mod 11 cannot see a change of 11 in a value (0↔B, 1↔C, …): say so, and show
    # that the mod-31 check still catches it.
    code = "91350100M000100Y43"
    mutant = code[:9] + "B" + code[10:]  # position 10: 0 → B (value 11)
    assert organisation_code_check(mutant[8:16]) == code[16]
    assert USCC.problem(mutant) == "check character should be R, got 3"  # Σ 1640 + 11·29


@given(substituted(resident_ids(), resident_id_allowed))
def test_any_resident_id_substitution_fails(case: tuple[str, int, str]) -> None:
    _, _, mutant = case
    assert RID.problem(mutant) is not None


@settings(max_examples=50, deadline=None)
@given(resident_ids())
def test_mod11_2_alone_catches_every_digit_substitution(code: str) -> None:
    # Weights 2^(18−i) mod 11 are non-zero and a digit changes by 1…9 < 11, so every single
    # substitution in positions 1-17 moves the check; position 18 is the check itself. No
    # substitution goes undetected, so no exception is needed in the property above.
    for i in range(17):
        for d in "0123456789":
            if d != code[i]:
                assert resident_id_check(code[:i] + d + code[i + 1 : 17]) != code[17]


# --- overrides and local schemes -----------------------------------------------------------------


def test_accepted_codes_override_the_checks() -> None:
    reported = "91350203M0001QAY9B"  # sources.md §1: whitelisted by a JS validator; computes 9
    assert USCC.problem(reported) == "check character should be 9, got B"
    lenient = UsccScheme(accepted=[" 91350203m0001qay9b "])
    assert lenient.problem(reported) is None
    assert lenient.problem("91350100M000100Y49") == "check character should be 3, got 9"


def test_pattern_scheme() -> None:
    scheme = PatternScheme("hk_br", r"[0-9]{8}", [SubjectKind.enterprise])
    assert scheme.problem(" 1234 5678 ") is None
    assert scheme.problem("1234567") == "does not match pattern [0-9]{8}"
    assert scheme.problem("１２３４５６７８") is None  # normalised to ASCII digits first
    assert scheme.subject_kinds == frozenset({SubjectKind.enterprise})
    assert not scheme.personal
    assert scheme.birth_date("12345678") is None
    assert scheme.sql_birth_date("v") is None
    assert PatternScheme("staff_no", r"S\d{6}", [SubjectKind.individual], personal=True).personal


@pytest.mark.parametrize(
    ("name", "pattern", "message"),
    [
        ("Bad-Name", "[0-9]+", "scheme name 'Bad-Name'"),
        ("ok", r"(?=a)a", "construct RE2 lacks"),
        ("ok", r"(a)\1", "construct RE2 lacks"),
        ("ok", r"a++", "construct RE2 lacks"),
        ("ok", r"[a", "is invalid"),
    ],
)
def test_pattern_scheme_refuses(name: str, pattern: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        PatternScheme(name, pattern, [SubjectKind.enterprise])


def test_pattern_scheme_needs_subject_kinds() -> None:
    with pytest.raises(SettingsError, match="subject_kinds"):
        PatternScheme("ok", "[0-9]+", [])


# --- registry -----------------------------------------------------------------------------------


def test_default_registry() -> None:
    registry = default_registry()
    assert registry.names() == ["resident_id", "uscc"]
    assert [s.name for s in registry] == ["resident_id", "uscc"]
    assert "uscc" in registry and "iban" not in registry
    assert len(registry) == 2
    assert registry.get("resident_id").personal
    assert not registry.get("uscc").personal
    assert registry.get("resident_id").subject_kinds == frozenset({SubjectKind.individual})
    assert SubjectKind.individual not in registry.get("uscc").subject_kinds


def test_default_registry_is_new_each_call() -> None:
    first = default_registry()
    first.register(PatternScheme("local", "[0-9]+", [SubjectKind.enterprise]))
    assert "local" in first
    assert "local" not in default_registry()


def test_registry_refuses_duplicates() -> None:
    registry = default_registry()
    with pytest.raises(SettingsError, match="'uscc' is already registered"):
        registry.register(UsccScheme())


def test_registry_suggests_close_names() -> None:
    registry = default_registry()
    with pytest.raises(NotFound, match=r"unknown identifier scheme 'resident'\. Did you mean "):
        registry.get("resident")
    with pytest.raises(NotFound, match=r"Known: resident_id, uscc\."):
        registry.get("passport")


# --- division codes and generators ---------------------------------------------------------------


def test_division_codes() -> None:
    codes = division_codes()
    assert len(codes) > 3000
    assert codes == sorted(set(codes))
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert {"110000", "110105", "350100", "110103"} <= set(codes)
    codes.append("999999")  # a copy: callers cannot change what the checks use
    assert "999999" not in division_codes()


def test_generator_arguments() -> None:
    rng = random.Random(5)
    assert generate_uscc(rng, authority="5")[:2] in {"51", "52", "53"}
    with pytest.raises(ValueError, match="unknown authority"):
        generate_uscc(rng, authority="Z")
    assert generate_resident_id(rng, date(1990, 1, 1), address_code="350102").startswith("350102")
    with pytest.raises(ValueError, match="not a known division code"):
        generate_resident_id(rng, date(1990, 1, 1), address_code="999999")
    assert generate_resident_id(rng, date(999, 1, 2), address_code="350102")[6:14] == "09990102"


def test_generators_are_deterministic_per_seed() -> None:
    assert generate_uscc(random.Random(9)) == generate_uscc(random.Random(9))
    born = date(1980, 5, 17)
    assert generate_resident_id(random.Random(9), born) == generate_resident_id(
        random.Random(9), born
    )


def test_check_helpers_refuse_bad_input() -> None:
    with pytest.raises(ValueError, match="17 characters"):
        uscc_check("9135")
    with pytest.raises(ValueError, match="17 digits"):
        resident_id_check("1101051949123100X")


_FITS_SCHEMES = (USCC, UsccScheme(accepted=["91350203M0001QAY9B"]), RID, ResidentIdScheme())


@given(
    st.one_of(
        near_misses(usccs(), USCC_ALPHABET + "IOSVZ0ｍ x"),
        near_misses(resident_ids(), "0123456789X5Aａ "),
        st.text(alphabet=USCC_ALPHABET + "X", min_size=16, max_size=19),
        st.sampled_from(["91350203M0001QAY9B", "91350100M000100Y43", "11010519491231002X"]),
    )
)
def test_fits_says_what_problem_says(value: str) -> None:
    # `find_scheme` asks `fits` of every scheme for every check: a value must fit exactly when
    # `problem` finds nothing wrong with it, whatever the shortcut taken
    for scheme in _FITS_SCHEMES:
        assert scheme.fits(scheme.normalise(value)) == (scheme.problem(value) is None), scheme


def test_fits_refuses_what_only_one_check_refuses() -> None:
    good = "91350100M000100Y43"
    assert USCC.fits(good)
    assert not USCC.fits(good[:16] + "5" + good[17])  # the organisation check character
    assert not USCC.fits(good[:17] + "4")  # the code's check character
    assert not USCC.fits("9135010AM000100Y43")  # a letter among the division digits
    assert RID.fits("11010519491231002X")
    assert not RID.fits("110105194912310025")  # check character
    assert not RID.fits("110105194902300020")  # 30 February, with its check character
    assert not RID.fits("990105194912310023")  # no such division, with its check character
    assert not ResidentIdScheme(as_of=date(1949, 12, 30)).fits("11010519491231002X")  # unborn
