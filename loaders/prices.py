"""Prices as partners write them ("175 €/mois", "$175\\month", "100 kn mjesečno"): the amount,
its currency (ISO 4217) and the period it pays for (UN/CEFACT code), read word by word from the
tables in ``loaders/tables/prices.yaml``.

A currency or period the value does not give comes from the mapping's ``currency:`` or
``period:`` (reported as a notice, unless the column's header names the currency: "(EUR)"),
or for the period from the field itself (``day_price`` is a price per day); a value whose
currency or period cannot be read is a problem, never a guess.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from core.problems import ValueProblem
from loaders import tables
from loaders.values import (
    UNTOLD_CURRENCY,
    Amount,
    ColumnSpec,
    Context,
    Price,
    Term,
    _decimal_lexical,
    as_text,
    to_decimal,
)

#: the number of a price, taken out before its words are read (to_decimal reads the number)
_AMOUNT = re.compile(r"[0-9][0-9 .,'\u00a0\u202f]*")
#: a word, or a sign that is neither a letter, a digit, a space nor a separator ("€", "$")
_TOKEN = re.compile(r"[^\W\d_]+|[^\w\s./\\,;:()\-+]")

PERIOD_NAMES = {"HUR": "hour", "DAY": "day", "WEE": "week", "MON": "month", "ANN": "year"}


@cache
def _words(section: str) -> dict[str, str]:
    """Folded word -> code, for the currencies or the periods."""
    return {
        tables.fold(str(word)): code
        for code, words in tables.table("prices")[section].items()
        for word in words
    }


@cache
def _fillers() -> frozenset[str]:
    return frozenset(tables.fold(str(word)) for word in tables.table("prices")["fillers"])


def currency_named(word: str) -> str | None:
    """The ISO 4217 code of the currency a word or sign names ("£", "kn", "CHF"), or None."""
    return _words("currencies").get(tables.fold(word))


def is_unit_in_formats(word: str) -> bool:
    """Whether a currency's word is also a unit a number format may show (``km``): there it
    names the currency only in capitals (``loaders.workbook.format_currency``)."""
    return tables.fold(word) in _units_alike()


def locale_currency(sign: str, locale_id: str) -> str | None:
    """The ISO 4217 code of the currency a number format's tag ``[$sign-LCID]`` names: the
    sign's own when it names one currency alone (€, £, CHF), else the locale's when the sign is
    one of its (``$`` in en-AU, C09: AUD; ``locale_currencies``); None otherwise (a sign the
    loader does not know, or one several currencies share in a locale the table does not know:
    ``is_shared_sign``)."""
    named = currency_named(sign)
    if named is not None and not is_shared_sign(sign):
        return named
    found = tables.table("prices")["locale_currencies"].get(locale_id.upper().lstrip("0"))
    if found is not None and tables.fold(sign) in {tables.fold(str(s)) for s in found["signs"]}:
        currency: str = found["currency"]
        return currency
    return None


def is_shared_sign(sign: str) -> bool:
    """Whether several currencies write ``sign`` ($: USD, AUD, CAD...; ``shared_signs``)."""
    return tables.fold(sign) in _shared_signs()


@cache
def _shared_signs() -> frozenset[str]:
    return frozenset(tables.fold(str(sign)) for sign in tables.table("prices")["shared_signs"])


@cache
def _units_alike() -> frozenset[str]:
    return frozenset(tables.fold(str(word)) for word in tables.table("prices")["units_alike"])


def obsolete(currency: str) -> dict[str, str] | None:
    """What replaced a currency no longer in use (HRK: EUR since 2023), or None."""
    found: dict[str, str] | None = tables.table("prices")["obsolete"].get(currency)
    return found


def read_words(text: str) -> tuple[set[str], set[str]]:
    """The currencies and periods named by the words of a price without its number; a word that
    is neither (nor a filler) is a problem naming it."""
    currencies, periods, filler_periods = set(), set(), set()
    for token in _TOKEN.findall(_AMOUNT.sub(" ", text)):
        word = tables.fold(token)
        if word in _words("currencies"):
            currencies.add(_words("currencies")[word])
        elif word in _fillers():
            if word in _words("periods"):
                filler_periods.add(_words("periods")[word])
        elif word in _words("periods"):
            periods.add(_words("periods")[word])
        else:
            raise ValueProblem(
                "unreadable-price",
                f"{token!r} is neither a currency nor a period of a price",
                word=token,
            )
    return currencies, periods or filler_periods


def header_names(spec: ColumnSpec, currency: str) -> bool:
    """Whether the file's own column header names the currency ("Day price (EUR)"): then a bare
    number in it is in that currency as the partner wrote it, and nothing is reported."""
    return all(
        currency in {_words("currencies").get(tables.fold(t)) for t in _TOKEN.findall(source)}
        for source in spec.sources
    )


def _one(found: set[str], what: str) -> str | None:
    if len(found) > 1:
        raise ValueProblem(
            "unreadable-price",
            f"several {what} in one price: {', '.join(sorted(found))}",
            word=", ".join(sorted(found)),
        )
    return next(iter(found), None)


def parse_price(raw: Any, spec: ColumnSpec, ctx: Context, field_unit: str | None) -> list[Term]:
    """A price with its currency and period; see the module's docstring for what fills a gap. A
    spreadsheet cell formatted as a sum of money (``Amount``) has its own number and currency."""
    text = as_text(raw) if isinstance(raw, str) else ""
    if isinstance(raw, Amount) and raw.currency == UNTOLD_CURRENCY:
        return [_untold_currency(raw, spec, ctx, field_unit)]
    if isinstance(raw, Amount):
        amount, text = raw.number, raw.currency
    elif text and tables.fold(text).strip(" .!") in _free_words():
        currency = spec.currency or tables.table("prices")["free_currency"]
        period = _default_period(spec, ctx, field_unit)
        ctx.notices.append(ValueProblem("price-free", "free: read as a price of 0", result="0"))
        return [Price("0.0", currency, period)]
    else:
        amount = to_decimal(raw, ctx.locale, ctx.notices)
    if amount < 0:
        raise ValueProblem("negative-price", "a price cannot be negative")
    currencies, periods = read_words(text) if text else (set(), set())
    currency = _one(currencies, "currencies")
    if currency is None:
        if spec.currency is None:
            raise ValueProblem(
                "price-without-currency",
                "no currency in this price, and the mapping gives none (currency: EUR)",
            )
        currency = spec.currency
        if not header_names(spec, currency):
            ctx.notices.append(
                ValueProblem(
                    "price-currency-default",
                    f"no currency written: read as {currency}, the mapping's",
                    result=currency,
                )
            )
    replaced = obsolete(currency)
    if replaced:
        ctx.notices.append(
            ValueProblem(
                "obsolete-currency",
                f"{currency} is no longer in use ({replaced['replaced_by']} since "
                f"{replaced['since']}); kept as written, not converted",
                result=currency,
                replaced_by=replaced["replaced_by"],
                since=replaced["since"],
            )
        )
    unit = _one(periods, "periods")
    if unit is None:
        unit = _default_period(spec, ctx, field_unit)
    elif field_unit and unit != field_unit:
        ctx.notices.append(
            ValueProblem(
                "price-period-differs",
                f"the price is per {PERIOD_NAMES[unit]}, though the column is a price per "
                f"{PERIOD_NAMES[field_unit]}: read per {PERIOD_NAMES[unit]}",
                result=unit,
                column_unit=field_unit,
            )
        )
    return [Price(_decimal_lexical(amount), currency, unit)]


def _untold_currency(raw: Amount, spec: ColumnSpec, ctx: Context, field_unit: str | None) -> Price:
    """A cell whose number format shows a sum of money without telling which currency (Excel's
    built-in currency formats show the currency of the computer that opens the file): its
    number, in the mapping's currency said so, else a problem; never a currency guessed."""
    if raw.number < 0:
        raise ValueProblem("negative-price", "a price cannot be negative")
    if spec.currency is None:
        raise ValueProblem(
            "price-currency-untold",
            f"the cell's number format ({raw.number_format}) shows a sum of money but not its "
            "currency, and the mapping gives none (currency: EUR)",
            format=raw.number_format,
        )
    ctx.notices.append(
        ValueProblem(
            "price-currency-format-default",
            f"the cell's number format ({raw.number_format}) does not tell the currency: read as "
            f"{spec.currency}, the mapping's",
            result=spec.currency,
            format=raw.number_format,
        )
    )
    unit = _default_period(spec, ctx, field_unit)
    return Price(_decimal_lexical(raw.number), spec.currency, unit)


@cache
def _free_words() -> frozenset[str]:
    """The words for "free" (a price of 0)."""
    return frozenset(tables.fold(str(word)) for word in tables.table("prices")["free"])


def _default_period(spec: ColumnSpec, ctx: Context, field_unit: str | None) -> str:
    """The period of a price that writes none: the field's own (a day price), else the
    mapping's (reported), else a problem."""
    if field_unit:
        return field_unit
    if spec.period is None:
        raise ValueProblem(
            "price-without-period",
            "no period in this price (per day, per month...), and the mapping gives none",
        )
    ctx.notices.append(
        ValueProblem(
            "price-period-default",
            f"no period written: read as per {PERIOD_NAMES[spec.period]}, the mapping's",
            result=spec.period,
        )
    )
    return spec.period
