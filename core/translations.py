"""The words of the service in the six languages: one loader of the catalogues, one picker of the
reader's language, and one lookup that falls back to English.

A catalogue is a YAML file kept beside the package whose words it holds (``validation/
messages.yaml`` for the reports and the template, ``endpoint/resource-page.yaml`` for the resource
pages, ``observatory.yaml`` for the dashboard), because each also holds that package's tables (the
groups of facts, the figures and filters) next to their labels. A translated text is a mapping
from language to text (``{en: ..., fr: ..., ...}``); English is the fallback of every lookup.

Nothing here knows about requests: the web layer hands over the ``lang`` parameter and the text
of the Accept-Language header.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import unicodedata
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from babel.dates import format_date, format_skeleton
from babel.numbers import get_decimal_symbol

from core.vocabulary import LANGUAGES

#: a translated text: language -> text
Texts = Mapping[str, str]


#: the catalogues read so far, by path, and the lock their first reading holds
_CATALOGUES: dict[Path, Any] = {}
_READING = threading.Lock()


def load_catalogue(path: Path) -> Any:
    """A catalogue as read from its YAML file, read once, by one thread: the others wait for
    it (stranger 61: 20 uploads at once to a server just started each read the reports'
    catalogue, 18 MB of Python objects each, and the server kept the 400 MB it grew by);
    callers must not change it."""
    found = _CATALOGUES.get(path)
    if found is None:
        with _READING:
            found = _CATALOGUES.get(path)
            if found is None:
                loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, if there
                found = _CATALOGUES[path] = yaml.load(
                    path.read_text(encoding="utf-8"), Loader=loader
                )
    return found


def language_code(text: str | None) -> str | None:
    """One of the six languages as a reader may write it in a ``lang`` parameter (``el``,
    ``EL``, ``el-GR``, ``el_GR``), else None: a value that names none of them is ignored, so the
    reader's cookie or browser language still counts."""
    if not text:
        return None
    code = text.strip().replace("_", "-").split("-", 1)[0].lower()
    return code if code in LANGUAGES else None


def language(requested: str | None, accept_language: str | None = None) -> str:
    """The reader's language: the one asked for (a ``lang`` parameter) when given, else the best
    of the six in the Accept-Language header text; English when that is none of the six."""
    code = language_code(requested)
    if code or not accept_language:
        return code or "en"
    # imported here: the command line, which never has a header, does without werkzeug (0.15 s)
    from werkzeug.datastructures import LanguageAccept
    from werkzeug.http import parse_accept_header

    # each range by its primary subtag (RFC 4647 lookup: fr-CA takes fr), the best weighed
    # first: werkzeug's best_match takes a prefix only when nothing matched whole, so
    # "fr-CA, el;q=0.5" gave Greek (stranger 72). "*" weighs each language no range names
    # (RFC 9110 12.5.4): "en;q=0, *" gave English (stranger 110). A refusal (q=0) refuses
    # what its range matches: "en" refuses en, "en-GB" only English as written in Britain,
    # which is not the en served (RFC 4647 3.3.1; stranger 111)
    named: dict[str, float] = {}  # in the header's order, best weighed first
    refused: set[str] = set()
    anything = 0.0
    for tag, quality in parse_accept_header(accept_language, LanguageAccept):
        primary, _, subtags = tag.lower().replace("_", "-").partition("-")
        if primary == "*":
            anything = max(anything, quality)
        elif primary in LANGUAGES and quality > 0:
            named[primary] = max(named.get(primary, 0.0), quality)
        elif primary in LANGUAGES and not subtags:
            refused.add(primary)
    weighed = [*named.items()] + [
        (code, 0.0 if code in refused else anything) for code in LANGUAGES if code not in named
    ]
    best = max(quality for _code, quality in weighed)
    return next((code for code, quality in weighed if quality == best > 0), "en")


def in_language(texts: Texts, lang: str) -> str:
    """A translated text in ``lang``, or in English when it has none in that language."""
    return texts.get(lang) or texts["en"]


def words(section: Mapping[str, Texts], lang: str) -> dict[str, str]:
    """Every text of a section of a catalogue (its ``words``), in one language."""
    return {key: in_language(texts, lang) for key, texts in section.items()}


def _is_texts(node: Any) -> bool:
    return (
        isinstance(node, dict)
        and bool(node)
        and all(key in LANGUAGES and isinstance(text, str) for key, text in node.items())
    )


