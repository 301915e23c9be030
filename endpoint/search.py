"""The search page: spaces by name and municipality, whatever the accents and the case, with
facets by kind of space, country and NUTS-3 region.

SPARQL cannot fold accents, so the page reads every space once per store generation (``index``:
its IRI, names, town, country, kinds, region and canonical place, kept while the store is
unchanged) and matches in Python on a folded key (``folded``: case, accents, Greek tonos and final
sigma, œ, đ, ł... all one form), both sides folded the same way. The results are records; the
count says the places they are (a record counts as its canonical place, cwm:canonicalPlace, or
as itself before it is clustered, as the observatory counts) and, when they differ, the records.
Each facet counts the places the other filters and the text leave. What the reader types never
reaches a query as it is typed. A kind or country must be one of the observatory's values for it,
a region a NUTS-3 code (of the reference or of a record), each filter given once, and ``page`` a
whole number from 1: anything else is refused (400) in the reader's language, the allowed values
listed, as the observatory refuses its filters (``observatory.figures.read_filters``). Other
parameter names are ignored, as on the observatory's page. Results link to the spaces' own pages;
the page links the query page with the SPARQL query that gives the same records
(``search_sparql``: the folding written as SPARQL replacements).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from pathlib import Path
from sys import intern
from typing import Any, NamedTuple

from babel import Locale
from babel.numbers import format_decimal
from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from core.namespaces import CODE, EU_COUNTRY, NUTS_CODE, sparql_prefixes
from core.translations import collation_key, in_language, load_catalogue, words
from core.vocabulary import LANGUAGES
from endpoint.execution import QueryError
from endpoint.linkeddata import local_path
from endpoint.observatory import filter_refused
from endpoint.parameters import MAX_PAGE, BadNumber, whole_number
from endpoint.published import Kept, each_solution, generation, select
from endpoint.resource_page import country_label
from endpoint.responses import error, reader_language
from loaders import enrich
from loaders.rdf import literal
from observatory.figures import Arguments, BadFilter, check_filter, one_value, unknown_value
from validation.messages import problem_message

blueprint = Blueprint("search", __name__)

CATALOGUE = Path(__file__).with_name("search.yaml")
PAGE = 50
#: the text fields, each read once (the longest text kept)
TEXTS = ("q", "town")
LONGEST_TEXT = 200
PREFIXES = sparql_prefixes("cwm", "schema", "locn", "skos")
KIND_BASE = f"{CODE}space-kind/"
#: letters that Unicode does not decompose into a base letter and an accent, as the base letters
#: a reader types for them ("oeuvre" finds "œuvre", "Dakovo" finds "Đakovo")
LETTERS = str.maketrans(
    {"œ": "oe", "æ": "ae", "đ": "d", "ð": "d", "ø": "o", "ł": "l", "ı": "i", "þ": "th"}
)
#: the most spaces one search reads (far more than the network has)
MOST_SPACES = 1_000_000
#: the suggestions an empty result offers, at most
SUGGESTIONS = 3

INDEX_QUERY = f"""{PREFIXES}SELECT ?space ?name ?town ?country ?kind ?region ?canonical WHERE {{
  ?space a cwm:Space ; schema:name ?name .
  OPTIONAL {{ ?space cwm:canonicalPlace ?canonical }}
  OPTIONAL {{ ?space locn:address/locn:postName ?town }}
  OPTIONAL {{ ?space cwm:country ?country }}
  OPTIONAL {{ ?space cwm:spaceKind ?kind }}
  OPTIONAL {{ ?space cwm:nutsRegion ?region }}
}}"""


@lru_cache(maxsize=4096)
def folded(text: str) -> str:
    """The search key of a text: case, accents and punctuation folded the same way for what is
    typed and what is searched ("Λιμάνι", "ΛΙΜΑΝΙ" and "λιμανι" all give "λιμανι")."""
    bare = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in bare if not unicodedata.combining(c)).translate(LETTERS)
    return " ".join("".join(c if c.isalnum() else " " for c in bare).split())


def char_fold(char: str) -> str:
    """What ``folded`` makes of one character, punctuation left as a space (not stripped): "é"
    gives "e", "œ" "oe", "ς" "σ", a combining accent ""."""
    bare = unicodedata.normalize("NFKD", char.casefold())
    bare = "".join(c for c in bare if not unicodedata.combining(c)).translate(LETTERS)
    return "".join(c if c.isalnum() else " " for c in bare)


@dataclass(frozen=True, slots=True)
class Entry:
    """One space as the search sees it."""

    iri: str
    names: tuple[tuple[str, str], ...]  # (language tag or "", name)
    town: str
    country: str | None  # the EU authority code: ESP
    kinds: tuple[str, ...]  # codes of the space-kind list
    region: str | None  # NUTS-3 code
    name_key: str
    town_key: str
    place: str = ""  # its canonical place's IRI, or its own before it is clustered

    @property
    def place_key(self) -> str:
        """What the counts count: the place the record describes."""
        return self.place or self.iri

    def name(self, lang: str) -> str:
        """Its name in ``lang`` if it has one, else its untagged name, else the first."""
        ranked = sorted(self.names, key=lambda n: (n[0] != lang, n[0] != "", n[1]))
        return ranked[0][1]


@dataclass(slots=True)
class _Gathered:
    """What the rows of one space said so far (``_entries``)."""

    names: set[tuple[str, str]] = field(default_factory=set)
    town: str = ""
    country: str | None = None
    kinds: set[str] = field(default_factory=set)
    region: str | None = None
    place: str = ""


def _code(term: Any, base: str) -> str | None:
    """The code an IRI of ``base`` ends with, one string for every space that has it."""
    value = None if term is None else term.value
    return intern(value[len(base) :]) if value is not None and value.startswith(base) else None


def _entries(rows: Iterable[dict[str, Any]]) -> list[Entry]:
    """The index of the rows of ``INDEX_QUERY`` (read once each, as they come): strings that
    many spaces share (a town, a code, a canonical place) are kept once."""
    found: dict[str, _Gathered] = {}
    for row in rows:
        space = row["space"].value
        entry = found.get(space)
        if entry is None:
            entry = found[space] = _Gathered()
        entry.names.add((getattr(row["name"], "language", None) or "", row["name"].value))
        if row["town"] is not None and not entry.town:
            entry.town = intern(row["town"].value)
        if (country := _code(row["country"], EU_COUNTRY)) is not None:
            entry.country = country
        if (kind := _code(row["kind"], KIND_BASE)) is not None:
            entry.kinds.add(kind)
        if (region := _code(row["region"], NUTS_CODE)) is not None:
            entry.region = region
        if row.get("canonical") is not None:
            entry.place = intern(min(filter(None, (entry.place, row["canonical"].value))))
    entries = [
        Entry(
            space,
            tuple(sorted(e.names)),
            e.town,
            e.country,
            tuple(sorted(e.kinds)),
            e.region,
            folded(" | ".join(name for _tag, name in sorted(e.names))),
            intern(folded(e.town)),
            e.place,
        )
        for space, e in found.items()
    ]
    found.clear()
    entries.sort(key=lambda e: (e.name_key, e.iri))
    return entries


_kept = Kept(size=32)


@dataclass(frozen=True)
class Searchable:
    """The index and its postings, made together and kept as one answer: a search reads both
    of one generation (the postings give positions in the index: an index of the generation
    before with the postings of the new one, read in turn while the warm-up kept them, gave a
    search wrong records, or an IndexError, stop 48)."""

    entries: list[Entry]
    book: Postings


def searchable() -> Searchable:
    """Every space of the published graph and their postings, read once per store generation."""

    def read() -> Searchable:
        rows, _generation = each_solution(INDEX_QUERY, MOST_SPACES, data_only=True)
        entries = _entries(rows)
        return Searchable(entries, postings(entries))

    return _kept.get(("search-index", generation()), read)


def index() -> list[Entry]:
    """Every space of the published graph, read once per store generation."""
    return searchable().entries


#: each facet: its name and how it reads an entry's values
FACETS: dict[str, Callable[[Entry], Iterable[str]]] = {
    "kind": lambda entry: entry.kinds,
    "country": lambda entry: [entry.country] if entry.country else [],
    "region": lambda entry: [entry.region] if entry.region else [],
}


@dataclass(frozen=True)
class Filters:
    """What the reader asked for (codes already checked)."""

    q: str = ""
    town: str = ""
    kind: str | None = None
    country: str | None = None
    region: str | None = None

    @cached_property
    def typed(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The words typed for the name and for the town, folded (each folded once, not once
        per space searched)."""
        return tuple(folded(self.q).split()), tuple(folded(self.town).split())

    @cached_property
    def chosen(self) -> dict[str, str]:
        """The facets chosen, name -> code."""
        return {name: code for name in FACETS if (code := getattr(self, name)) is not None}

    def matches_text(self, entry: Entry) -> bool:
        """Whether ``entry``'s name and town have the words typed."""
        names, towns = self.typed
        return all(word in entry.name_key for word in names) and all(
            word in entry.town_key for word in towns
        )

    def misses(self, entry: Entry) -> set[str]:
        """The facets whose filter ``entry`` does not pass."""
        return {name for name, code in self.chosen.items() if code not in FACETS[name](entry)}

    def keeps(self, entry: Entry) -> bool:
        """Whether ``entry`` passes every filter."""
        return self.matches_text(entry) and not self.misses(entry)

    def texted(self, entries: list[Entry]) -> frozenset[int] | None:
        """The positions in ``entries`` of the records whose name and town have the words
        typed, one word at a time over what the words before it kept (None: no word typed,
        every record)."""
        names, towns = self.typed
        if not names and not towns:
            return None
        kept: Iterable[int] = range(len(entries))
        for word in names:
            kept = [n for n in kept if word in entries[n].name_key]
        for word in towns:
            kept = [n for n in kept if word in entries[n].town_key]
        return frozenset(kept)

    def link(self, lang: str, **changes: Any) -> str:
        """The search page with these filters and ``changes`` (a value None drops a filter)."""
        given = {
            "q": self.q,
            "town": self.town,
            "kind": self.kind,
            "country": self.country,
            "region": self.region,
            "lang": lang,
            **changes,
        }
        return url_for("search.search_page", **{k: v for k, v in given.items() if v})


