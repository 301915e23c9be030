"""Check digits of the national identifiers of operators, as a table of python-stdnum validators."""

from __future__ import annotations

import re
from collections.abc import Callable

from stdnum.es import nif
from stdnum.fr import siret
from stdnum.gr import vat as afm
from stdnum.hr import oib
from stdnum.it import iva


def greek_afm(value: str) -> bool:
    """The Greek AFM; stdnum takes nine zeros (its check digit works out), no partner's number."""
    return value != "000000000" and afm.is_valid(value)


#: check name (fields.yaml) -> (prefixes partners write before the number, stdnum validator):
#: SIRET (SIREN and establishment Luhn, La Poste's exception), partita IVA (Luhn and office
#: code), OIB (ISO 7064 MOD 11,10), AFM (the Greek VAT number), NIF (DNI, NIE, CIF, K/L/M)
CHECKS: dict[str, tuple[tuple[str, ...], Callable[[str], bool]]] = {
    "siret": (("FR",), siret.is_valid),
    "partita_iva": (("IT",), iva.is_valid),
    "oib": (("HR",), oib.is_valid),
    "afm": (("EL", "GR"), greek_afm),
    "nif_cif": (("ES",), nif.is_valid),
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
