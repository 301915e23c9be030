"""The words of reports and templates in the six languages (messages.yaml), with English as the
fallback for anything a language lacks; loaded and looked up through ``core.translations``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from babel import Locale
from babel.numbers import format_decimal

from core.translations import (
    in_language,
    load_catalogue,
    quoted,
    spaced_guillemets,
    unquoted,
    words,
)

CATALOGUE_FILE = Path(__file__).parent / "messages.yaml"


class _Blank(dict):
    """Placeholders a problem has no value for are left out rather than failing."""

    def __missing__(self, key: str) -> str:
        return "…"


def catalogue() -> dict[str, dict[str, dict[str, str]]]:
    return load_catalogue(CATALOGUE_FILE)


def problem_message(code: str, lang: str, **values: Any) -> str | None:
    """The sentence for a problem code, filled with ``values``; None for an unknown code."""
    template = problem_template(code, lang)
    if template is None:
        return None
    values = {**values, **worded(code, lang, values)}
    shown = {
        k: quoted(f"{v}", lang) if k in QUOTED else v for k, v in values.items() if v is not None
    }
    return spaced_guillemets(template.format_map(_Blank(shown)), lang)


def worded(code: str, lang: str, values: dict[str, Any]) -> dict[str, str]:
    """The placeholders of problem ``code`` whose ``values`` are codes a reader is told in
    words (``value_words`` in messages.yaml: a price's period MON is "mois" in French, where
    a French sentence said "il est publié par MON", stranger 88)."""
    table: dict[str, Any] = load_catalogue(CATALOGUE_FILE)["value_words"]
    said = {}
    for name, kind in table["placeholders"].get(code, {}).items():
        texts = table["words"][kind].get(f"{values.get(name)}")
        if texts is not None:
            said[name] = in_language(texts, lang)
    return said


def problem_template(code: str, lang: str) -> str | None:
    """The sentence of a problem code with its placeholders ("{value}"); None for an unknown
    code."""
    texts = catalogue()["problems"].get(code)
    return None if texts is None else in_language(texts, lang)


#: the placeholders a sentence quotes (``problem_message``): «value», « value » in French;
#: a quoted value is left out of what the public reads (``publishing.held_back``)
QUOTED = ("value", "column", "padded")


def shared_values(template: str, messages: set[str]) -> dict[str, str]:
    """The placeholders of ``template`` that every one of ``messages`` (each ``template``
    filled) fills alike, with their values: what a line grouping them can still say ("read in
    EUR") where the values differ (stranger 85: "il a été lu en …"). Empty when a message is
    not the template filled, or a placeholder comes twice."""
    parts = re.split(r"\{(\w+)\}", template)
    names = parts[1::2]
    if not names or len(set(names)) < len(names):
        return {}
    pattern = "".join(re.escape(part) if i % 2 == 0 else "(.*?)" for i, part in enumerate(parts))
    matched = [re.fullmatch(pattern, message, re.S) for message in messages]
    if not all(matched):
        return {}
    shared: dict[str, str] = {}
    for i, name in enumerate(names, start=1):
        found = {match.group(i) for match in matched if match is not None}
        if len(found) == 1:
            value = found.pop()
            inner = unquoted(value) if name in QUOTED else None
            shared[name] = value if inner is None else inner
    return shared


def ui(key: str, lang: str) -> str:
    """A word of the report or the template."""
    return in_language(catalogue()["ui"][key], lang)


def ui_words(lang: str) -> dict[str, str]:
    """Every word of the report, in one language (for templates)."""
    return words(catalogue()["ui"], lang)


def plural_forms(lang: str) -> set[str]:
    """The CLDR plural forms of ``lang`` (babel's rules): "other" and those it has besides."""
    return {"other", *Locale.parse(lang).plural_form.tags}


def counted(key: str, lang: str, count: int, **values: object) -> str:
    """Words said with a number (``counted`` in messages.yaml) in the plural form CLDR gives
    ``count`` in ``lang`` (Croatian: u 1 retku, u 3 retka, u 5 redaka), filled with ``values``;
    the number written as ``lang`` writes it ("1,512", "1 512", "1.512")."""
    forms: dict[str, dict[str, str]] = load_catalogue(CATALOGUE_FILE)["counted"][key]
    texts = forms.get(lang) or forms["en"]
    locale = Locale.parse(lang if lang in forms else "en")
    written = format_decimal(count, locale=locale)
    return str(texts.get(locale.plural_form(count)) or texts["other"]).format(
        count=written, **values
    )