@dataclass(frozen=True)
class Postings:
    """The index by facet value: for each facet and value, the positions (in the index) of the
    records that have it; and each record's place as a number, when some records share a
    place (None: each record is a place of its own). A search then counts its facets by set
    intersections rather than by reading every record in Python."""

    having: dict[str, dict[str, frozenset[int]]]
    places: tuple[int, ...] | None

    def count(self, positions: frozenset[int]) -> int:
        """The number of places the records at ``positions`` describe."""
        if self.places is None:
            return len(positions)
        places = self.places
        return len({places[n] for n in positions})


def postings(entries: list[Entry]) -> Postings:
    """The ``Postings`` of the index ``entries``."""
    having: dict[str, dict[str, set[int]]] = {name: {} for name in FACETS}
    numbers: dict[str, int] = {}
    places = []
    for position, entry in enumerate(entries):
        for name, values in FACETS.items():
            for value in values(entry):
                having[name].setdefault(value, set()).add(position)
        places.append(numbers.setdefault(entry.place_key, len(numbers)))
    return Postings(
        {name: {v: frozenset(p) for v, p in found.items()} for name, found in having.items()},
        tuple(places) if len(numbers) < len(entries) else None,
    )


def _within(found: frozenset[int] | None, having: frozenset[int]) -> frozenset[int]:
    return having if found is None else found & having