def translated_texts(node: Any, place: str = "") -> Iterator[tuple[str, Texts]]:
    """Every translated text of a catalogue with its place in it (``figures/01-country/title``)."""
    if _is_texts(node):
        yield place, node
    elif isinstance(node, dict):
        for key, child in node.items():
            yield from translated_texts(child, f"{place}/{key}" if place else str(key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from translated_texts(child, f"{place}/{index}" if place else str(index))


def missing_languages(catalogue: Any) -> dict[str, list[str]]:
    """The texts of a catalogue that lack some of the six languages: place -> those languages."""
    found = {
        place: [lang for lang in LANGUAGES if not texts.get(lang)]
        for place, texts in translated_texts(catalogue)
    }
    return {place: missing for place, missing in found.items() if missing}


# ---------------------------------------------------------------- one voice per language (#18)

_PLACEHOLDER = re.compile(r"\{\{?[^{}]*\}?\}")


def prose(text: str) -> str:
    """A text without its ``{placeholders}``, which are names for the code, never words."""
    return _PLACEHOLDER.sub(" ", text)


def term_breaches(text: str, lang: str, concepts: Mapping[str, Any]) -> list[str]:
    """The variants a glossary's ``concepts`` mark as not chosen in ``lang`` that ``text`` uses:
    each is the start of a word, in any case (``preslikavanj`` finds ``Preslikavanjem``)."""
    folded = prose(text).casefold()
    return [
        variant
        for concept in concepts.values()
        for variant in concept.get(lang, {}).get("not", [])
        if re.search(rf"(?<!\w){re.escape(variant.casefold())}", folded)
    ]


def _sentence_start(before: str) -> bool:
    return not before.strip() or before.rstrip()[-1] in ".!?"


def address_breaches(text: str, lang: str, address: Mapping[str, Any]) -> list[str]:
    """The words of another form of address than the one the glossary's ``address`` chose for
    ``lang`` that ``text`` uses: ``not`` anywhere, ``not_at_clause_start`` where a clause starts
    (after punctuation or a ``clause_openers`` word, a pronoun of ``clitics`` allowed before),
    ``not_capitalised`` as written inside a
    sentence; every word whole."""
    rules = address.get(lang, {})
    shown = prose(text)
    openers = "|".join(re.escape(word) for word in rules.get("clause_openers", []))
    clause = r"(?:^\s*|[.:;!?(]\s*" + (rf"|(?<!\w)(?:{openers})\s+)" if openers else ")")
    clitics = "|".join(re.escape(word) for word in rules.get("clitics", []))
    clause += rf"(?:(?:{clitics})\s+)?" if clitics else ""
    found = [
        word
        for word in rules.get("not", [])
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", shown, re.IGNORECASE)
    ]
    found += [
        word
        for word in rules.get("not_at_clause_start", [])
        if re.search(rf"{clause}{re.escape(word)}(?!\w)", shown, re.IGNORECASE)
    ]
    found += [
        word
        for word in rules.get("not_capitalised", [])
        if any(
            not _sentence_start(shown[: match.start()])
            for match in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", shown)
        )
    ]
    return found


# ---------------------------------------------------------------- punctuation (issue #18)

TYPOGRAPHY_FILE = Path(__file__).parent / "tables" / "typography.yaml"
#: the spaces that may stand before a mark (every one of ``typography.yaml``'s)
_NO_BREAK = "\u00a0\u202f"


@cache
def _typography() -> dict[str, Any]:
    return yaml.safe_load(TYPOGRAPHY_FILE.read_text(encoding="utf-8"))


def punctuated(mark: str, lang: str) -> str:
    """A punctuation mark as ``lang`` writes it after a word: "\u00a0:" in French, ":" in
    English, "·" for ";" in Greek (``tables/typography.yaml``)."""
    table = _typography()
    written = table["marks"].get(lang, {}).get(mark, mark)
    return table["before"].get(lang, {}).get(mark, "") + written


def long_date(day: dt.date, lang: str) -> str:
    """``day`` written in full as ``lang`` writes it ("6 décembre 2026", babel's long format),
    its first day as the language names it ("1er octobre 2026": ``first_day``)."""
    text = format_date(day, "long", locale=lang)
    first = _typography()["first_day"].get(lang)
    if first and day.day == 1 and text.startswith("1 "):
        return first + text[1:]
    return text


def long_month(year: int, month: int, lang: str) -> str:
    """A month of a year written in full as ``lang`` writes it alone ("septembre 2017",
    "septiembre de 2017", "Σεπτέμβριος 2017", "rujan 2017."; CLDR's yMMMM skeleton): a page
    showed an opening month as "2017-09" beside days written in words (stranger 88)."""
    return format_skeleton("yMMMM", dt.date(year, month, 1), locale=lang)


COLLATION_FILE = Path(__file__).parent / "tables" / "collation.yaml"


@cache
def _letters_after(lang: str) -> dict[str, str]:
    """The letters ``lang``'s alphabet holds after their base letter, each as its base and a
    mark that sorts after every letter (``tables/collation.yaml``)."""
    table: dict[str, dict[str, dict[str, str]]] = yaml.safe_load(
        COLLATION_FILE.read_text(encoding="utf-8")
    )
    letters = table["after"].get(lang, {})
    return {letter: base[0] + "\U0010ffff" * int(base[1:]) for letter, base in letters.items()}


def collation_key(text: str, lang: str) -> tuple[str, str]:
    """A key that sorts words as readers of ``lang`` look them up: without case or accents
    ("étudiants" before "seniors"), a language's own letters after their base (Croatian č
    after c, Spanish ñ after n), then as written (so that "Élan" and "elan" keep one order)."""
    after = _letters_after(lang)
    lowered = "".join(after.get(char, char) for char in text.casefold())
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c)), text


