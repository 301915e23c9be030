"""Cell values to RDF terms: one parser per field kind, chosen from a table.

Every parser takes the raw cell (text from CSV, or a number, date or boolean from a spreadsheet
or JSON) and the context of its row and column, and returns the terms it stands for, or raises
``ValueProblem`` with a reason a partner can act on. Nothing here knows about files or graphs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Any, NamedTuple
from urllib.parse import quote, unquote, urlsplit

import phonenumbers
import pyoxigraph as ox
from babel import Locale as CldrLocale
from babel import UnknownLocaleError
from babel.dates import get_date_format, get_month_names
from babel.languages import get_official_languages
from babel.numbers import get_decimal_symbol, get_group_symbol

from core.namespaces import EU_COUNTRY, OSM, WIKIDATA, XSD
from core.namespaces import NUTS_CODE as NUTS
from core.problems import AmbiguousValue, ValueProblem
from core.vocabulary import LANGUAGES
from loaders import enrich, identifiers, personal, tables, territory
from loaders.concepts import ConceptIndex


class Iri(NamedTuple):
    value: str


class Lit(NamedTuple):
    lexical: str
    datatype: str | None = None
    language: str | None = None


class Price(NamedTuple):
    """A price: the amount (an xsd:decimal lexical form), its currency (ISO 4217) and the period
    it pays for (UN/CEFACT code: HUR, DAY, WEE, MON, ANN); see loaders/prices.py."""

    amount: str
    currency: str
    unit: str


Term = Iri | Lit | Price


class Amount(str):
    """A spreadsheet cell whose number format shows a sum of money, as it shows it ("175.00
    GBP"; ``loaders.workbook``): a price reads its ``number`` and ``currency`` as the cell holds
    them (``loaders.prices``), any other column its text, which names the currency (a number
    column refuses it, saying so: its number was never the partner's whole value)."""

    number: Decimal
    #: the currency's ISO 4217 code, or the sign the cell's format shows when it names none
    #: the loader knows, or ``UNTOLD_CURRENCY`` when the format cannot tell which currency
    currency: str
    #: the number format that shows a sum of money without telling its currency (Excel's
    #: built-in ``numFmtId 7``, ``[$$-1409]``), else ""
    number_format: str

    def __new__(cls, number: Decimal, currency: str, number_format: str = "") -> Amount:
        amount = super().__new__(cls, f"{number} {currency}")
        amount.number, amount.currency, amount.number_format = number, currency, number_format
        return amount

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its number, currency and format (a validation's workers receive rows)."""
        return (Amount, (self.number, self.currency, self.number_format))


#: the currency of a sum of money whose number format does not tell which (the generic
#: currency sign: a number column refuses it, a text column shows it, a price reports it)
UNTOLD_CURRENCY = "¤"


@dataclass(frozen=True)
class Locale:
    """How a source writes its values."""

    language: str = "en"
    country: str | None = None
    #: the decimal mark the mapping declares (None: the one of ``numbers``)
    decimal: str | None = None
    #: the thousands separators the mapping declares (none: those of ``numbers``)
    thousands: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    null: frozenset[str] = frozenset()
    #: the CLDR locale (babel) whose numbers and dates the source writes ("el_GR"); None when
    #: the mapping gives neither language nor country (then what depends on it is reported)
    numbers: str | None = "en_001"


@dataclass(frozen=True)
class ColumnSpec:
    """How one column is read: which field it fills and with which options."""

    label: str
    field: str
    sources: tuple[str, ...]
    split: str | None = None
    drop: re.Pattern[str] | None = None
    language: str | None = None
    # dataclasses.field: the name ``field`` is this class's own attribute
    synonyms: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    when_true: str | None = None
    #: the value is built from other columns ({column} placeholders; loaders.mapping.fill)
    template: str | None = None
    dates: tuple[str, ...] = ()
    order: str | None = None
    #: the values are an organisation's, published on purpose (no personal-data check)
    public: bool = False
    #: e-mail addresses of staff: only those naming a role are published (loaders.personal)
    roles_only: bool = False
    #: the sources are spellings of one column (the template's six languages): two of them in a
    #: file are reported, and differing values in a row are an error (loaders.records)
    aliases: bool = False
    #: for prices: the currency (ISO 4217) and period (UN/CEFACT) when a value gives none
    currency: str | None = None
    period: str | None = None
    #: the value the column takes when every one of its source cells is empty, read as a cell
    #: of the column is (synonyms, code lists); the mapping says it, so it is not reported
    otherwise: str | None = None
    #: what an unreadable cell does: "hold-back" (an error: the record waits for a fix) or
    #: "leave-out" (for an optional field: the value is left out with a warning)
    unreadable: str = "hold-back"
    #: for web addresses: the protocol of one written without it ("www.example.org"); None:
    #: https, and the value is reported (the mapping did not say it)
    scheme: str | None = None


#: ``ColumnSpec.unreadable``: the cell is left out with a warning, the record is published
LEAVE_OUT = "leave-out"


class LeftOut(ValueProblem):
    """An unreadable cell of a column whose mapping says ``unreadable: leave-out``: the value is
    left out with a warning (naming why: ``because``, the code of the problem of the cell, with
    that problem's own parameters), and the record is published without it."""

    severity = "warning"

    @classmethod
    def of(cls, problem: ValueProblem) -> LeftOut:
        return cls(
            "unreadable-left-out",
            f"{problem.reason}; the value is left out, as the mapping says for this column "
            "(unreadable: leave-out), and the record is published without it",
            **problem.params,
            because=problem.code,
        )


@dataclass
class Context:
    """What a parser may need besides the cell: the locale, the row's country, the code lists."""

    locale: Locale
    concepts: ConceptIndex
    country: str | None = None
    #: what a parser reinterpreted (a padded postcode...): reported as warnings, value kept
    notices: list[ValueProblem] = dataclasses.field(default_factory=list)


Parser = Callable[[Any, ColumnSpec, Context], list[Term]]


# ----------------------------------------------------------------------------------- helpers


def as_text(raw: Any) -> str:
    """A cell as text; a whole number read from a spreadsheet loses its '.0' (one too large to
    be exact, 1e+300, stays as the file has it: its digits would be made up)."""
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < 1e15:
        return str(int(raw))
    return " ".join(str(raw).split())


#: no "no value" token is longer than this (the longest are about fifteen characters)
_LONGEST_NULL_TOKEN = 24


def is_null(raw: Any, locale: Locale) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return len(raw) <= _LONGEST_NULL_TOKEN and _null_text(raw, locale.null)
    return False


@lru_cache(maxsize=65536)
def _null_text(text: str, null: frozenset[str]) -> bool:
    """Whether a short text says "no value" (``is_null``; ``null``: the source's own tokens),
    decided once per distinct text: the same few cells recur in every row."""
    folded = tables.fold(text)
    return folded in tables.null_tokens() or folded in null


#: the largest number a numeric column takes (an area in m², a price) and the largest count
#: (workstations, meeting rooms, events a year): beyond, a typing or export mistake (a JSON
#: 1e300), refused rather than published as a huge integer
LARGEST_NUMBER = 10**9
LARGEST_COUNT = 10**6
#: a digit other than 0-9 (Arabic-Indic "٢٠", full-width "２０"): refused in numbers and dates
_FOREIGN_DIGIT = re.compile(r"(?![0-9])\d")
#: the most characters a number may have (no count, price or area is longer; Python refuses to
#: write integers past 4,300 digits, and such numbers are only made to hurt)
MAX_NUMBER_CHARACTERS = 40
#: a number, not counting digits glued to a letter (the 2 of "m2", the 3 of "A3")
_NUMBER = re.compile(r"(?<![^\W\d_])[-+]?[0-9][0-9 .,'\u00a0\u202f]*")


#: what groups a number's digits whatever the locale: spaces (plain, no-break, narrow no-break)
#: and the apostrophe; never a decimal mark
_GROUPING_SPACES = (" ", "\u00a0", "\u202f", "'")
#: marks that are a decimal mark in some locales and a thousands separator in others
_MARKS = (",", ".")
#: a number's whole part written in groups of three ("1", "12", "1234" are not grouped)
_GROUPED = re.compile(r"^[0-9]{1,3}(?:,[0-9]{3})+$")


@cache
def cldr_locale(language: str | None, country: str | None) -> str | None:
    """The CLDR locale whose conventions a source follows: its language in its country when CLDR
    knows that pair ("fr_FR", "en_MT"), else its language alone (English alone: international
    English, "en_001", which writes the day first), else the country's first official language;
    None when neither is given."""
    if language is None and country is None:
        return None
    languages = (language,) if language else get_official_languages(country or "")
    for lang in languages:
        alone = "en_001" if lang == "en" else lang
        for candidate in ((f"{lang}_{country}",) if country else ()) + (alone,):
            try:
                CldrLocale.parse(candidate)
            except (ValueError, UnknownLocaleError):
                continue
            return candidate
    return None


def make_locale(raw: Mapping[str, Any], records_country: str | None = None) -> Locale:
    """A source's locale from the mapping's ``locale:`` block; its numbers and dates follow CLDR
    for the language and country given (else the country of every record, a constant), unless
    ``decimal``/``thousands`` say otherwise."""
    language, country = raw.get("language"), raw.get("country")
    return Locale(
        language=language or "en",
        country=country,
        decimal=raw.get("decimal"),
        thousands=tuple(raw.get("thousands", ())),
        dates=tuple(raw.get("dates", ())),
        null=frozenset(tables.fold(token) for token in raw.get("missing", ())),
        numbers=cldr_locale(language, country or records_country),
    )


@cache
def _cldr_marks(name: str) -> tuple[str, frozenset[str]]:
    """CLDR's decimal mark and thousands separators of a locale (a space stands for them all)."""
    group = get_group_symbol(name)
    groups = frozenset(_GROUPING_SPACES) if group in _GROUPING_SPACES else frozenset({group})
    return get_decimal_symbol(name), groups


def number_marks(locale: Locale) -> tuple[str | None, frozenset[str]]:
    """The decimal mark (None: unknown) and the thousands separators a source writes: as its
    mapping declares them, else as CLDR has them for its locale."""
    decimal, groups = locale.decimal, frozenset(locale.thousands)
    if locale.numbers:
        cldr_decimal, cldr_groups = _cldr_marks(locale.numbers)
        decimal = decimal or cldr_decimal
        groups = groups or cldr_groups
    return decimal, groups - {decimal}


#: how a decimal mark is named in a reading's notice
MARK_NAMES = {",": "decimal comma", ".": "decimal point"}


class NumberReading(NamedTuple):
    """How the marks of a number were read: its decimal mark (None: a whole number) and whether
    separators between its digits were dropped as thousands separators."""

    text: str
    decimal: str | None
    grouped: bool
    group: str | None = None


def _read_marks(body: str, locale: Locale, groups_allowed: bool) -> NumberReading:
    """The digits of ``body`` (no sign, no spaces) with '.' as decimal mark: the last of two
    different marks is the decimal one; one mark written several times groups thousands; one mark
    written once is a decimal mark unless it is followed by exactly three digits after at most
    three (1,234 or 1.234), which the source's locale decides, or nothing can."""
    marks = [c for c in body if c in _MARKS]
    if not marks:
        return NumberReading(body, None, False)
    point = marks[-1]
    other = ({*_MARKS} - {point}).pop()
    whole, _, fraction = body.rpartition(point)
    several = body.count(point) > 1
    if other in marks or several:
        group = point if several else other
        whole = body if several else whole
        if not groups_allowed or not _GROUPED.match(whole.replace(group, ",")):
            raise ValueProblem("not-a-number", "these marks do not group thousands by three")
        if several and other in marks:
            raise ValueProblem("not-a-number", "several decimal marks in one number")
        digits = whole.replace(group, "")
        return NumberReading(
            digits if several else f"{digits}.{fraction}", None if several else point, True, group
        )
    as_decimal = NumberReading(f"{whole}.{fraction}", point, False)
    if not (groups_allowed and len(fraction) == 3 and 1 <= len(whole) <= 3 and whole != "0"):
        return as_decimal
    decimal, groups = number_marks(locale)
    # "1,000" or "1.000" as a decimal is a whole number written with three zeros, which no one
    # writes: read so by a decimal-mark locale, a thousands separator would become 1 silently
    if point == decimal and fraction != "000":
        return as_decimal
    if point in groups:
        return NumberReading(whole + fraction, None, True, point)
    raise AmbiguousValue(
        "ambiguous-number",
        f"{whole}{point}{fraction} could be {whole}.{fraction} or {whole}{fraction}: "
        "the file's locale does not say which mark is decimal; left out",
        first=f"{whole}.{fraction}",
        second=f"{whole}{fraction}",
    )


#: a number written with an exponent ("4.8e1", "1,5E+02", "2.1 E-3"): no partner writes one;
#: a spreadsheet shows a number so when its cell is too narrow, rounded to a few digits
_EXPONENT = re.compile(r"(?<![^\W\d_])[-+]?[0-9]+(?:[.,][0-9]+)?[eE][-+]?[0-9]+(?![^\W\d_])")
#: a number written plainly: digits, with a decimal point and more digits at most
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def _plain_decimal(text: str, locale: Locale, grouped: bool) -> bool:
    """Whether ``to_decimal`` reads ``text`` as the number it plainly is, with no notice
    ("12", "45.76712" where a point is the decimal mark): then it is read at once (most cells
    of a file, every coordinate)."""
    if len(text) > MAX_NUMBER_CHARACTERS or not _PLAIN_NUMBER.fullmatch(text):
        return False
    if "." not in text:
        return True
    # a point is the decimal mark of a coordinate whatever the locale, unless the source
    # declares another mark (then reported); in a count, it may group thousands (1.234)
    return not grouped and locale.decimal in (None, ".")


def to_decimal(
    raw: Any,
    locale: Locale,
    notices: list[ValueProblem] | None = None,
    grouped: bool = True,
    units: tuple[str, ...] | None = None,
    largest: int = LARGEST_NUMBER,
) -> Decimal:
    """A number from a cell, with the source's decimal and thousands marks. ``units``: the units
    the column documents (``column_units``; "160 m²", "44 postes"), the only text a cell may
    have after its number; None: the caller reads the words around the number itself (a
    price's currency and period). A reading of its marks ("37,9795" as 37.9795, "1.234" as 1234
    in a Greek file) is added to ``notices``; ``grouped`` False: the value never has thousands
    (a coordinate), so one mark is always its decimal mark. A number beyond ``largest`` (in
    absolute value), however written, is a mistake (``implausible-number``)."""
    if isinstance(raw, bool):
        raise ValueProblem("not-a-number", "a yes/no value where a number is expected")
    if isinstance(raw, float) and not math.isfinite(raw):  # a JSON Infinity or NaN
        raise ValueProblem("not-a-number", f"{raw} is not a number that can be published")
    if isinstance(raw, int) and abs(raw) >= 10**MAX_NUMBER_CHARACTERS:
        raise ValueProblem("not-a-number", f"a number of more than {MAX_NUMBER_CHARACTERS} digits")
    if isinstance(raw, int | float):
        return _within(Decimal(str(raw)), largest)
    text = str(raw).strip()
    if _plain_decimal(text, locale, grouped):
        return _within(Decimal(text), largest)
    if _FOREIGN_DIGIT.search(text):
        raise ValueProblem(
            "foreign-digits",
            "written with digits other than 0-9 (Arabic-Indic, full-width...); write it with 0-9",
        )
    if exponent := _EXPONENT.search(text):  # a spreadsheet's display, rounded: never guessed
        raise ValueProblem(
            "number-with-exponent",
            f"{exponent.group()} is written with an exponent (scientific notation), as a "
            "spreadsheet shows a number it has rounded; write the number in full",
            number=exponent.group(),
        )
    found = list(_NUMBER.finditer(text))
    if len(found) != 1:
        reason = "no number" if not found else "several numbers"
        raise ValueProblem("not-a-number", f"{reason} in this cell; write one number")
    number = found[0].group().rstrip(" .,'\u00a0\u202f")
    after = text[found[0].end() :]
    if found[0].group().endswith((",", ".")) and after.startswith("-"):
        after = after[1:]  # "20,-": a whole amount with no cents (hr, de), not a negative
    _check_surroundings(text[: found[0].start()], number, after, units)
    if len(number) > MAX_NUMBER_CHARACTERS:
        raise ValueProblem("not-a-number", f"a number of more than {MAX_NUMBER_CHARACTERS} digits")
    sign = number[0] if number[0] in "+-" else ""
    body = number[len(sign) :]
    spaced = any(space in body for space in _GROUPING_SPACES)
    for space in _GROUPING_SPACES:
        body = body.replace(space, "")
    reading = _read_marks(body, locale, grouped)
    if reading.decimal and locale.decimal and reading.decimal != locale.decimal:
        raise ValueProblem(
            "wrong-decimal-mark",
            f"'{reading.decimal}' as decimal mark, but this source declares '{locale.decimal}'",
            mark=locale.decimal,
            # written as the file writes numbers: "45.4397" in a file of decimal commas was
            # told "write 45.4397", what it held (stranger 88)
            result=reading.text.replace(".", locale.decimal),
        )
    try:
        value = Decimal(sign + reading.text)
    except InvalidOperation:
        raise ValueProblem("not-a-number", "not a number") from None
    # a reading by the file's own conventions (declared, or CLDR's for its locale) is no
    # reinterpretation; a mark the locale does not use, or any mark when it is unknown, is
    decimal, groups = number_marks(locale)
    # coordinates are written with a decimal point everywhere (maps and GPS give them so)
    plain = () if grouped else (".",)
    used_groups = {reading.group} if reading.group else set()
    if spaced:
        used_groups.add(" ")
    spaces_allowed = bool(groups & set(_GROUPING_SPACES))
    foreign_groups = {g for g in used_groups if not (g in groups or (g == " " and spaces_allowed))}
    how = [
        *(
            [MARK_NAMES[reading.decimal]]
            if reading.decimal is not None and reading.decimal not in {decimal, *plain}
            else []
        ),
        *(["thousands separators dropped"] if foreign_groups else []),
    ]
    if notices is not None and how:
        notices.append(
            ValueProblem("number-read", f"read as {value} ({', '.join(how)})", result=str(value))
        )
    return _within(value, largest)


def _within(value: Decimal, largest: int) -> Decimal:
    """``value``, unless it is beyond what the column can mean (1e20 workstations, an area of
    1e300 m² from a JSON file): then a mistake, never published as a huge number."""
    if abs(value) > largest:
        raise ValueProblem(
            "implausible-number",
            f"larger than {largest}: no column of a space means so much; check the number",
            largest=str(largest),
        )
    return value


def _check_surroundings(
    before: str, number: str, after: str, units: tuple[str, ...] | None
) -> None:
    """What a cell has around its one number: nothing, or one of the column's ``units`` after it
    (None: words the caller reads itself, a price's); never a decimal mark before its first
    digit (".5" is not 5), brackets or a minus sign after it (accounting negatives, "(20)",
    "20-", are not 20), nor other text ("20e", "EUR 20" or "20 %" as an area)."""
    lead, trail = before.rstrip(), after.strip()
    if lead.endswith((".", ",")) and not number.startswith(("+", "-")):
        mark = lead[-1]
        raise ValueProblem(
            "decimal-mark-first",
            f"a decimal mark with no digit before it; write 0{mark}{number}",
            result=f"0{mark}{number}",
        )
    if (lead.endswith("(") and trail.startswith(")")) or (
        after.startswith("-") and not number.startswith(("+", "-"))
    ):
        raise ValueProblem(
            "accounting-negative",
            f"a negative number as accountants write it; write -{number} if it is one",
            result=f"-{number}",
        )
    if units is None:
        return
    if lead:
        raise ValueProblem(
            "number-with-text", f"{lead!r} before the number is not part of it", text=lead
        )
    if trail and tables.fold(trail) not in _folded(units):
        if units:
            raise ValueProblem(
                "number-wrong-unit",
                f"{trail!r} is not a unit of this column ({', '.join(units)})",
                text=trail,
                units=", ".join(units),
            )
        raise ValueProblem(
            "number-with-text", f"{trail!r} after the number is not part of it", text=trail
        )


@cache
def column_units(field_name: str) -> tuple[str, ...]:
    """The units a numeric field's cells may be written with after their number, as the table
    writes them (loaders/tables/measures.yaml, ``units``): "m²" for an area, "°" for a
    coordinate."""
    return tuple(
        str(unit) for unit in tables.table("measures").get("units", {}).get(field_name, ())
    )


@cache
def _folded(units: tuple[str, ...]) -> frozenset[str]:
    return frozenset(tables.fold(unit) for unit in units)


def _decimal_lexical(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if "." in text else text + ".0"


# ----------------------------------------------------------------------------------- parsers


def parse_text(raw: Any, spec: ColumnSpec, ctx: Context) -> list[Term]:
    text = as_text(raw)
    return [Lit(text)] if text else []


def parse_text_lang(raw: Any, spec: ColumnSpec, ctx: Context) -> list[Term]:
    text = str(raw).strip()
    return [Lit(text, language=spec.language or ctx.locale.language)] if text else []


@cache
def _measure_units() -> dict[str, str]:
    """Each unit that makes a cell a measure (loaders/tables/measures.yaml), folded, with the
    kind of measure it is."""
    table = tables.table("measures")["count_refuses"]
    return {tables.fold(unit): kind for kind, units in table.items() for unit in units}


def measure_unit(raw: Any) -> str | None:
    """The unit of measure written with a number ("917 m2" gives "m2"), if any."""
    if not isinstance(raw, str):
        return None
    text = _NUMBER.sub(" ", tables.fold(raw))
    words = re.split(r"[\s,;:()/]+", text)
    units = _measure_units()
    return next((word for word in words if word in units), None) or next(
        (unit for unit in units if not unit.isalnum() and unit in text), None
    )


def parse_integer(raw: Any, spec: ColumnSpec, ctx: Context) -> list[Term]:
    """A count (workstations, rooms, events): a whole number, never a measure ("917 m2")."""
    unit = measure_unit(raw)
    if unit is not None:
        raise ValueProblem("not-a-count", f"a measure ({unit}), not a count", unit=unit)
    number = to_decimal(
        raw, ctx.locale, ctx.notices, units=column_units(spec.field), largest=LARGEST_COUNT
    )
    if number != number.to_integral_value():
        raise ValueProblem("not-a-whole-number", f"{number} is not a whole number")
    return [Lit(str(int(number)), XSD + "integer")]


def parse_decimal(raw: Any, spec: ColumnSpec, ctx: Context) -> list[Term]:
    number = to_decimal(raw, ctx.locale, ctx.notices, units=column_units(spec.field))
    return [Lit(_decimal_lexical(number), XSD + "decimal")]


def to_boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    try:
        return tables.booleans()[tables.fold(str(raw))]
    except KeyError:
        raise ValueProblem(
            "not-a-boolean", "not a yes/no answer (yes/no, oui/non, sì/no, sí/no, ναι/όχι, da/ne)"
        ) from None


def parse_boolean(raw: Any, spec: ColumnSpec, ctx: Context) -> list[Term]:
    return [Lit("true" if to_boolean(raw) else "false", XSD + "boolean")]


_ISO_DATES = (
    (re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$"), "date"),
    (re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$"), "gYearMonth"),
    (re.compile(r"^([0-9]{4})$"), "gYear"),
)
#: a year and a month that is none ("2019-00", "2019-13"): not a date
_NO_MONTH = re.compile(r"^[0-9]{4}-(00|1[3-9]|[2-9][0-9])$")
#: a day with a time of day, as exports write it ("2019-03-01T10:00", "2019-03-01 10:00:00Z")
_ISO_DATE_TIME = re.compile(
    r"^([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([01][0-9]|2[0-3]):([0-5][0-9])(:[0-5][0-9](?:\.[0-9]+)?)?"
    r"(Z|[+-][0-9]{2}:?[0-9]{2})?$"
)
#: a year or a month with the ordinal dot Croatian writes them with ("2019.", "3.2019.")
_ORDINAL_DOT = re.compile(r"^(?:[0-9]{1,2}\.)?[0-9]{4}\.$")
_MONTH_FORMATS = ("%m/%Y", "%m.%Y", "%m-%Y")


def _writes_ordinal_dot(ctx: Context) -> bool:
    """Whether a cell may write years with the ordinal dot, as Croatian does ("2019.",
    "3.2019."): the source's language is Croatian, or its row's country is Croatia."""
    locale = ctx.locale
    return locale.language == "hr" or (locale.numbers or "").startswith("hr") or ctx.country == "HR"


def _without_time(day: str, time: str, zone: str | None, text: str, ctx: Context) -> str:
    """The day of a date and time; the time left out is reported, unless it is midnight with no
    zone (a spreadsheet's or an export's way of writing a day)."""
    _checked_date(day, "%Y-%m-%d", text)
    if zone or time.strip("0:."):
        ctx.notices.append(
            ValueProblem(
                "time-left-out",
                f"read as the day {day}; the time {time}{zone or ''} is left out",
                result=day,
                time=f"{time}{zone or ''}",
            )
        )
    return day


def parse_date(raw: Any, spec: ColumnSpec, ctx: Context) -> list[Term]:
    """A date at the precision given: a day (xsd:date), a month (xsd:gYearMonth) or a year."""
    if isinstance(raw, dt.datetime):
        time = raw.time().isoformat()
        day = raw.date().isoformat()
        return [Lit(_without_time(day, time, raw.tzname(), day, ctx), XSD + "date")]
    if isinstance(raw, dt.date):
        return [Lit(raw.isoformat(), XSD + "date")]
    # compared before any conversion: a JSON integer of thousands of digits is no float
    if isinstance(raw, int | float) and EARLIEST_YEAR <= raw <= 2200 and float(raw).is_integer():
        return [Lit(str(int(raw)), XSD + "gYear")]
    text = str(raw).strip()
    if _FOREIGN_DIGIT.search(text):  # as in a number: "٢٠١٩" or "２０１９" is never guessed
        raise ValueProblem(
            "foreign-digits",
            "written with digits other than 0-9 (Arabic-Indic, full-width...); write it with 0-9",
        )
    if _NO_MONTH.match(text):
        raise ValueProblem("not-a-date", f"{text} has no month {text[-2:]}")
    if match := _ISO_DATE_TIME.match(text):
        day, hours, minutes, seconds, zone = match.groups()
        time = f"{hours}:{minutes}{seconds or ''}"
        return [Lit(_without_time(day, time, zone, text, ctx), XSD + "date")]
    if _writes_ordinal_dot(ctx) and _ORDINAL_DOT.match(text):
        text = text[:-1]  # "2019." is the year 2019 in Croatian, as written
    for pattern, datatype in _ISO_DATES:
        match = pattern.match(text)
        if match:
            lexical = "-".join(match.groups())
            if datatype == "date":
                _checked_date(lexical, "%Y-%m-%d", text)
            return [Lit(lexical, XSD + datatype)]
    for fmt in (*spec.dates, *ctx.locale.dates):
        formatted = _formatted_date(text, fmt)
        if formatted is not None:
            return [Lit(formatted, XSD + "date")]
    local = _local_date(text, ctx)
    if local is not None:
        return [Lit(local, XSD + "date")]
    for fmt in _MONTH_FORMATS:
        try:
            return [Lit(dt.datetime.strptime(text, fmt).strftime("%Y-%m"), XSD + "gYearMonth")]
        except ValueError:
            continue
    worded = worded_date(text)
    if worded is not None:
        return [Lit(worded[0], XSD + worded[1])]
    formats = ", ".join(("YYYY-MM-DD", "YYYY-MM", "YYYY", *spec.dates, *ctx.locale.dates))
    raise ValueProblem("not-a-date", f"not a date in a known format ({formats})")


#: the earliest year a date of the network may have (an opening, a closing): the oldest
#: third places (a library, a cultural centre) opened in the 19th century; "0000", "0012" or a
#: year before Christ is a mistake, never a date
EARLIEST_YEAR = 1800


def parse_plausible_date(raw: Any, spec: ColumnSpec, ctx: Context) -> list[Term]:
    """``parse_date``, refusing a year before ``EARLIEST_YEAR`` however it is written
    (0000, 0012-05, 01/01/0001, a negative year)."""
    try:
        terms = parse_date(raw, spec, ctx)
    except ValueProblem as problem:
        written_year = _LONE_YEAR.fullmatch(as_text(raw))
        if problem.code != "not-a-date" or written_year is None:
            raise
        terms = [Lit(written_year.group(), XSD + "gYear")]  # "0", "-12": a year, and too early
    for term in terms:
        lexical = term.lexical if isinstance(term, Lit) else ""
        year = _YEAR_OF.match(lexical)
        if year is None or int(year.group()) < EARLIEST_YEAR:
            raise ValueProblem(
                "implausible-year",
                f"the year {year.group() if year else lexical} is before {EARLIEST_YEAR}: no "
                "space of the network opened or closed then",
                year=year.group() if year else lexical,
                earliest=str(EARLIEST_YEAR),
            )
    return terms


#: the year a date's lexical form starts with (a minus sign for a year before Christ)
_YEAR_OF = re.compile(r"-?[0-9]+")
#: a year written alone with fewer than four digits, or before Christ ("0", "-12", "-0012")
_LONE_YEAR = re.compile(r"-[0-9]{1,4}|[0-9]{1,3}")


#: a day and a month in either order, then a four-digit year: 03/04/2019, 3.4.2019. (Croatian
#: ends a date with a dot), 3. 4. 2019., 03-04-2019
_DAY_MONTH_YEAR = re.compile(r"^([0-9]{1,2}) ?([./-]) ?([0-9]{1,2}) ?\2 ?([0-9]{4})\.?$")
#: a year first, then month and day, with slashes or dots: 2019/04/03, 2019.04.03.
_YEAR_MONTH_DAY = re.compile(r"^([0-9]{4})([./])([0-9]{1,2})\2([0-9]{1,2})\.?$")


@cache
def day_first(name: str | None) -> bool | None:
    """Whether a CLDR locale writes the day before the month (fr, it, es, el, hr, en_001) or
    after it (en_US); None for an unknown locale or one writing the year first."""
    if name is None:
        return None
    pattern = get_date_format("short", locale=name).pattern
    day, month, year = (pattern.find(sign) for sign in "dMy")
    if min(day, month) < 0 or 0 <= year < min(day, month):
        return None
    return day < month


def _real_date(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _local_date(text: str, ctx: Context) -> str | None:
    """A day written in a local order, as ISO; None when the text has no such form. Read in the
    source locale's order, which is no reinterpretation; in the other order when only that one
    is a real date, or with no locale when only one reading is real, and then reported; with
    two real readings and no locale, nothing is guessed."""
    order = day_first(ctx.locale.numbers)
    if match := _YEAR_MONTH_DAY.match(text):
        year, _mark, month, day = match.groups()
        result = _real_date(int(year), int(month), int(day))
        if result is None:
            raise _no_such_day(text, [(int(month), int(day))])
        return result  # year, month, day: the one order there is
    match = _DAY_MONTH_YEAR.match(text)
    if match is None:
        return None
    first, _mark, second, year = match.groups()
    readings = {
        True: _real_date(int(year), int(second), int(first)),  # day first
        False: _real_date(int(year), int(first), int(second)),  # month first
    }
    real = {first_is_day: day for first_is_day, day in readings.items() if day}
    if not real:
        raise _no_such_day(text, [(int(second), int(first)), (int(first), int(second))])
    if order is not None and order in real:
        return real[order]
    if len(set(real.values())) > 1:
        raise AmbiguousValue(
            "ambiguous-date",
            f"could be {real[True]} (day first) or {real[False]} (month first): the file's "
            "locale does not say which; left out",
            first=real[True],
            second=real[False],
        )
    result = next(iter(real.values()))
    ctx.notices.append(ValueProblem("date-read", f"read as {result}", result=result))
    return result


def _name_key(word: str) -> str:
    """A word as month names are compared: folded as the loaders fold a term (``tables.fold``:
    without case or accents), without a final dot ("Févr." and "fevr" alike; Greek "ΜΑΡΤΙΟΥ"
    as "Μαρτίου")."""
    return tables.fold(word).rstrip(".")


@cache
def month_names() -> dict[str, int]:
    """Every month name of the six languages, wide and abbreviated, as written in a date and
    alone (CLDR's, through Babel: Greek and Croatian write "1 Μαρτίου", "1. ožujka" but
    "Μάρτιος", "ožujak"), and the few more of ``tables/month-names.yaml``, keyed by
    ``_name_key``. A key that would name two months names none: it is not guessed (none does
    in these languages today; ``ambiguous_month_names`` lists any that comes)."""
    found = _month_numbers()
    return {key: next(iter(numbers)) for key, numbers in found.items() if len(numbers) == 1}


def ambiguous_month_names() -> dict[str, set[int]]:
    """The month names (keyed by ``_name_key``) that mean two months or more in the six
    languages, left out of ``month_names``."""
    return {key: numbers for key, numbers in _month_numbers().items() if len(numbers) > 1}


@cache
def _month_numbers() -> dict[str, set[int]]:
    """Every month name of ``month_names``, with each month number it has."""
    found: dict[str, set[int]] = {}
    for language in LANGUAGES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, language).items():
                    found.setdefault(_name_key(name), set()).add(number)
    for name, number in tables.table("month-names").items():
        found.setdefault(_name_key(name), set()).add(number)
    return found


#: the words a date in words may hold between its parts ("el 1 de marzo de 2018", "le 1er mars")
_DATE_LINKS = frozenset({"de", "del", "el", "il", "le", "of", "the"})
#: a day before or after a month's name, with the ordinal marks of the six languages after
#: ``_name_key`` ("1er", "1ᵉʳ", "1º" as 1o, "1.º", "1°", "1st", Croatian "1.")
_WORDED_DAY = re.compile(r"([0-9]{1,2})\.?(?:er|re|o|a|°|st|nd|rd|th|η|ης)?")
_WORDED_YEAR = re.compile(r"[0-9]{4}")


def worded_date(text: str) -> tuple[str, str] | None:
    """A date written with its month's name, as (lexical form, XSD datatype): "1er mars 2018",
    "1 de marzo de 2018", "1° marzo 2018", "1. ožujka 2018.", "1 Μαρτίου 2018", "March 1, 2018"
    are the day 2018-03-01; "septembre 2014", "sept. 2019", "Μάρτιος 2018" the month
    (gYearMonth). None for another text; ``no-such-day`` for "31 février 2019". The month's
    name says which number is the day, so nothing is guessed (stranger 88: "1er mars 2018"
    and "septembre 2014" were refused as no date)."""
    if len(text) > 40 or not any(char.isalpha() for char in text):
        return None
    keys = [_name_key(word) for word in re.split(r"[\s,]+", text) if word]
    keys = [key for key in keys if key not in _DATE_LINKS]
    names = month_names()
    at = [i for i, key in enumerate(keys) if key in names]
    if len(at) != 1 or at[0] == len(keys) - 1 or not _WORDED_YEAR.fullmatch(keys[-1]):
        return None
    month, year = names[keys[at[0]]], int(keys[-1])
    days = keys[: at[0]] + keys[at[0] + 1 : -1]
    if not days:
        return f"{year:04d}-{month:02d}", "gYearMonth"
    day = _WORDED_DAY.fullmatch(days[0]) if len(days) == 1 else None
    if day is None:
        return None
    result = _real_date(year, month, int(day.group(1)))
    if result is None:
        raise _no_such_day(text, [(month, int(day.group(1)))])
    return result, "date"


def _checked_date(lexical: str, fmt: str, text: str) -> None:
    if _formatted_date(lexical, fmt) is None:
        _year, month, day = lexical.split("-")
        raise _no_such_day(text, [(int(month), int(day))])


def _no_such_day(text: str, readings: list[tuple[int, int]]) -> ValueProblem:
    """The problem of a date that is no day: ``no-such-day`` when one of its ``readings``
    (month, day) names a month and a day a month may have (31/02/2019: February has no 31st),
    so the partner is told to check them; else ``not-a-date`` (32/01/2019, 13/13/2019). A
    French partner told only that 31/02/2018 "is not a date" did not see why (stranger 88)."""
    if any(1 <= month <= 12 and 1 <= day <= 31 for month, day in readings):
        return ValueProblem("no-such-day", f"{text} is not a day of the calendar")
    return ValueProblem("not-a-date", f"{text} is not a real date")


#: what ``strptime`` reads for each directive of a day's format (CPython's own patterns:
#: the same texts match, so the same verdicts; ``_formatted_date``)
_DATE_DIRECTIVES = {
    "d": r"(?P<d>3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9])",
    "m": r"(?P<m>1[0-2]|0[1-9]|[1-9])",
    "Y": r"(?P<Y>\d\d\d\d)",
    "y": r"(?P<y>\d\d)",
}
#: the literal marks a format may have between them to be read without ``strptime``
_DATE_MARKS = frozenset("/.-_,:;")


@lru_cache(maxsize=256)
def _date_pattern(fmt: str) -> re.Pattern[str] | None:
    """A format of days, months and years between marks as the regular expression
    ``strptime`` makes of it; None for any other format (month names, times, spaces...),
    which ``strptime`` reads itself."""
    pieces, seen, rest = [], set(), fmt
    while rest:
        if rest[0] == "%":
            directive = rest[1:2]
            if directive not in _DATE_DIRECTIVES or directive in seen:
                return None
            seen.add(directive)
            pieces.append(_DATE_DIRECTIVES[directive])
            rest = rest[2:]
        elif rest[0] in _DATE_MARKS:
            pieces.append(re.escape(rest[0]))
            rest = rest[1:]
        else:
            return None
    if len(seen & {"Y", "y"}) != 1:
        return None
    return re.compile("".join(pieces), re.IGNORECASE)


def _formatted_date(text: str, fmt: str) -> str | None:
    """The day ``text`` is in ``fmt`` (a ``strptime`` format), as ISO; None when it is not
    one. ``strptime`` itself is slow (it looks up the locale on every call: a third of a
    10,000-row validation's dates), so common formats are read by the same expression."""
    pattern = _date_pattern(fmt)
    if pattern is None:
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            return None
    match = pattern.match(text)
    if match is None or match.end() != len(text):
        return None
    parts = match.groupdict()
    if parts.get("Y") is not None:
        year = int(parts["Y"])
    else:
        year = int(parts["y"])
        year += 2000 if year <= 68 else 1900
    try:
        return dt.date(year, int(parts.get("m") or 1), int(parts.get("d") or 1)).isoformat()
    except ValueError:
        return None


_UNSAFE_IRI = re.compile(r"[\x00-\x20<>\"{}|\\^`\[\]]")
#: a character no host name (nor its port) holds: ``_UNSAFE_IRI``'s (but brackets: urlsplit
#: judges them) and any space or control character (no-break, zero-width)
_BAD_HOST = re.compile(r"[\x00-\x20\x7f-\xa0<>\"{}|\\^`\s\u200b-\u200f\u2028\u2029\ufeff]")
_WRITTEN_HOST = re.compile(r"^[a-z]+://([^/?#]*)", re.IGNORECASE)
#: Unicode's default-ignorable code points (DerivedCoreProperties.txt): drawn as nothing
_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
#: the general categories of characters a reader cannot see or tell from a space: controls,
#: format characters (soft hyphen, zero-width joiners, direction marks), separators
_UNSEEN_CATEGORIES = frozenset(("Cc", "Cf", "Zs", "Zl", "Zp"))
#: the characters outside printable ASCII, and the ASCII ones an IRI cannot hold as written
_NOT_PLAIN = re.compile(r"[^\x21-\x7e]|[<>\"{}|\\^`\[\]]")


def _unseen(char: str) -> bool:
    """Whether a character is invisible or a space: a control, format or separator character,
    or a default-ignorable one."""
    return unicodedata.category(char) in _UNSEEN_CATEGORIES or bool(_IGNORABLE.match(char))


def _encoded_iri(text: str) -> str:
    """A web address with what an IRI cannot hold, and every invisible character, percent-
    encoded (a zero-width space is a valid IRI character, but no one can see or type it)."""
    return _NOT_PLAIN.sub(lambda m: _escaped(m.group()), text)


def _escaped(char: str) -> str:
    """A character of a web address, percent-encoded when unsafe or unseen (``_encoded_iri``)."""
    return quote(char) if _UNSAFE_IRI.match(char) or _unseen(char) else char


def _host_problem(host: str) -> ValueProblem | None:
    """What is wrong with a host name as written, its percent-escapes decoded first (an
    encoded space is a space): a space, control, invisible or IRI-unsafe character, or an
    empty label (``example..org``; a final dot, the root's, is allowed)."""
    host = unquote(host)
    bad = _BAD_HOST.search(host) or next(
        (m for m in _NOT_PLAIN.finditer(host) if _unseen(m.group())), None
    )
    if bad:
        return ValueProblem(
            "malformed-url", f"a host name cannot hold {bad.group()!r}", character=bad.group()
        )
    name = host.rpartition("@")[2]
    name = name if name.startswith("[") else name.rsplit(":", 1)[0]
    if "" in name.removesuffix(".").split("."):
        return ValueProblem("malformed-url", f"the host name {name} has an empty label")
    return None


def parse_url(raw: Any, spec: ColumnSpec, ctx: Context) -> list[Term]:
    text = str(raw).strip()
    added = False  # a protocol neither the cell nor the mapping wrote: reported
    if not re.match(r"^https?://", text, re.IGNORECASE):
        if re.match(r"^[\w.-]+\.[a-z]{2,}(/.*)?$", text, re.IGNORECASE):
            text, added = f"{spec.scheme or 'https'}://{text}", spec.scheme is None
        else:
            raise ValueProblem("not-a-url", "not a web address (https://...)")
    try:
        parts = urlsplit(text)
    except ValueError:  # a bracket in the host: urlsplit takes it for an IPv6 address
        raise ValueProblem("not-a-url", "not a web address (https://...)") from None
    try:
        parts.port  # noqa: B018 (read for its check: a port of letters, or above 65535)
    except ValueError:
        raise ValueProblem("malformed-url", "a port that is not a number from 0 to 65535") from None
    if not parts.netloc or "." not in parts.netloc:
        raise ValueProblem("not-a-url", "a web address needs a domain name (https://example.org)")
    if "@" in parts.netloc:  # a user name or password: never published
        raise ValueProblem("url-with-credentials", "a web address with a user name or password")
    # the host as written: urlsplit drops tabs and line breaks, which a host cannot hold either
    host = _WRITTEN_HOST.match(text)
    if host and (problem := _host_problem(host.group(1))):  # no encoding mends a host
        raise problem
    iri = _encoded_iri(text)
    if added:  # stranger 89: "gandia-espaijove.example.org" was published with https://, unsaid
        ctx.notices.append(
            ValueProblem("url-scheme-added", f"published as {iri} (https:// added)", result=iri)
        )
    if iri != text:  # a reinterpretation: reported with what is published
        ctx.notices.append(
            ValueProblem("url-encoded", f"published as {iri} (percent-encoded)", result=iri)
        )
    try:  # the store's own IRI grammar (RFC 3987): a port of letters, a stray %, ...
        ox.NamedNode(iri)
    except ValueError as error:
        raise ValueProblem("malformed-url", f"not a valid IRI: {error}") from None
    return [Iri(iri)]


_EMAIL = re.compile(r"^[^@\s:<>\"]+@[^@\s<>\"]+\.[A-Za-z]{2,}$")


def parse_email(raw: Any, spec: ColumnSpec, ctx: Context) -> list[Term]:
    text = str(raw).strip()
    text = re.sub(r"^mailto:", "", text, flags=re.IGNORECASE).strip()
    if not _EMAIL.match(text):
        read = personal.normalised_email(text)  # "ana＠x.hr", "ana @ x.hr", "&#64;", "<ana@x.hr>"
        if read == text or not _EMAIL.match(read):
            raise _email_problem(text)
        ctx.notices.append(ValueProblem("email-read", f"read as {read}", result=read))
        text = read
    local, domain = text.rsplit("@", 1)
    return [Lit(f"{local}@{domain.lower()}")]


#: an e-mail address inside a cell's text ("Marie DURAND <marie.durand@lieu.fr>")
_EMAIL_INSIDE = re.compile(r"[^@\s:<>\"(),;]+@[^@\s<>\"(),;]+\.[^\W\d_]{2,}")
#: what a cell tells beside its e-mail address and what is not: brackets, quotes, separators
_AROUND_AN_EMAIL = re.compile(r"[\s<>\"'()\[\],;:.]+")


def _email_problem(text: str) -> ValueProblem:
    """What is wrong with a cell of an e-mail column that is not one address: several addresses
    (one per cell, or the mapping's ``split``), an address with a name or other words beside it
    (the address alone: a name beside it is a person's, never published), or no address."""
    found = _EMAIL_INSIDE.findall(text)
    if len(found) > 1:
        return ValueProblem(
            "several-emails",
            f"{len(found)} e-mail addresses in one cell: write one address per cell (or split the "
            "column in the mapping: split)",
        )
    if found and _AROUND_AN_EMAIL.sub("", text.replace(found[0], "")):
        return ValueProblem(
            "email-with-text",
            "an e-mail address with a name or other words beside it: write the address alone "
            "(name@domain.tld), without the name",
        )
    return ValueProblem("not-an-email", "not an e-mail address (name@domain.tld)")


def parse_phone(raw: Any, spec: ColumnSpec, ctx: Context) -> list[Term]:
    text = as_text(raw)
    region = ctx.country or ctx.locale.country
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as problem:
        if region is None and problem.error_type == problem.INVALID_COUNTRY_CODE:
            # stranger 89: six valid Croatian numbers of a file with no country column were
            # each told they were "not a telephone number of the country"
            raise ValueProblem(
                "phone-without-country",
                "no country code (+...) and no country for the record to read it in",
            ) from None
        raise ValueProblem("not-a-phone-number", "not a telephone number") from None
    if not phonenumbers.is_valid_number(number):
        padded = _phone_with_lost_zero(text, region)
        if padded is not None:  # an Italian 06 or 055 number saved as a number (stranger 90)
            raise _lost_zeros(padded)
        where = f" in {region}" if region else ""
        raise ValueProblem("not-a-phone-number", f"not a valid telephone number{where}")
    return [Lit(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))]


def _phone_with_lost_zero(text: str, region: str | None) -> str | None:
    """``text``, all digits and not a valid number of ``region``, with the 0 a spreadsheet
    drops from the start of a number put back, when that makes it valid; None otherwise."""
    if region is None or not text.isdigit():
        return None
    try:  # "01" in France is "001", France's international prefix and too short after it
        number = phonenumbers.parse(f"0{text}", region)
    except phonenumbers.NumberParseException:
        return None
    return f"0{text}" if phonenumbers.is_valid_number(number) else None


def parse_concept(raw: Any, spec: ColumnSpec, ctx: Context, codelist: str) -> list[Term]:
    if spec.when_true is not None:
        return [Iri(ctx.concepts.concept(codelist, spec.when_true))] if to_boolean(raw) else []
    language = spec.language or ctx.locale.language
    return [Iri(c) for c in ctx.concepts.match(codelist, as_text(raw), language, spec.synonyms)]


def postcode_readings(raw: Any, country: str | None) -> tuple[str, str | None]:
    """The postcode as written, and as zero-padded to the country's length when it is all digits
    and shorter (a spreadsheet drops leading zeros: 6000 for "06000"); None when padding does not
    apply."""
    text = as_text(raw).upper()
    digits = tables.countries().get(country or "", {}).get("digits")
    if digits and text.isdigit() and len(text) < digits:
        return text, text.zfill(digits)
    return text, None


def region_text(region: str) -> str:
    """A NUTS-3 region as a partner reads it: "Roma, ITI43" (its code alone when unnamed)."""
    name = enrich.region_name(region)
    return f"{name}, {region}" if name else region


def parse_postcode(raw: Any, spec: ColumnSpec, ctx: Context) -> list[Term]:
    """A postcode checked against the country's postcodes (Eurostat's table). A reading is real
    when it has the country's form and is in the table; padding is used only when the padded
    postcode is real and the written one is not, and is reported; a postcode in the right form
    but missing from the table is kept and reported; with both readings real nothing is guessed
    (the written one is kept, reported with both regions, and gives no region)."""
    country = ctx.country or ctx.locale.country
    written, padded = postcode_readings(raw, country)
    pattern = tables.countries().get(country or "", {}).get("postcode")
    if not country or not pattern:
        return [Lit(written)]
    regions = {
        reading: enrich.nuts3(country, reading)
        for reading in (written, padded)
        if reading is not None and re.fullmatch(pattern, reading)
    }
    real = {reading: region for reading, region in regions.items() if region}
    if written in real and padded in real:
        ctx.notices.append(
            ValueProblem(
                "ambiguous-postcode",
                f"both {written} ({region_text(real[written])}) and {padded} "
                f"({region_text(real[padded])}) are postcodes of {country}; "
                "kept as written, no region inferred",
                result=padded,
                region=region_text(real[written]),
                other_region=region_text(real[padded]),
            )
        )
        return [Lit(written)]
    if padded in real:
        ctx.notices.append(
            ValueProblem(
                "postcode-padded",
                f"read as {padded} ({region_text(real[padded])}): zeros added in front",
                result=padded,
                region=region_text(real[padded]),
            )
        )
        return [Lit(padded)]
    if written in regions:
        if written not in real:
            ctx.notices.append(
                ValueProblem(
                    "unknown-postcode",
                    f"not among the postcodes of {country} (Eurostat); no region inferred",
                )
            )
        return [Lit(written)]
    tried = f" (nor is {padded}, with zeros in front)" if padded else ""
    digits = tables.countries()[country].get("digits")
    form = {"hint": "postcode-digits", "country": country, "digits": str(digits)} if digits else {}
    raise ValueProblem("not-a-postcode", f"not a postcode of {country}{tried}", **form)


class UnknownRegion(ValueProblem):
    """A NUTS-3 code of the right form that names no region of the reference (NUTS 2021), or
    one of another country than the record's: left out with a warning, the region then found
    from the coordinates or the postcode (stranger 80: EL300, HR041, NUTS 2016 codes, and
    HR035 on a Greek record, were published as the place's region)."""

    severity = "warning"


def parse_nuts(raw: Any, spec: ColumnSpec, ctx: Context) -> list[Term]:
    code = as_text(raw).upper().removeprefix(NUTS.upper())
    # a code of another form is left out too, not the record (stranger 82: "ES 300", "ES30"
    # held back a record whose postcode gives its region)
    if code.startswith("GR"):
        raise UnknownRegion("not-a-nuts-code", "Greece is EL in NUTS codes, not GR; left out")
    if not re.fullmatch(r"[A-Z]{2}[0-9A-Z]{3}", code):
        raise UnknownRegion(
            "not-a-nuts-code", "not a NUTS level 3 code (two letters, three signs); left out"
        )
    country = ctx.country
    prefix = tables.countries()[country]["nuts"] if country in tables.countries() else None
    if country is not None and prefix is not None and not code.startswith(prefix):
        raise UnknownRegion(
            "nuts-other-country",
            f"a region of another country than {country}; left out",
            country=country,
            prefix=prefix,
        )
    if code not in enrich.figures():
        raise UnknownRegion(
            "unknown-nuts-code",
            "no NUTS-3 region of the reference (NUTS 2021) has this code: an older or mistyped "
            "code; left out",
        )
    return [Iri(NUTS + code)]


_OSM_ELEMENT = re.compile(
    r"^(?:https?://(?:www\.)?openstreetmap\.org/)?(node|way|relation|[nwr])[/ ]?([1-9][0-9]*)$"
)
_OSM_TYPES = {"n": "node", "w": "way", "r": "relation"}


def parse_osm(raw: Any, spec: ColumnSpec, ctx: Context) -> list[Term]:
    """An OpenStreetMap element: ``node/123``, ``way 45``, ``r678`` or its openstreetmap.org URL."""
    match = _OSM_ELEMENT.match(as_text(raw).lower())
    if match is None:
        raise ValueProblem(
            "not-an-osm-element", "not an OpenStreetMap element (node/123, way/45 or relation/678)"
        )
    kind, number = match.groups()
    return [Iri(f"{OSM}{_OSM_TYPES.get(kind, kind)}/{number}")]


_WIKIDATA_ITEM = re.compile(
    r"^(?:https?://(?:www\.)?wikidata\.org/(?:wiki|entity)/)?Q([1-9][0-9]*)$", re.IGNORECASE
)


def parse_wikidata(raw: Any, spec: ColumnSpec, ctx: Context) -> list[Term]:
    """A Wikidata item: ``Q25205858`` or its wikidata.org page or entity IRI."""
    match = _WIKIDATA_ITEM.match(as_text(raw))
    if match is None:
        raise ValueProblem("not-a-wikidata-item", "not a Wikidata item (Q followed by its number)")
    return [Iri(f"{WIKIDATA}Q{match.group(1)}")]


def known_country(raw: Any) -> str | None:
    """The ISO code of a country of the network written in any usual way, or None."""
    return tables.country_names().get(tables.fold(as_text(raw)))


def country_code(raw: Any) -> str:
    """The ISO code of a country as written (its code, ISO-3 code or name in a language of the
    network); a text naming none is refused, naming the network's countries (the setting)."""
    try:
        return tables.country_names()[tables.fold(as_text(raw))]
    except KeyError:
        network = ", ".join(territory.network_countries())
        raise ValueProblem(
            "unknown-country", f"not a country of the network ({network})", network=network
        ) from None


def parse_country(raw: Any, spec: ColumnSpec, ctx: Context) -> list[Term]:
    return [Iri(EU_COUNTRY + tables.countries()[country_code(raw)]["eu"])]


def _coordinate(raw: Any, ctx: Context, low: float, high: float, name: str) -> Decimal:
    value = to_decimal(raw, ctx.locale, ctx.notices, grouped=False, units=column_units(name))
    if not low <= value <= high:
        raise ValueProblem(
            "out-of-range",
            f"a {name} lies between {low} and {high}",
            low=f"{low:g}",
            high=f"{high:g}",
        )
    return value


def parse_latitude(raw: Any, spec: ColumnSpec, ctx: Context) -> list[Term]:
    return [Lit(_decimal_lexical(_coordinate(raw, ctx, -90, 90, "latitude")), XSD + "decimal")]


def parse_longitude(raw: Any, spec: ColumnSpec, ctx: Context) -> list[Term]:
    return [Lit(_decimal_lexical(_coordinate(raw, ctx, -180, 180, "longitude")), XSD + "decimal")]


_WKT_POINT = re.compile(r"^\s*POINT\s*\(\s*(\S+)\s+(\S+)\s*\)\s*$", re.IGNORECASE)


def coordinate_pair(raw: Any, spec: ColumnSpec, ctx: Context) -> tuple[Term, Term]:
    """(latitude, longitude) from "lat, lon", a WKT point or a JSON [lon, lat] array."""
    if isinstance(raw, list | tuple):
        if len(raw) < 2:
            raise ValueProblem("not-coordinates", "a coordinate pair needs two numbers")
        first, second = raw[0], raw[1]
        order = spec.order or "lonlat"
    elif match := _WKT_POINT.match(str(raw)):
        first, second = match.groups()
        order = "lonlat"
    else:
        parts = (
            re.split(r"[;,]\s*|\s+", str(raw).strip())
            if number_marks(ctx.locale)[0] == "."
            else re.split(r";\s*|\s+", str(raw).strip())
        )
        if len(parts) != 2:
            raise ValueProblem("not-coordinates", "write coordinates as 'latitude, longitude'")
        first, second = parts
        order = spec.order or "latlon"
    lat, lon = (first, second) if order == "latlon" else (second, first)
    return parse_latitude(lat, spec, ctx)[0], parse_longitude(lon, spec, ctx)[0]


def parse_identifier(raw: Any, spec: ColumnSpec, ctx: Context, check: str | None) -> list[Term]:
    if check is None:
        text = as_text(raw)
        return [Lit(text)] if text else []
    value = identifiers.normalise(check, as_text(raw))
    if identifiers.is_valid(check, value):
        current = identifiers.current_form(check, value)
        if current != value:  # an AFM of the old 8 digits
            ctx.notices.append(
                ValueProblem("identifier-read", f"read as {current}", result=current)
            )
        return [Lit(current)]
    padded = identifiers.with_lost_zeros(check, value)
    if padded is not None:
        raise _lost_zeros(padded)
    raise ValueProblem("bad-identifier", f"not a valid {check.replace('_', ' ').upper()} number")


def _lost_zeros(padded: str) -> ValueProblem:
    """The problem of a number a spreadsheet stripped of its leading zeros, ``padded`` being
    the number with them, which is valid: the partner is told, nothing is published."""
    reason = f"not valid as written, but {padded} is: a spreadsheet drops leading zeros"
    return ValueProblem("lost-leading-zeros", reason, padded=padded)


@cache
def _degurba() -> dict[str, str]:
    """Eurostat's degree of urbanisation (class "1", "2" or "3") of each municipality of the
    network's countries, by LAU code with its country prefix ("FR75056"): 2014 classification,
    French codes as INSEE wrote them in 2014 (tables/degurba-lau-2014.json)."""
    with open(tables.TABLES_DIR / "degurba-lau-2014.json", encoding="utf-8") as handle:
        classes: dict[str, list[str]] = json.load(handle)["classes"]
    return {code: degree for degree, codes in classes.items() for code in codes}


@cache
def _districts() -> dict[str, list[tuple[re.Pattern[str], str]]]:
    """By country, the municipal districts whose codes stand for their municipality."""
    return {
        country: [(re.compile(pattern), municipality) for pattern, municipality in rows.items()]
        for country, rows in tables.table("municipal-districts").items()
    }


def municipality_key(country: str, code: str) -> str:
    """The key of a municipality in the degree-of-urbanisation table: its LAU code with the
    country's NUTS prefix, a municipal district read as its municipality ("75110" in FR ->
    "FR75056")."""
    prefix = tables.countries()[country]["nuts"]
    code = code.strip().upper().removeprefix(prefix)
    for pattern, municipality in _districts().get(country, []):
        if pattern.fullmatch(code):
            return prefix + municipality
    return prefix + code


def parse_municipality_code(raw: Any, spec: ColumnSpec, ctx: Context) -> list[Term]:
    """The degree of urbanisation of the municipality whose code (LAU; INSEE in France) the cell
    gives, from Eurostat's 2014 table. A code the table does not have (a municipality created or
    merged since 2014, a code of another country) gives none and is reported."""
    text = as_text(raw)
    country = ctx.country or ctx.locale.country
    if not text or not country or country not in tables.countries():
        return []
    degree = _degurba().get(municipality_key(country, text))
    if degree is None:
        ctx.notices.append(
            ValueProblem(
                "unknown-municipality-code",
                f"{text} is not a municipality of {country} in Eurostat's degree of "
                "urbanisation table (2014): no degree of urbanisation is given",
                country=country,
            )
        )
        return []
    return [Iri(ctx.concepts.concept("degree-of-urbanisation", degree))]


#: kind (fields.yaml) -> parser. Kinds needing more than (raw, spec, ctx) are bound in
#: ``parser_for``; coordinates and address fill several fields and are handled by the records.
PARSERS: dict[str, Parser] = {
    "text": parse_text,
    "text_lang": parse_text_lang,
    "integer": parse_integer,
    "decimal": parse_decimal,
    "boolean": parse_boolean,
    "date": parse_plausible_date,
    "url": parse_url,
    "email": parse_email,
    "phone": parse_phone,
    "postcode": parse_postcode,
    "nuts": parse_nuts,
    "municipality_code": parse_municipality_code,
    "country": parse_country,
    "latitude": parse_latitude,
    "longitude": parse_longitude,
    "osm": parse_osm,
    "wikidata": parse_wikidata,
}


@cache
def parser_for(field_name: str) -> Parser:
    """The parser of a field, from the field table."""
    definition = tables.fields()[field_name]
    kind = definition["kind"]
    if kind == "concept":
        codelist = definition["codelist"]
        return lambda raw, spec, ctx: parse_concept(raw, spec, ctx, codelist)
    if kind == "identifier":
        check = definition.get("check")
        return lambda raw, spec, ctx: parse_identifier(raw, spec, ctx, check)
    if kind in ("price", "opening_hours"):
        # their own modules, which use the helpers above (imported here, not at the top)
        from loaders import hours, prices

        if kind == "opening_hours":
            return _or_when_true(hours.parse_opening_hours)
        unit = definition.get("unit")
        return _or_when_true(lambda raw, spec, ctx: prices.parse_price(raw, spec, ctx, unit))
    return _or_when_true(PARSERS[kind])


def _or_when_true(parser: Parser) -> Parser:
    """The parser, or, for a yes/no column with ``when_true``, the value it names when the cell
    says yes (a network's name, a Wikidata item...; code lists do this in ``parse_concept``)."""

    def parse(raw: Any, spec: ColumnSpec, ctx: Context) -> list[Term]:
        if spec.when_true is None:
            return parser(raw, spec, ctx)
        if not to_boolean(raw):
            return []
        return parser(spec.when_true, dataclasses.replace(spec, when_true=None), ctx)

    return parse