def faceted(
    book: Postings, texted: frozenset[int] | None, chosen: dict[str, str]
) -> frozenset[int] | None:
    """Of the records ``texted`` keeps, those with every facet ``chosen`` (None: every record)."""
    for name, code in chosen.items():
        texted = _within(texted, book.having[name].get(code, frozenset()))
    return texted


def facet_counts(
    book: Postings, texted: frozenset[int] | None, filters: Filters
) -> dict[str, Counter[str]]:
    """For each facet, the number of places of each value among the records the other filters
    keep (a place whose records several sources give counts once); ``texted``: the records
    with the words typed (``Filters.texted``)."""
    counts = {}
    for name in FACETS:
        others = {other: code for other, code in filters.chosen.items() if other != name}
        kept = faceted(book, texted, others)
        found = Counter(
            {
                value: book.count(_within(kept, having))
                for value, having in book.having[name].items()
            }
        )
        counts[name] = +found  # the values no record kept has are not offered
    return counts


def searched(
    entries: list[Entry], book: Postings, filters: Filters
) -> tuple[list[Entry], dict[str, Counter[str]]]:
    """The records a search lists (in the index's order) and its facets' counts."""
    texted = filters.texted(entries)
    found = faceted(book, texted, filters.chosen)
    listed = entries if found is None else [entries[n] for n in sorted(found)]
    return listed, facet_counts(book, texted, filters)