def list_separator(lang: str) -> str:
    """The separator of a CSV file a spreadsheet opens in ``lang``'s regional settings: ";"
    where numbers are written with a decimal comma (fr, it, es, el, hr: Excel's list
    separator there, which reads a comma-separated file as one column; strangers 88 and 89),
    "," elsewhere (CLDR's decimal symbol, through Babel)."""
    return ";" if get_decimal_symbol(locale=lang) == "," else ","


def quoted(value: str, lang: str) -> str:
    """``value`` between guillemets as ``lang`` spaces them: « value » in French with no-break
    spaces, «value» elsewhere (``tables/typography.yaml``, ``inside``)."""
    space = _typography()["inside"].get(lang, "")
    return f"«{space}{value}{space}»"


def spaced_guillemets(text: str, lang: str) -> str:
    """``text`` with its guillemets spaced inside as ``lang`` spaces them: a value quoted where
    the language was not known yet (a loader's «sheet») reads « sheet » in French."""
    space = _typography()["inside"].get(lang)
    if not space or "«" not in text:
        return text
    text = re.sub(rf"«[ {_NO_BREAK}]?", "«" + space, text)
    return re.sub(rf"[ {_NO_BREAK}]?»", space + "»", text)


#: a value ``quoted`` in any language
_QUOTED = re.compile(rf"«[{_NO_BREAK}]?(.*?)[{_NO_BREAK}]?»", re.S)


def unquoted(text: str) -> str | None:
    """The value ``text`` quotes whole (``quoted``, in any language); None when it is not one
    quoted value."""
    found = _QUOTED.fullmatch(text)
    return None if found is None else found.group(1)


def _inside_breaches(text: str, lang: str) -> list[str]:
    """What ``text`` spaces otherwise than ``lang`` inside a mark or a number: guillemets
    without the space the language puts inside them, and the thousands of a number set apart
    by an ordinary space, where a line may break ("100" at a line's end, "000 habitants" on
    the next: stranger 88)."""
    space = _typography()["inside"].get(lang)
    if not space:
        return []
    wrong = rf"«(?!{space})|(?<!{space})»|\d \d{{3}}(?!\d)"
    return [text[max(0, m.start() - 12) : m.end() + 12] for m in re.finditer(wrong, text)]


def typography_breaches(text: str, lang: str) -> list[str]:
    """The marks of ``text`` not spaced as ``lang`` writes them: after an ordinary space, or
    glued to a word that is no word of code (``code_words``), or after another space than the
    language's; each as the few characters around it. Marks inside a word or a number
    ("https://", "09:00") are no punctuation of the sentence."""
    rules = _typography()["before"].get(lang, {})
    if not rules:
        return _inside_breaches(text, lang)
    code = "|".join(re.escape(word) for word in _typography()["code_words"])
    found = []
    for match in re.finditer(r"(\w*)([ " + _NO_BREAK + r"]?)([:;?!])(?=\s|$|[»)])", text):
        word, space, mark = match.groups()
        if mark not in rules or space == rules[mark]:
            continue
        if not space and (not word or re.fullmatch(rf"(?:{code})", word) or not word[-1].isalpha()):
            continue  # code ("sheet:"), a placeholder's end "}:", a time "18:00;", a quote
        found.append(text[max(0, match.start(3) - 12) : match.end(3) + 4])
    return found + _inside_breaches(text, lang)
