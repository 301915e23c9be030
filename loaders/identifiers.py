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