def places(entries: Iterable[Entry]) -> int:
    """The number of places ``entries`` (records) describe."""
    return len({entry.place_key for entry in entries})


def kind_labels(lang: str) -> dict[str, str]:
    """The kinds of space, code -> label in ``lang`` (else English), from the published list
    (read once per store generation)."""
    return _kept.get(("kind-labels", generation(), lang), lambda: _kind_labels(lang))


def _kind_labels(lang: str) -> dict[str, str]:
    rows, _generation = select(
        f"""{PREFIXES}SELECT ?code ?label WHERE {{
  ?concept skos:inScheme <{CODE}space-kind> ; skos:notation ?code ; skos:prefLabel ?label .
  FILTER (LANG(?label) IN ({literal(lang)}, "en")) }}""",
        10_000,
    )
    chosen: dict[str, tuple[bool, str]] = {}
    for row in rows:
        rank = (row["label"].language != lang, row["label"].value)
        code = row["code"].value
        if code not in chosen or rank < chosen[code]:
            chosen[code] = rank
    return {code: label for code, (_other, label) in chosen.items()}


def region_label(code: str) -> str:
    """A NUTS-3 region as people read it: "Valencia/València (ES523)"."""
    name = enrich.region_name(code)
    return f"{name} ({code})" if name else code


@cache
def catalogue() -> dict[str, Any]:
    """The page's words (``search.yaml``)."""
    data: dict[str, Any] = load_catalogue(CATALOGUE)
    return data


def _counted(forms: dict[str, Any], count: int, lang: str) -> str:
    form = Locale.parse(lang).plural_form(count)
    text: str = in_language(forms.get(form, forms["other"]), lang)
    return text.format(count=format_decimal(count, locale=lang))


def count_text(count: int, lang: str, records: int | None = None) -> str:
    """ "23 places" in ``lang``, by the language's plural rules (CLDR, through babel), and the
    records they come from when there are more ("9 places (11 records)")."""
    text = _counted(catalogue()["count"], count, lang)
    if records is None or records == count:
        return text
    both: str = in_language(catalogue()["both"], lang)
    return both.format(places=text, records=_counted(catalogue()["records"], records, lang))


def _options(
    counts: Counter[str], chosen: str | None, label: Callable[[str], str], lang: str
) -> list[dict[str, Any]]:
    values = set(counts) | ({chosen} if chosen else set())
    options = [
        {"value": v, "label": label(v), "count": counts.get(v, 0), "selected": v == chosen}
        for v in values
    ]
    return sorted(options, key=lambda o: collation_key(o["label"], lang))


def name_words(entries: list[Entry]) -> frozenset[str]:
    """Every word of the names (folded) but numbers: what a word typed is corrected to ("Espace
    1234": numbers are no spelling to correct, and 100,000 of them made each correction take
    seconds). A word with letters and digits is one ("1kubator": "kubatr" was corrected to
    "quatre" when such words were left out)."""
    return frozenset(
        word for entry in entries for word in entry.name_key.split() if not word.isdigit()
    )


#: a word of a name as written: letters and digits, apostrophes and other punctuation apart
WORD = re.compile(r"[^\W_]+")


class Suggested(NamedTuple):
    """What a search that found nothing is offered: the text typed with its misspelt words
    corrected (None when no word was), and names close to it."""

    corrected: str | None
    names: list[str]


def shown_word(word: str, names: list[str]) -> str:
    """A folded word as the names write it ("pentes" as "Pentes", "mediterranee" as
    "Méditerranée"): its first spelling in ``names``, else the folded word."""
    for name in names:
        for written in WORD.findall(name):
            if folded(written) == word:
                return written
    return word


