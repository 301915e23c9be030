"""One-line addresses split into street, postcode and town, by the forms each country writes
(``tables/addresses.yaml``): "12 rue X, 75011 Paris", "Via Roma 1, 00184 Roma RM",
"Ερμού 10, Αθήνα 10563", "Rua X 12, 1050-191 Lisboa", "12 rue X, Lyon". An address that none
of them reads is not split: the caller keeps it whole (locn:fullAddress) and says so once."""

from __future__ import annotations

import re
from functools import cache
from typing import Any, NamedTuple

from core.problems import ValueProblem
from loaders import enrich, tables

#: between the street and the postcode, and between the postcode and the town
_SEPARATOR = r"(?:\s*[,;]\s*|\s+-\s+|\s+)"
#: a town's name: starts with a letter, holds no comma
_TOWN = r"(?P<city>[^\W\d_][^,;]*?)"


class Address(NamedTuple):
    """The parts of a one-line address; ``written`` is the postcode as the address writes it."""

    street: str | None
    postcode: str | None
    city: str
    written: str | None = None

    def parts(self) -> dict[str, str]:
        """The fields this address fills (street, postcode, city), without the empty ones."""
        found = {"street": self.street, "postcode": self.postcode, "city": self.city}
        return {name: text for name, text in found.items() if text}


@cache
def _forms(country: str) -> tuple[re.Pattern[str], ...]:
    """The patterns of the country's one-line addresses, in the order they are tried."""
    row = tables.table("addresses")[country]
    postcode = rf"(?:{row.get('prefix', '')})?(?P<postcode>{row['postcode']})"
    suffix = rf"(?:{row['city_suffix']})?" if row.get("city_suffix") else ""
    forms = [
        rf"^(?:(?P<street>.*\S){_SEPARATOR})?{postcode}{_SEPARATOR}{_TOWN}{suffix}$",
    ]
    if row.get("city_first"):
        forms.append(rf"^(?:(?P<street>.+?)\s*,\s*)?(?P<city>[^\W\d_][^,;\d]*?)\s*,?\s*{postcode}$")
    return tuple(re.compile(form) for form in forms)


@cache
def _town_suffix(country: str) -> re.Pattern[str] | None:
    suffix = tables.table("addresses")[country].get("city_suffix")
    return re.compile(rf"(?:{suffix})$") if suffix else None


def _without_country(text: str) -> str:
    """The address without a trailing country name ("..., 75011 Paris, France")."""
    head, comma, last = text.rpartition(",")
    if comma and tables.fold(last) in tables.country_names():
        return head.strip()
    return text


def _postcode(written: str, country: str) -> str:
    """The postcode in the country's form: the spaces an address puts inside one ("75 005",
    "1050 - 191") are removed unless the country's postcodes have one ("105 63")."""
    pattern = tables.countries()[country]["postcode"]
    if re.fullmatch(pattern, written):
        return written
    return re.sub(r"\s+", "", written)


def _prefix_dropped(street: str, country: str) -> str:
    """The street without a postcode prefix it took at its end ("Ερμού 10, Τ.Κ.")."""
    prefix = tables.table("addresses")[country].get("prefix")
    return re.sub(rf"\s*{prefix}$", "", street) if prefix and street else street


def _with_postcode(text: str, country: str) -> Address | None:
    for form in _forms(country):
        found = form.match(text)
        if found:
            street = _prefix_dropped(found["street"] or "", country).strip(" ,;-") or None
            written = found["postcode"]
            return Address(street, _postcode(written, country), found["city"].strip(" ,"), written)
    return None


def _without_postcode(text: str, country: str) -> Address | None:
    """ "street, town" or "town" alone, when the town is one GeoNames knows in the country (a
    last part that is not a known town may be a floor or a building: not guessed)."""
    head, _comma, last = text.rpartition(",")
    town = last.strip()
    suffix = _town_suffix(country)
    if suffix:
        town = suffix.sub("", town).strip()
    if not town or re.search(r"\d", town) or enrich.municipality(country, town) is None:
        return None
    return Address(head.strip(" ,;-") or None, None, town)


def street_line(street: str, number: str, country: str | None) -> str:
    """The street with its house number, as ``country`` writes them together ("8 rue X",
    "Rua X 8", "Calle Mayor, 8"); the street as given when it already holds that number or the
    country is not known (a number put on the wrong side would mislead)."""
    number = " ".join(number.split())
    if re.search(rf"(?<![\w-]){re.escape(number)}(?![\w-])", street, re.IGNORECASE):
        return street
    row = tables.table("addresses").get(country or "")
    if row is None:
        return street
    return str(row["street_line"]).format(street=street.strip(), number=number)


def split_address(raw: Any, country: str | None) -> Address:
    """Street, postcode and town out of a one-line address of ``country``; a ValueProblem
    ``address-kept-whole`` when it cannot be split (the caller keeps the text whole)."""
    text = " ".join(str(raw).split()).strip(" ,;.")
    if not country or country not in tables.table("addresses"):
        raise ValueProblem(
            "address-kept-whole",
            "kept whole as the full address: the country is needed to split it",
        )
    text = _without_country(text)
    found = _with_postcode(text, country) or _without_postcode(text, country)
    if found is None:
        raise ValueProblem(
            "address-kept-whole",
            "kept whole as the full address: no postcode and town found in it "
            "('street, postcode town')",
        )
    return found
