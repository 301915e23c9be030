"""The words of reports and templates in the six languages (messages.yaml), with English as the
fallback for anything a language lacks; loaded and looked up through ``core.translations``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel import Locale
from babel.numbers import format_decimal

from core.translations import in_language, load_catalogue, words

CATALOGUE_FILE = Path(__file__).parent / "messages.yaml"


class _Blank(dict):
    """Placeholders a problem has no value for are left out rather than failing."""

    def __missing__(self, key: str) -> str:
        return "…"


def catalogue() -> dict[str, dict[str, dict[str, str]]]:
    return load_catalogue(CATALOGUE_FILE)


def problem_message(code: str, lang: str, **values: Any) -> str | None:
    """The sentence for a problem code, filled with ``values``; None for an unknown code."""
    texts = catalogue()["problems"].get(code)
    if texts is None:
        return None
    shown = {
        k: f"«{v}»" if k in ("value", "column") else v for k, v in values.items() if v is not None
    }
    return in_language(texts, lang).format_map(_Blank(shown))


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