def suggestions(entries: list[Entry], typed: str, lang: str, words: frozenset[str]) -> Suggested:
    """Names close to what was typed, for a search that found nothing: each word typed that no
    name has (``words``: ``name_words``) replaced by the closest word the names have
    (difflib), then the first names with every word; and the corrected text, written as those
    names write its words, when a word was corrected. Words are compared, not whole names: a
    name has a few words, the network's names a vocabulary far smaller than their number."""
    nothing = Suggested(None, [])
    corrected, changed = [], False
    for word in folded(typed).split():
        if word in words or word.isdigit() or any(word in known for known in words):
            corrected.append(word)
            continue
        close = difflib.get_close_matches(word, words, n=1, cutoff=0.6)
        if not close:
            return nothing
        corrected.append(close[0])
        changed = True
    if not corrected:
        return nothing
    names: list[str] = []
    seen: set[str] = set()  # names that differ only in case or accents are one (stranger 61)
    for entry in entries:
        name = entry.name(lang)
        if all(word in entry.name_key for word in corrected) and folded(name) not in seen:
            names.append(name)
            seen.add(folded(name))
            if len(names) == SUGGESTIONS:
                break
    if not names:
        return nothing
    text = " ".join(shown_word(word, names) for word in corrected) if changed else None
    if text is not None and any(folded(name) == folded(text) for name in names):
        text = None  # a name offered already says it
    return Suggested(text, names)


def read_filters(args: Arguments, recorded: Mapping[str, Collection[str]]) -> Filters:
    """The search a request asks for, checked (BadFilter, as the observatory's filters): each
    field given once (``repeated-filter``), a kind or country one of the observatory's values
    for it (or of a record: ``recorded``, ``Postings.having``), a region a NUTS-3 code of the
    reference or of a record (``unknown-filter-value``, the values listed). Other names are not
    read."""
    texts = {name: one_value(args, name).strip()[:LONGEST_TEXT] for name in TEXTS}
    codes: dict[str, str | None] = {}
    for name in FACETS:
        value = one_value(args, name)
        if value and value not in recorded[name]:
            _check_code(name, value, recorded[name])
        codes[name] = value or None
    return Filters(
        q=texts["q"],
        town=texts["town"],
        kind=codes["kind"],
        country=codes["country"],
        region=codes["region"],
    )


def _check_code(name: str, value: str, recorded: Collection[str]) -> None:
    """BadFilter unless ``value`` (no record has it) is one of facet ``name``'s values."""
    if name != "region":
        check_filter(name, value)  # the observatory's list: its 400 lists and labels the codes
        return
    if enrich.has_polygons(value):
        return
    known = ", ".join(region_label(code) for code in sorted(recorded))
    detail = f"region={value[:40]!r} is not a NUTS-3 code; the regions of the records: {known}"
    raise unknown_value(name, value, known, detail)


def number_refused(problem: BadNumber, lang: str) -> str:
    """A number parameter refused, said in ``lang`` (its bounds as the language writes them)."""
    values = dict(problem.values)
    for bound in ("lowest", "highest"):
        if bound in values:
            values[bound] = format_decimal(int(values[bound]), locale=lang)
    return problem_message(problem.code, lang, **values) or problem.message


#: the text fields as SPARQL reads them: the property path to the text, the variable
TEXT_PATHS = {"q": ("schema:name", "?anyName"), "town": ("locn:address/locn:postName", "?anyTown")}
#: the facets as SPARQL reads them: the property, the IRI before the code
FACET_PATHS = {
    "kind": ("cwm:spaceKind", KIND_BASE),
    "country": ("cwm:country", EU_COUNTRY),
    "region": ("cwm:nutsRegion", NUTS_CODE),
}


def fold_table(texts: Iterable[str]) -> dict[str, str]:
    """The characters of ``texts`` (as they are and as SPARQL's LCASE writes them) that
    ``folded`` changes into letters or removes, each with what it becomes: "á" -> "a", "ς" ->
    "σ", "œ" -> "oe". ASCII and capitals are left to LCASE, punctuation as it is (a typed word
    has none)."""
    found: set[str] = set()
    for text in texts:
        found.update(text, text.lower())
    table = {}
    for char in found:
        if char.isascii() or char.lower() != char:  # LCASE lowers it (then it is found lowered)
            continue
        becomes = char_fold(char)
        if becomes != char and (becomes == "" or not becomes.isspace()):
            table[char] = becomes
    return table


