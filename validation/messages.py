"""The words of reports and templates in the six languages (messages.yaml), with English as the
fallback for anything a language lacks."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from core.vocabulary import LANGUAGES

CATALOGUE_FILE = Path(__file__).parent / "messages.yaml"


class _Blank(dict):
    """Placeholders a problem has no value for are left out rather than failing."""

    def __missing__(self, key: str) -> str:
        return "…"


@cache
def catalogue() -> dict[str, dict[str, dict[str, str]]]:
    return yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))


def language(requested: str | None) -> str:
    """One of the six languages: the requested one, else English."""
    return requested if requested in LANGUAGES else "en"


def _pick(texts: dict[str, str], lang: str) -> str:
    return texts.get(lang) or texts["en"]


def problem_message(code: str, lang: str, **values: Any) -> str | None:
    """The sentence for a problem code, filled with ``values``; None for an unknown code."""
    texts = catalogue()["problems"].get(code)
    if texts is None:
        return None
    shown = {
        k: f"«{v}»" if k in ("value", "column") else v for k, v in values.items() if v is not None
    }
    return _pick(texts, lang).format_map(_Blank(shown))


def ui(key: str, lang: str) -> str:
    """A word of the report or the template."""
    return _pick(catalogue()["ui"][key], lang)


def ui_words(lang: str) -> dict[str, str]:
    """Every word of the report, in one language (for templates)."""
    return {key: _pick(texts, lang) for key, texts in catalogue()["ui"].items()}
