"""The pure validation rules of registry records."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from distretto.registry.domain import validation


def italian_check_digit(first_ten: str) -> str:
    """The Luhn-style check digit of a partita IVA, written independently of stdnum."""
    total = 0
    for index, char in enumerate(first_ten):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def test_check_vat_number_accepts_valid_italian_number():
    # A computed number, not any real firm's.
    number = "0012345036" + italian_check_digit("0012345036")
    assert validation.check_vat_number(number) is None
    assert validation.check_vat_number("IT" + number) is None
    assert validation.canonical_vat("IT " + number) == number


def test_check_vat_number_rejects_wrong_check_digit():
    good = "0012345036" + italian_check_digit("0012345036")
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert (
        validation.check_vat_number(bad)
        == "Not a valid Italian VAT number: check digit or office code is wrong."
    )


def test_check_vat_number_accepts_other_eu_formats():
    assert validation.check_vat_number("DE136695976") is None
    assert validation.canonical_vat("de 136 695 976") == "DE136695976"


def test_check_vat_number_rejects_non_eu_and_garbage():
    assert validation.check_vat_number("US123456789") == (
        "VAT numbers must be Italian (11 digits) or start with an EU country code."
    )
    assert validation.check_vat_number("12345") == (
        "A VAT number is 11 digits (Italy) or an EU country code followed by the number."
    )
    assert validation.check_vat_number("DE000000000") == "Not a valid VAT number for its country."


def test_check_vat_number_empty_is_allowed():
    assert validation.check_vat_number("") is None


# A partita IVA: 7 digits (not all zero), a provincial office code, a check digit.
OFFICE_CODES = [f"{n:03d}" for n in range(1, 101)] + ["120", "121", "888", "999"]


@given(
    st.text(alphabet="0123456789", min_size=7, max_size=7).filter(lambda s: s != "0000000"),
    st.sampled_from(OFFICE_CODES),
)
def test_check_vat_number_exactly_one_check_digit_is_valid(serial, office):
    first_ten = serial + office
    valid = [d for d in "0123456789" if validation.check_vat_number(first_ten + d) is None]
    assert valid == [italian_check_digit(first_ten)]


def test_check_founded_year_limits():
    assert validation.check_founded_year(2026, 2026) is None
    assert validation.check_founded_year(2027, 2026) == "The founding year is in the future."
    assert validation.check_founded_year(999, 2026) == "The founding year is too far in the past."


def test_check_istat_code_form():
    assert validation.check_istat_code("036022") is None
    assert validation.check_istat_code("36022") == (
        "An ISTAT municipality code has six digits, e.g. 036022 for Mirandola."
    )


def test_duplicate_key_folds_case_and_spaces():
    assert validation.duplicate_key("  Bellco  S.r.l. ", "036022") == ("bellco s.r.l.", "036022")