def fold_sparql(variable: str, table: dict[str, str], letters: set[str]) -> str:
    """The SPARQL expression of ``variable`` folded as ``folded`` folds it, as far as a word of
    ``letters`` can tell: lower case, then each character of ``table`` whose fold has one of
    those letters (or is nothing, a combining accent) replaced by its fold, one REPLACE a
    character (Virtuoso reads a class or alternatives of letters beyond ASCII byte by byte:
    "[àá]" or "à|á" replaced nothing there)."""
    expression = f"LCASE(STR({variable}))"
    for char, becomes in sorted(table.items(), key=lambda item: (item[1], item[0])):
        if becomes == "" or set(becomes) & letters:
            # a combining accent alone is written as its code (\u0301), the others as they are
            shown = f"\\u{ord(char):04X}" if unicodedata.combining(char) else char
            expression = f'REPLACE({expression}, "{shown}", {literal(becomes)})'
    return expression


def search_sparql(filters: Filters, table: dict[str, str]) -> str:
    """A SPARQL query giving the records a search lists (``table``: ``fold_table`` of the
    names and towns searched): each typed word in one of the space's names (the municipality),
    whatever the accents and the case, and each facet chosen."""
    lines = [
        "SELECT DISTINCT ?space ?name ?town WHERE {",
        "  ?space a cwm:Space ; schema:name ?name .",
        "  OPTIONAL { ?space locn:address/locn:postName ?town }",
    ]
    for text_field, (path, variable) in TEXT_PATHS.items():
        typed = folded(getattr(filters, text_field)).split()
        if typed:  # folded: letters and digits only, nothing that could end the comment
            lines.append(
                f"  # the {text_field} field: each of {' '.join(typed)}, accents and case folded"
            )
        for word in typed:
            key = fold_sparql(variable, table, set(word))
            lines.append(
                f"  FILTER EXISTS {{ ?space {path} {variable} "
                f"FILTER (CONTAINS({key}, {literal(word)})) }}"
            )
    for name, (path, base) in FACET_PATHS.items():
        chosen = getattr(filters, name)
        if chosen:
            lines.append(f"  ?space {path} <{base}{chosen}> .")
    return PREFIXES + "\n".join([*lines, "}", "ORDER BY ?name ?space"]) + "\n"


# What is made of the index reads it in its maker (``index()``), never an index read before:
# that one could be an answer of the generation before, and what was made of it was kept as
# the new generation's (stranger 67, the same mistake as the figures' coverage).


def _fold_table() -> dict[str, str]:
    """``fold_table`` of the index's names and towns (once per store generation)."""

    def read() -> dict[str, str]:
        entries = index()
        texts = [name for entry in entries for _tag, name in entry.names]
        return fold_table([*texts, *(entry.town for entry in entries)])

    return _kept.get(("fold-table", generation()), read)


def _name_words() -> frozenset[str]:
    return _kept.get(("name-words", generation()), lambda: name_words(index()))


def _towns() -> dict[str, str]:
    return _kept.get(("towns", generation()), lambda: town_names(index()))


def prepared() -> None:
    """Work out what every search reads beside the index, once per store generation (the
    warm-up asks it: ``endpoint.warm``)."""
    _fold_table()
    _name_words()
    _towns()


def town_names(entries: list[Entry]) -> dict[str, str]:
    """Each municipality of the records, folded, and as its first record writes it."""
    towns: dict[str, str] = {}
    for entry in entries:
        if entry.town_key and entry.town_key not in towns:
            towns[entry.town_key] = entry.town
    return towns


def close_towns(typed: str, towns: dict[str, str]) -> list[str]:
    """The municipalities (``town_names``) closest to one typed that no record's municipality
    holds ("Marsielle": Marseille); none when one holds it (stranger 61: a misspelt
    municipality was offered nothing)."""
    key = folded(typed)
    if not key or any(all(word in known for word in key.split()) for known in towns):
        return []  # a municipality holds it, word by word, as the search reads it
    return [towns[town] for town in difflib.get_close_matches(key, towns, SUGGESTIONS, 0.75)]


