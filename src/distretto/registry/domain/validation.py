"""Pure validation rules of registry records: no Django, plain values in, messages out.

Messages are English source strings; callers translate them with gettext, which
is why each is a constant naming the problem and how to fix it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.it import iva


def N_(message: str) -> str:
    """Mark a message for translation without translating it (extracted by makemessages)."""
    return message


ITALIAN_VAT_DIGITS = re.compile(r"^\d{11}$")
ISTAT_CODE = re.compile(r"^\d{6}$")
EARLIEST_FOUNDED = 1000


@dataclass(frozen=True)
class Problem:
    """One problem with one field: which field, what is wrong (English source text), values."""

    field: str
    message: str
    params: tuple[tuple[str, str], ...] = ()

    def params_dict(self) -> dict[str, str]:
        return dict(self.params)


def normalise_vat(raw: str) -> str:
    """Compact form of a VAT number: no spaces, dots or dashes, upper case."""
    return re.sub(r"[\s.\-]", "", raw or "").upper()


def check_vat_number(raw: str) -> str | None:
    """Return None when ``raw`` is a valid VAT number, else the reason (English source text).

    Accepted: an Italian partita IVA of 11 digits with its check digit and a valid
    provincial office code (digits 8-10), with or without the ``IT`` prefix, or a
    VAT number of another EU member state with
    its country prefix, checked by that state's own rules.
    """
    vat = normalise_vat(raw)
    if not vat:
        return None
    digits = vat[2:] if vat.startswith("IT") else vat
    if ITALIAN_VAT_DIGITS.match(digits):
        try:
            iva.validate(digits)
        except StdnumError:
            return N_("Not a valid Italian VAT number: check digit or office code is wrong.")
        return None
    if vat[:2].isalpha():
        if vat[:2].lower() not in eu_vat.MEMBER_STATES:
            return N_("VAT numbers must be Italian (11 digits) or start with an EU country code.")
        try:
            eu_vat.validate(vat)
        except StdnumError:
            return N_("Not a valid VAT number for its country.")
        return None
    return N_("A VAT number is 11 digits (Italy) or an EU country code followed by the number.")


def canonical_vat(raw: str) -> str:
    """The stored form of a valid VAT number: Italian numbers as 11 digits, others prefixed."""
    vat = normalise_vat(raw)
    if vat.startswith("IT") and ITALIAN_VAT_DIGITS.match(vat[2:]):
        return vat[2:]
    return vat


def check_founded_year(year: int, current_year: int) -> str | None:
    """None when ``year`` is a plausible founding year, else the reason."""
    if year > current_year:
        return N_("The founding year is in the future.")
    if year < EARLIEST_FOUNDED:
        return N_("The founding year is too far in the past.")
    return None


def check_istat_code(code: str) -> str | None:
    """None when ``code`` has the form of an ISTAT municipality code (six digits)."""
    if not ISTAT_CODE.match(code or ""):
        return N_("An ISTAT municipality code has six digits, e.g. 036022 for Mirandola.")
    return None


def duplicate_key(name: str, municipality_code: str) -> tuple[str, str]:
    """Key under which two organisations are the same: folded name and municipality."""
    folded = " ".join((name or "").casefold().split())
    return folded, municipality_code or ""
