"""Check digits of the national identifiers of operators, as a table of algorithms."""

from __future__ import annotations

import re
from collections.abc import Callable

_DIGITS = re.compile(r"[0-9]+")


def _luhn(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char) * (2 if position % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def siret(value: str) -> bool:
    """14 digits, Luhn checksum (La Poste's establishments, SIREN 356000000, are the exception)."""
    return len(value) == 14 and value.isdigit() and (_luhn(value) or value.startswith("356000000"))


def partita_iva(value: str) -> bool:
    """11 digits; the last is the Luhn-style check digit of the first ten."""
    return len(value) == 11 and value.isdigit() and _luhn(value)


def oib(value: str) -> bool:
    """11 digits; ISO 7064 MOD 11,10 check digit."""
    if len(value) != 11 or not value.isdigit():
        return False
    remainder = 10
    for char in value[:10]:
        remainder = (remainder + int(char)) % 10 or 10
        remainder = (remainder * 2) % 11
    return (11 - remainder) % 10 == int(value[10])


def afm(value: str) -> bool:
    """9 digits; weighted sum of the first eight by powers of two, modulo 11, modulo 10."""
    if len(value) != 9 or not value.isdigit() or value == "000000000":
        return False
    total = sum(int(d) * 2 ** (8 - i) for i, d in enumerate(value[:8]))
    return total % 11 % 10 == int(value[8])


_NIF_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def nif_cif(value: str) -> bool:
    """Spanish NIF (8 digits, letter), NIE (X/Y/Z, 7 digits, letter) or CIF (letter, 7, control)."""
    if re.fullmatch(r"[0-9]{8}[A-Z]", value):
        return _NIF_LETTERS[int(value[:8]) % 23] == value[8]
    if re.fullmatch(r"[XYZ][0-9]{7}[A-Z]", value):
        return _NIF_LETTERS[int(str("XYZ".index(value[0])) + value[1:8]) % 23] == value[8]
    if re.fullmatch(r"[ABCDEFGHJNPQRSUVW][0-9]{7}[0-9A-J]", value):
        digits = value[1:8]
        even = sum(int(d) for d in digits[1::2])
        odd = sum(sum(divmod(int(d) * 2, 10)) for d in digits[0::2])
        control = (10 - (even + odd) % 10) % 10
        return value[8] in (str(control), "JABCDEFGHI"[control])
    return False


#: check name (fields.yaml) -> (prefixes partners write before the number, algorithm)
CHECKS: dict[str, tuple[tuple[str, ...], Callable[[str], bool]]] = {
    "siret": (("FR",), siret),
    "partita_iva": (("IT",), partita_iva),
    "oib": (("HR",), oib),
    "afm": (("EL", "GR"), afm),
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
    return CHECKS[check][1](value)