def _suggested(found_in: Searchable, filters: Filters, lang: str) -> list[tuple[str, str, bool]]:
    """``suggestions`` as (text, link, whether it is the corrected text rather than a name):
    among the records with the facets chosen, the links keeping them; else among every
    record, the links without them (a name outside the facets found nothing again when its
    link kept them: stranger 60). The corrected text comes first (stranger 60: only names
    were offered, never the word meant). A municipality no record has is corrected first,
    the links keeping the rest of the search."""
    if filters.town and (towns := close_towns(filters.town, _towns())):
        return [(town, filters.link(lang, town=town), True) for town in towns]
    words, entries = _name_words(), found_in.entries
    within = faceted(found_in.book, None, filters.chosen)
    offered, kept = Suggested(None, []), filters
    if within is not None:
        offered = suggestions([entries[n] for n in sorted(within)], filters.q, lang, words)
    if not offered.names:
        kept = Filters(q=filters.q, town=filters.town)
        offered = suggestions(entries, filters.q, lang, words)
    texts = [(offered.corrected, True)] if offered.corrected else []
    texts += [(name, False) for name in offered.names]
    return [(text, kept.link(lang, q=text), corrected) for text, corrected in texts]


@blueprint.get("/search")
def search_page() -> BaseResponse | str:
    lang = reader_language()
    try:
        found_in = searchable()  # the index and its postings, of one generation
        filters = read_filters(request.args.to_dict(flat=False), found_in.book.having)
        page = whole_number(request.args, "page", 1, 1, MAX_PAGE)
        kinds = kind_labels(lang)
    except BadFilter as problem:
        return filter_refused(problem, page=True)
    except BadNumber as problem:
        return error(400, number_refused(problem, lang), said_in=lang)
    except QueryError as problem:
        return error(problem.status, problem.message)
    found, counts = searched(found_in.entries, found_in.book, filters)
    pages = max(1, -(-len(found) // PAGE))
    if page > pages:  # past the end (an old link, a shorter result): the last page
        return redirect(filters.link(lang, page=pages if pages > 1 else None))
    results = [
        {
            "name": entry.name(lang),
            "link": local_path(entry.iri) or entry.iri,
            "town": entry.town,
            "kinds": [kinds.get(kind, kind) for kind in entry.kinds],
            "country": country_label(entry.country, lang) if entry.country else "",
            "region": region_label(entry.region) if entry.region else "",
        }
        for entry in found[(page - 1) * PAGE : page * PAGE]
    ]
    text = words(catalogue()["words"], lang)
    return render_template(
        "search.html",
        lang=lang,
        languages=LANGUAGES,
        words=text,
        filters=filters,
        results=results,
        count=len(found),
        number=lambda value: format_decimal(value, locale=lang),
        count_text=count_text(places(found), lang, len(found)),
        first=(page - 1) * PAGE + 1,
        last=min(len(found), page * PAGE),
        page=page,
        pages=pages,
        previous=filters.link(lang, page=page - 1 if page > 2 else None) if page > 1 else None,
        next=filters.link(lang, page=page + 1) if page < pages else None,
        kinds=_options(counts["kind"], filters.kind, lambda code: kinds.get(code, code), lang),
        countries=_options(
            counts["country"], filters.country, lambda code: country_label(code, lang), lang
        ),
        regions=_options(counts["region"], filters.region, region_label, lang),
        suggestions=[] if found else _suggested(found_in, filters, lang),
        drop_links=[] if found else _drops(filters, lang, text),
        query_url=url_for("pages.query_page", query=search_sparql(filters, _fold_table())),
    )


def _drops(filters: Filters, lang: str, text: dict[str, str]) -> list[tuple[str, str]]:
    """For an empty result: the same search without each filter given, as (label, link)."""
    given = {
        "q": filters.q,
        "town": filters.town,
        "kind": filters.kind,
        "country": filters.country,
        "region": filters.region,
    }
    return [
        (text[f"without_{name}"], filters.link(lang, **{name: None}))
        for name, value in given.items()
        if value
    ]
