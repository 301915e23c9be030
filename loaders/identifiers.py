"""Check digits of the national identifiers of operators, as a table of python-stdnum validators."""

from __future__ import annotations

import re
from collections.abc import Callable

from stdnum import luhn
from stdnum.es import cif, dni, nie
from stdnum.gr import vat as afm
from stdnum.hr import oib


def siret(value: str) -> bool:
    """14 digits, Luhn over all of them (La Poste's establishments, SIREN 356000000, are the
    exception). Not ``stdnum.fr.siret``, which also checks the SIREN's own Luhn digit: the
    sample files' (made-up) SIRETs fail that, and a partner's file would be judged anew."""
    return (
        len(value) == 14 and value.isdigit() and (luhn.is_valid(value) or value[:9] == "356000000")
    )


def partita_iva(value: str) -> bool:
    """11 digits, Luhn (not ``stdnum.it.iva``, which also checks the province office code)."""
    return len(value) == 11 and value.isdigit() and luhn.is_valid(value)


def greek_afm(value: str) -> bool:
    """The Greek AFM; stdnum takes nine zeros (its check digit works out), no partner's number."""
    return value != "000000000" and afm.is_valid(value)


def nif_cif(value: str) -> bool:
    """A Spanish DNI (8 digits, letter), NIE (X/Y/Z, 7 digits, letter) or CIF (letter, 7,
    control)."""
    return dni.is_valid(value) or nie.is_valid(value) or cif.is_valid(value)


#: check name (fields.yaml) -> (prefixes partners write before the number, validator): OIB is
#: ISO 7064 MOD 11,10, AFM the Greek VAT number's check digit
CHECKS: dict[str, tuple[tuple[str, ...], Callable[[str], bool]]] = {
    "siret": (("FR",), siret),
    "partita_iva": (("IT",), partita_iva),
    "oib": (("HR",), oib.is_valid),
    "afm": (("EL", "GR"), greek_afm),
    "nif_cif": (("ES",), nif_cif),
}


#: check name -> the number's current form, where an older one is still valid: an AFM of the
#: old 8 digits is today's with a 0 before it (stdnum)
CURRENT_FORMS: dict[str, Callable[[str], str]] = {"afm": afm.compact}


def current_form(check: str, value: str) -> str:
    """``value`` (normalised, valid) in the form ``check`` has today (``CURRENT_FORMS``): one
    operator's number is published one way, whichever form its partner wrote."""
    form = CURRENT_FORMS.get(check)
    return value if form is None else form(value)


def normalise(check: str, raw: str) -> str:
    """Remove spaces, dots, dashes and the country prefix that partners often write."""
    prefixes, _algorithm = CHECKS[check]
    value = re.sub(r"[\s.\-/]", "", raw).upper()
    for prefix in prefixes:
        rest = value[len(prefix) :]
        if value.startswith(prefix) and rest and (rest[0].isdigit() or check == "nif_cif"):
            return rest
    return value


def is_valid(check: str, value: str) -> bool:
    """Whether ``value`` (normalised) passes the check digits of ``check``."""
    return CHECKS[check][1](value)


#: the most zeros a spreadsheet is taken to have dropped from the start of a number
LOST_ZEROS = 3


def with_lost_zeros(check: str, value: str) -> str | None:
    """``value`` (normalised, digits) with the zeros a spreadsheet drops from the start of a
    number put back, when that passes ``check`` and ``value`` as written does not: a partita
    IVA "00743110157" saved as the number 743110157 (strangers 89, 90); None otherwise. Only
    told to the partner, never published in its place."""
    if not value.isdigit() or is_valid(check, value):
        return None
    padded = (f"{'0' * zeros}{value}" for zeros in range(1, LOST_ZEROS + 1))
    found = next((number for number in padded if is_valid(check, number)), None)
    return None if found is None else current_form(check, found)
