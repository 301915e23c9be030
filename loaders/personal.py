"""Personal data (GDPR): which published values look like a person's, so that the loader holds
them back. The rules are data (``loaders/tables/personal.yaml``); each test returns the reason
code of the rule that matched, or None.

    personal-email   a free-mail address, a firstname.lastname address, or one that holds the
                     name of the row's contact person
    personal-email-in-url  a web address holding such an e-mail address (?mail=..., %40, a path)
    personal-name-in-url   a profile or page whose path names a person (fb.com/marie.durand)
    personal-phone   a mobile (or personal) number
    personal-name    a person's name in a contact-like column (``personal-name-operator`` in an
                     operator's name, ``personal-name-in-text`` in another text: ``said_where``)
"""

from __future__ import annotations

import html
import importlib
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import metadata
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote

import phonenumbers

from core.diskcache import RememberedTable, fingerprint
from loaders import enrich, tables

EMAIL = "personal-email"
EMAIL_IN_URL = "personal-email-in-url"
NAME_IN_URL = "personal-name-in-url"
PHONE = "personal-phone"
NAME = "personal-name"
NAME_IN_ADDRESS = "personal-name-in-address"
NAME_IN_NETWORK = "personal-name-in-network"
#: the field kinds of free text, where a name or an address written inside is looked for
NAME_KINDS = ("text", "text_lang")
#: a word of a contact's name this long or longer, found in an address's local part, names them
NAME_WORD_MIN = 3
#: the shortest surname read in a local part beside initials or another surname (mjgarcia@,
#: garcialopez@)
SURNAME_MIN = 4
#: a text with fewer digits holds no telephone number (and is not searched for one)
MIN_PHONE_DIGITS = 8


@dataclass(frozen=True)
class Rules:
    free_exact: frozenset[str]
    free_prefixes: tuple[str, ...]
    role_words: frozenset[str]
    role_substring_min: int
    #: the role words of ``role_substring_min`` letters or more, any of them found inside a
    #: word by one search (``names_a_role``)
    long_roles: tuple[str, ...]
    long_role: re.Pattern[str]
    text_contact: re.Pattern[str]
    person_local_part: re.Pattern[str]
    phone_types: frozenset[int]
    contact_words: tuple[str, ...]
    place_nodes: frozenset[str]
    person_name: re.Pattern[str]
    organisation_words: frozenset[str]
    reasons: dict[str, str]
    #: the code of a person's name by where it was found (``said_where``)
    name_codes: dict[str, str]
    first_names: frozenset[str]
    last_names: frozenset[str]
    name_separators: re.Pattern[str]
    name_separators_kept: re.Pattern[str]
    titles: frozenset[str]
    #: the words of a role, by their first word, the longest first ("service civique" before
    #: "service")
    person_roles: dict[str, tuple[tuple[str, ...], ...]]
    person_fields: frozenset[str]
    given_names: frozenset[str]
    saint_words: frozenset[str]
    text_titles: frozenset[str]
    #: the letters each of ``text_titles`` begins with (``_may_hold_a_title``)
    title_heads: frozenset[str]
    function_words: frozenset[str]
    #: the path prefixes of a profile's name, by host (``profile_hosts``)
    profile_hosts: dict[str, tuple[str, ...]]
    personal_page_marks: tuple[str, ...]
    page_mark: re.Pattern[str]
    #: first names, of an e-mail's letters (first_names) or of any script (given_names)
    forenames: frozenset[str]
    profile_suffix: re.Pattern[str]
    profile_initial_surname_min: int
    #: the labels of a second-level public suffix (com in com.hr, gouv in gouv.fr)
    domain_second_levels: frozenset[str]
    #: the domains under which a subdomain is one person's or one place's site (wixsite.com)
    personal_site_hosts: frozenset[str]
    #: the path prefixes after which a first name alone is a person's profile ("", "@", in/)
    lone_name_prefixes: frozenset[str]
    name_conjunctions: frozenset[str]
    #: a folded text's Greek letters in Latin letters (``greek_latin``)
    latin: Callable[[str], str]
    #: the codes whose report advises what to do instead, with the advice given with the
    #: template (None: the code's message says it; validation.columns.personal_advice)
    public_advice: Mapping[str, str | None]
    #: the required fields whose value held back is told once (validation.trace)
    required_names: frozenset[str]
    #: a care-of marker and the text after it to the next comma, line or digit
    care_of: re.Pattern[str]
    care_of_fields: frozenset[str]
    iri_name_fields: frozenset[str]
    iri_name_joiners: frozenset[str]


@cache
def rules() -> Rules:
    raw = tables.table("personal")
    domains = [d.lower() for d in raw["free_mail_domains"]]
    first_names = _names(tuple(raw["name_locales"]), "first_names", raw["name_min_length"])
    given_names = _names(tuple(raw["name_locales"]), "given_names", raw["name_min_length"])
    return Rules(
        free_exact=frozenset(d for d in domains if not d.endswith(".*")),
        free_prefixes=tuple(d[:-1] for d in domains if d.endswith(".*")),
        role_words=frozenset(tables.fold(w) for w in raw["role_words"]),
        role_substring_min=raw["role_substring_min"],
        long_roles=_long_roles(raw),
        # no long role: a pattern that never matches (an empty one would match every word)
        long_role=re.compile("|".join(map(re.escape, _long_roles(raw))) or "(?!)"),
        text_contact=re.compile(
            r"(?:^|[^\w])(?:"
            + "|".join(re.escape(word) for word in raw["text_contact_words"])
            + r")\s*:\s*((?:[^\W\d_][\w'’-]*)(?:\s+[^\W\d_][\w'’-]*){1,3})",
            re.IGNORECASE,
        ),
        person_local_part=re.compile(raw["person_local_part"]),
        phone_types=frozenset(
            getattr(phonenumbers.PhoneNumberType, name) for name in raw["personal_phone_types"]
        ),
        contact_words=tuple(tables.fold(w) for w in raw["contact_header_words"]),
        place_nodes=frozenset(raw["place_nodes"]),
        person_name=re.compile(raw["person_name"]),
        organisation_words=frozenset(tables.fold(w) for w in raw["organisation_words"]),
        reasons=dict(raw["reasons"]),
        name_codes=dict(raw["name_codes"]),
        first_names=first_names,
        last_names=_names(tuple(raw["name_locales"]), "last_names", raw["name_min_length"]),
        name_separators=re.compile(raw["name_separators"], re.IGNORECASE),
        # captured, so that a part's separator is known (``name_conjunctions``)
        name_separators_kept=re.compile(f"({raw['name_separators']})", re.IGNORECASE),
        titles=frozenset(_folded_word(w) for w in raw["person_titles"]),
        person_roles=_by_first_word(
            {tuple(tables.fold(w).split()) for w in raw["person_role_words"]}
        ),
        person_fields=frozenset(raw["person_fields"]),
        given_names=given_names,
        saint_words=frozenset(raw["saint_words"]),
        text_titles=frozenset(_folded_word(w) for w in raw["text_titles"]),
        title_heads=frozenset(_head(_folded_word(w)) for w in raw["text_titles"]),
        function_words=frozenset(_folded_word(w) for w in raw["function_words"]),
        profile_hosts={
            host.lower(): tuple(p.lower() for p in prefixes)
            for host, prefixes in raw["profile_hosts"].items()
        },
        personal_page_marks=tuple(raw["personal_page_marks"]),
        page_mark=re.compile("|".join(map(re.escape, raw["personal_page_marks"]))),
        forenames=first_names | given_names,
        profile_suffix=re.compile(raw["profile_suffix"], re.IGNORECASE),
        profile_initial_surname_min=raw["profile_initial_surname_min"],
        domain_second_levels=frozenset(str(label) for label in raw["domain_second_levels"]),
        personal_site_hosts=frozenset(str(host).lower() for host in raw["personal_site_hosts"]),
        lone_name_prefixes=frozenset(str(prefix) for prefix in raw["lone_name_prefixes"]),
        name_conjunctions=frozenset(_folded_word(w) for w in raw["name_conjunctions"]),
        latin=_transliteration(raw["greek_latin"]),
        public_advice=MappingProxyType(dict(raw["public_advice"])),
        required_names=frozenset(raw["required_names"]),
        care_of=re.compile(
            r"(?:^|(?<=[\s,;(]))(?:"
            + "|".join(map(re.escape, sorted(raw["care_of_markers"], key=len, reverse=True)))
            + r")(?=[\s:]|$)[\s:]*([^,;\n\d]*)",
            re.IGNORECASE,
        ),
        care_of_fields=frozenset(raw["care_of_fields"]),
        iri_name_fields=frozenset(raw["iri_name_fields"]),
        iri_name_joiners=frozenset(_folded_word(w) for w in raw["iri_name_joiners"]),
    )


def _long_roles(raw: dict[str, Any]) -> tuple[str, ...]:
    """The role words found inside a solid word (``role_substring_min`` letters or more), folded,
    in one order."""
    folded = {tables.fold(w) for w in raw["role_words"]}
    return tuple(sorted(w for w in folded if len(w) >= raw["role_substring_min"]))


def _names(locales: tuple[str, ...], kind: str, shortest: int) -> frozenset[str]:
    """The first or last names of Faker's person providers of ``locales``, folded to the letters
    of an e-mail's local part; a role word is never taken for a name. Read from the cache
    directory (``names_table``): importing Faker and folding its names is most of a cold
    command's reading of the rules."""
    rows = names_table(locales, shortest).rows("SELECT name FROM names WHERE kind = ?", (kind,))
    return frozenset(name for (name,) in rows)


NAMES_SCHEMA = "CREATE TABLE names (kind TEXT, name TEXT);"
NAME_KINDS_OF_FAKER = ("first_names", "last_names")
#: shorter first names are not taken for a person's in a text (Ana, Ivo, Eva are; Al, Jo not)
GIVEN_NAME_MIN = 3


@cache
def names_table(locales: tuple[str, ...], shortest: int) -> RememberedTable:
    """Faker's first and last names of ``locales``, folded (``_faker_names``), kept on disk
    under a key naming Faker's version, the locales, the rules' table and this code."""
    key = fingerprint(
        "names",
        f"faker {metadata.version('faker')}",
        " ".join(locales),
        str(shortest),
        Path(__file__),
        tables.TABLES_DIR / "personal.yaml",
    )
    return RememberedTable(
        "person-names",
        key,
        NAMES_SCHEMA,
        "INSERT INTO names VALUES (?, ?)",
        lambda: _faker_names(locales, shortest),
    )


def _faker_names(locales: tuple[str, ...], shortest: int) -> list[tuple[str, str]]:
    raw = tables.table("personal")
    roles = {tables.fold(w) for w in raw["role_words"]}
    latin = _transliteration(raw["greek_latin"])
    rows = []
    for kind in NAME_KINDS_OF_FAKER:
        found: set[str] = set()
        for locale in locales:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
            for name in getattr(provider, kind):
                # Greek names as Latin letters write them (Γιώργος: giorgos)
                folded = "".join(_words(latin(tables.fold(str(name)))))
                if len(folded) >= shortest and folded.isascii() and folded.isalpha():
                    found.add(folded)
        rows += [(kind, name) for name in sorted(found - roles)]
    # first names in any script (Γιώργος, Ivana, María), folded as a word of a text is: a
    # person's name written in a cell, beside capitalised words
    given: set[str] = set()
    for locale in locales:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        given.update(_folded_word(str(name)) for name in provider.first_names)
    rows += [("given_names", name) for name in sorted(given) if len(name) >= GIVEN_NAME_MIN]
    return rows


def _transliteration(table: dict[str, str]) -> Callable[[str], str]:
    """A function writing a folded text's letters of ``table`` (Greek) in Latin letters, the
    pairs of letters first."""
    letters = re.compile("|".join(sorted(map(re.escape, table), key=len, reverse=True)))
    return lambda text: letters.sub(lambda found: table[found.group()], text)


def is_solid_name(local: str) -> bool:
    """Whether a local part written solid is a person's name: a first name (emilie), a first
    name and an initial (joaquimf), one or two initials and a surname (sguerlava, mjgarcia), or
    two surnames (garcialopez: Spanish and Portuguese double surnames; stranger 82)."""
    found = rules()
    return (
        local in found.first_names
        or local[:-1] in found.first_names
        or local[1:] in found.last_names
        or (len(local) - 2 >= SURNAME_MIN and local[2:] in found.last_names)
        or any(
            local[:cut] in found.last_names and local[cut:] in found.last_names
            for cut in range(SURNAME_MIN, len(local) - SURNAME_MIN + 1)
        )
    )


def said_where(code: str | None, where: str) -> str | None:
    """A rule's code as the partner is told it: a person's name (``NAME``) found in an
    operator's name or in another text is not "in a contact column" (``name_codes``: contact,
    operator, text)."""
    return rules().name_codes[where] if code == NAME else code


def explain(code: str) -> str:
    """The English reason of a rule's code."""
    return rules().reasons[code]


def is_free_mail(domain: str) -> bool:
    """Whether ``domain`` is a public mail provider's, however written (full-width letters:
    ｇｍａｉｌ.com is gmail.com)."""
    domain = unicodedata.normalize("NFKC", domain).lower().strip()
    found = rules()
    return domain in found.free_exact or domain.startswith(found.free_prefixes)


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", tables.fold(text)) if w]


def names_a_role(words: list[str]) -> bool:
    """Whether the words of an e-mail's local part name a role, a service or a kind of place
    (a word of the table, or a long one written inside a solid word)."""
    found = rules()
    return any(word in found.role_words or found.long_role.search(word) for word in words)


#: a word of a local part left when a role is taken out, this long or longer, may be an initial
#: and a surname (jdupont)
INITIAL_SURNAME_MIN = 5


def names_beside_a_role(words: list[str]) -> bool:
    """Whether a local part that names a role also names a person: a word, or what is left of a
    solid word without its role, that is a first name or an initial and a surname
    (jean.cyberbase@, mediathequemarie@, accueil.jdupont@; not cyberbasesalviac@)."""
    found = rules()
    for before, word in zip(["", *words], words, strict=False):
        if word in found.role_words or before in found.saint_words:
            continue
        rests = [word]
        if found.long_role.search(word):  # most words hold no role: not every role tried
            rests += [word.replace(role, "") for role in found.long_roles if role in word]
        for rest in rests:
            if rest in found.first_names or (
                len(rest) >= INITIAL_SURNAME_MIN and rest[1:] in found.last_names
            ):
                return True
    return False


def email_reason(
    address: str,
    contact_names: tuple[str, ...] = (),
    *,
    roles_only: bool = False,
    country: str | None = None,
) -> str | None:
    """Why an e-mail address looks like a person's (None: an organisation's); ``roles_only``:
    the column holds staff's addresses (its mapping says so), so one naming neither a role nor a
    town of ``country`` (vitrolles@france-services.gouv.fr, a place's mailbox) is a person's.
    The address is read as a person would (``normalised_email``: ＠, &#64;, <...>, a final dot)."""
    local, _, domain = normalised_email(address).rpartition("@")
    if not local:
        return None
    local = local.split("+", 1)[0]  # plus-addressing: jane.doe+coworking@ is jane.doe@
    words = _words(local)
    if names_a_role(words) and names_beside_a_role(words):
        return EMAIL  # jean.cyberbase@, mediathequemarie@, accueil.jdupont@: a person's mailbox
    if is_free_mail(domain):
        # one account of a public provider: an organisation's when it names a role with more
        # (fablabpernes@, mediatheque.saignon@); a bare contact@ or a name is a person's
        if names_a_role(words) and "".join(words) not in rules().role_words:
            return None
        return EMAIL
    if names_a_role(words):
        return None
    if rules().person_local_part.match(local):
        return EMAIL
    if len(words) == 1 and words[0].isalpha() and is_solid_name(words[0]):
        return EMAIL
    if roles_only and not (country and enrich.municipality(country, local)):
        return EMAIL
    folded = "".join(words)
    for name in contact_names:
        if any(len(w) >= NAME_WORD_MIN and w in folded for w in person_words(name)):
            return EMAIL
    return None


def phone_reason(number: str, region: str | None = None) -> str | None:
    """Why a telephone number looks like a person's: a mobile number."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    return PHONE if phonenumbers.number_type(parsed) in rules().phone_types else None


def may_name_a_person(field: dict[str, Any]) -> bool:
    """Whether a field's text may be a person's name: text fields, but not the parts of an
    address (OSM's ``contact:street`` is the place's street, not a contact person)."""
    return field["kind"] in NAME_KINDS and field["node"] not in rules().place_nodes


@cache
def is_contact_column(header: str) -> bool:
    folded = f" {tables.fold(header)} "
    return any(f" {word} " in folded for word in rules().contact_words) or any(
        word in folded.replace(" ", "") for word in rules().contact_words if " " not in word
    )


def name_reason(text: str, contact: bool = True) -> str | None:
    """Why the text of a column that may name a person holds a person's name, in any of its
    parts (``name_parts``: "Laurine FOUILLAC (service civique)", "Association Les Amis (Marie
    Durand)"). ``contact``: the column's header says it holds a contact, and a part of letters
    that names no organisation is a name ("MARINA", "Anne Finot") unless another part of the
    cell names an organisation; elsewhere (an operator's name), and beside an organisation, a
    part is a name only when it reads as one (``reads_as_a_name``). The e-mail and web
    addresses a cell holds are not parts of a name ("info@cowork3.es" is no person called
    "info"): ``email_reason`` and ``url_reason`` judge those."""
    return NAME if any(_names_in(text, contact)) else None


def person_words(text: str) -> list[str]:
    """The words of the parts of a contact cell that name a person, as ``name_reason`` reads
    them: "Ufficio Cultura" names none (stranger 79: its word "cultura" made the office's
    address cultura@comune.rieti.it a person's), "Dott. Mario Rossi" names mario and rossi."""
    latin = rules().latin  # Greek names as Latin letters write them (stranger 80: Γιώργος
    return [  # Παπαδόπουλος beside papadopoulos@ was published)
        word
        for tokens in _names_in(text, contact=True)
        for word in _words(latin(tables.fold(" ".join(t.written for t in tokens if not t.title))))
    ]


def _names_in(text: str, contact: bool) -> Iterator[list[Token]]:
    """The parts of ``text`` that name a person (``name_reason``)."""
    text = _WEB_ADDRESS.sub(" ", _EMBEDDED_EMAIL.sub(" ", text))
    parts = [tokens for tokens in name_parts(text, organisation_names=not contact) if tokens]
    organisation = [names_an_organisation(tokens) for tokens in parts]
    lenient = contact and not any(organisation)
    for tokens, is_organisation in zip(parts, organisation, strict=True):
        if is_organisation:
            continue
        if reads_as_a_name(tokens, contact) or (lenient and _all_letters(tokens)):
            yield tokens


def _folded_word(word: str) -> str:
    return tables.fold(word).strip(".'’")


@dataclass(frozen=True)
class Token:
    """A word of a cell as written, folded, and whether it is a title (M., dott., κ., gđa)."""

    written: str
    folded: str
    title: bool


#: a word of a cell: letters with the apostrophes, dots and hyphens of names, or anything else
#: without a space (a number, a symbol)
_TOKEN = re.compile(r"[^\W\d_](?:[\w'’.-]*[^\W\d_])?\.?|\S+")


def name_parts(text: str, *, organisation_names: bool = False) -> list[list[Token]]:
    """The parts of a cell (split at brackets, slashes, commas, dashes, "et", "chez", ...), each
    as its words with the words of a role or of a way to reach someone ("service civique",
    "présidente", "tél.") and the numbers taken out. ``organisation_names`` (an operator's
    name): a part cut off at a conjunction after an organisation's name that ends in a lone
    given name is that name's (``continues_a_name``: "SCIC Pierre et Marie Curie" is one)."""
    found = rules()
    text = " ".join(text.split())
    if not organisation_names:
        return [_part_tokens(part, found) for part in found.name_separators.split(text)]
    pieces = found.name_separators_kept.split(text)
    parts: list[list[Token]] = []
    # the separators are captured: part, separator, part, ...
    for separator, part in zip(["", *pieces[1::2]], pieces[0::2], strict=True):
        tokens = _part_tokens(part, found)
        if parts and continues_a_name(separator, parts[-1]):
            parts[-1] = [*parts[-1], *tokens]
        else:
            parts.append(tokens)
    return parts


def _part_tokens(part: str, found: Rules) -> list[Token]:
    """The words of a part of a cell, without those of a role (``name_parts``)."""
    words = [w for w in _TOKEN.findall(part) if w[0].isalpha()]
    tokens = [
        Token(w, folded, folded in found.titles and (len(folded) > 1 or w.endswith(".")))
        for w in words
        if (folded := _folded_word(w))
    ]
    return _without_roles(tokens, found.person_roles)


def continues_a_name(separator: str, before: list[Token]) -> bool:
    """Whether the part after ``separator`` belongs to the organisation's name ``before`` it:
    the separator is a conjunction ("et", "e", "y", "i", "και", "and") and the name ends in a
    lone capitalised given name ("SCIC Pierre" et "Marie Curie", "Associazione Giovanni" e
    "Paolo"); not after a surname or a place ("Association Les Amis" et "Marie Durand")."""
    found = rules()
    return (
        len(before) >= 2
        and before[-1].folded in found.given_names
        and _capitalised(before[-1])
        and _folded_word(separator) in found.name_conjunctions
        and names_an_organisation(before)
    )


def _by_first_word(
    phrases: set[tuple[str, ...]],
) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Phrases (each a tuple of words) by their first word, the longest first."""
    found: dict[str, list[tuple[str, ...]]] = {}
    for phrase in sorted(phrases, key=lambda words: (-len(words), words)):
        found.setdefault(phrase[0], []).append(phrase)
    return {first: tuple(phrases) for first, phrases in found.items()}


def _without_roles(
    tokens: list[Token], roles: dict[str, tuple[tuple[str, ...], ...]]
) -> list[Token]:
    kept: list[Token] = []
    at = 0
    while at < len(tokens):
        # the roles that start with this word, the longest first: "service civique" before
        # "service"
        for role in roles.get(tokens[at].folded, ()):
            if tuple(t.folded for t in tokens[at : at + len(role)]) == role:
                at += len(role)
                break
        else:
            kept.append(tokens[at])
            at += 1
    return kept


def names_an_organisation(tokens: list[Token]) -> bool:
    words = rules().organisation_words
    return any(
        word in words or word.removesuffix("s") in words  # Spaces, Services
        for t in tokens
        for word in (t.folded.replace(" ", ""), *_ELISION.split(t.folded))  # l'association
    )


_ELISION = re.compile(r"['’ ]")


def _all_letters(tokens: list[Token]) -> bool:
    text = " ".join(t.written for t in tokens)
    return rules().person_name.match(text) is not None


def _capitalised(token: Token) -> bool:
    return token.written[0].isupper() and not token.title


def _surname_in_capitals(words: list[Token]) -> bool:
    """A first name and a surname in capitals, either way round ("Laurine FOUILLAC", "DURAND
    Marie"), the way French, Italian and Spanish forms write a person."""
    capitals = [t for t in words if len(t.written) > 1 and t.written.isupper()]
    lower = [t for t in words if len(t.written) > 2 and t.written[1:].islower()]
    return bool(capitals) and bool(lower) and len(capitals) + len(lower) == len(words)


def reads_as_a_name(tokens: list[Token], contact: bool = False) -> bool:
    """Whether the words of a part (no organisation's among them) read as a person's name
    wherever they are written: a title and a capitalised word ("M. Dupont", "dott. Rossi",
    "κ. Παπαδόπουλος", "gđa Horvat"), an initial with its dot and a capitalised surname ("J.
    Dupont", "DUPONT J."), or two to four capitalised words of which one is a known first name
    ("Marie DURAND", "Kovačić Ana", "Γιώργος Παπαδόπουλος"). In a contact column (``contact``)
    an initial needs no dot and a surname in capitals beside a capitalised word ("Laurine
    FOUILLAC") is enough: elsewhere "Villa J" and "Deskeo LYON" would be names."""
    if any(t.title for t in tokens) and any(_capitalised(t) for t in tokens):
        return True
    words = [t for t in tokens if not t.title]
    if not 2 <= len(words) <= 4 or not all(_capitalised(t) for t in words):
        return False
    initials = [t for t in words if len(t.folded) == 1 and (contact or t.written.endswith("."))]
    if initials and len(initials) < len(words):
        return True
    if contact and len(words) <= 3 and _surname_in_capitals(words):
        return True
    given = rules().given_names
    return any(t.folded in given or t.folded.split(" ")[0] in given for t in words)


#: an e-mail address written inside a text; its domain may be an IDN (пример.рф) or punycode
#: (gmail.xn--80asehdb)
_EMBEDDED_EMAIL = re.compile(
    r"[^@\s:<>\"(),;]+@[^@\s<>\"(),;]+\.(?:[^\W\d_]{2,}|xn--[a-z0-9-]+)", re.IGNORECASE
)
#: spaces around an at sign (``name @ domain``, ``%20@%20``), read as none
_SPACED_AT = re.compile(r"\s*@\s*")


def normalised_email(text: str) -> str:
    """An e-mail address as a person reads it: compatibility forms folded (NFKC: the full-width
    ＠ is @), HTML character references decoded (&#64;), spaces around the @ and the angle
    brackets, quotes and final dots around the address taken away."""
    text = unicodedata.normalize("NFKC", html.unescape(text))
    return _SPACED_AT.sub("@", text).strip().strip("<>\"'").rstrip(".")


def holds_an_email(text: str) -> bool:
    """Whether ``text`` holds an e-mail address (full-width ``＠`` too): what an identifier,
    which becomes part of public web addresses, may not."""
    return _EMBEDDED_EMAIL.search(unicodedata.normalize("NFKC", text)) is not None


def text_reason(text: str, region: str | None, contact_names: tuple[str, ...] = ()) -> str | None:
    """Why a free text (a description, a name) holds personal data: a personal e-mail address
    or a mobile number written inside it."""
    for address in _EMBEDDED_EMAIL.findall(normalised_email(text)):
        if email_reason(address, contact_names):
            return EMAIL
    for found in rules().text_contact.finditer(text):  # "Contact : Gabrielle Huneau"
        capitalised = [w for w in found.group(1).split() if w[0].isupper()]
        if len(capitalised) >= 2 and name_reason(" ".join(capitalised)):
            return NAME
    if titled_name(text):  # "Accueil par Mme Durand", "chiedere al dott. Rossi"
        return NAME
    if sum(c.isdigit() for c in text) < MIN_PHONE_DIGITS:
        return None
    # a number glued to the words around it ("Mornant06 75 65 02 06hello@...") is still found
    spaced = _LETTER_DIGIT.sub(" ", text)
    for match in phonenumbers.PhoneNumberMatcher(spaced, region or "ZZ"):
        if phonenumbers.number_type(match.number) in rules().phone_types:
            return PHONE
    return None


def titled_name(text: str) -> bool:
    """Whether a free text names a person by a title (``text_titles``) followed by a
    capitalised word that is neither a function word nor an organisation's: "Mme Durand",
    "dott. Rossi", "κ. Παπαδόπουλος", "gđa Horvat"; not "rue du Docteur Roux", "Labo M. Le lieu"."""
    return _may_hold_a_title(text, rules().title_heads) and titled_in_parts(text)


def titled_in_parts(text: str) -> bool:
    """``titled_name`` read word by word in every part of the text, without its precheck."""
    found = rules()
    for part in name_parts(text):
        for title, word in zip(part, part[1:], strict=False):
            if (
                title.title
                and title.folded in found.text_titles
                and _capitalised(word)
                and word.folded not in found.function_words
                and not names_an_organisation([word])
            ):
                return True
    return False


#: a run of letters, as ``_TOKEN`` knows them: a word of a cell begins one
_LETTERS = re.compile(r"[^\W\d_]+")
#: what a folded word begins with: its letters up to the first other character
_LEADING_LETTERS = re.compile(r"[^\W\d_]*")


def _head(folded: str) -> str:
    """The letters a folded word begins with ("dott" of "dott.ssa"), its dots and apostrophes
    before them aside (as ``_folded_word``)."""
    found = _LEADING_LETTERS.match(folded.lstrip(".'’"))
    return found.group() if found else ""


@lru_cache(maxsize=65_536)
def _letters_head(letters: str) -> str:
    """``_head`` of a run of letters once folded, once per distinct run (words recur)."""
    return _head(tables.fold(letters))


def _may_hold_a_title(text: str, heads: frozenset[str]) -> bool:
    """Whether a text may hold a word that is a title (``titled_name``), cheaply: a word of the
    text (``name_parts``) begins a run of letters and, folded, begins with that run's letters;
    so a text none of whose runs begins, folded, with a title's letters (``title_heads``) holds
    none, and is not cut into parts and words."""
    return any(_letters_head(run) in heads for run in _LETTERS.findall(text))


#: what separates the parts of a web address (and the names and values of its query): an e-mail
#: address written inside one lies between two of them (``/~jean.dupont@gmail.com``)
_URL_PARTS = re.compile(r"[/?#&=;:,~!$'()*\[\]<>\"\s]+")
#: a web address is decoded this many times at most (``%2540`` is ``%40`` encoded again)
URL_DECODINGS = 3


def url_reason(url: str, contact_names: tuple[str, ...] = ()) -> str | None:
    """Why a web address holds personal data: an e-mail address that looks like a person's
    written in its path, query or fragment, plainly or percent-encoded (once or more: ``%40``,
    ``%2540``), after ``mailto:`` or not, however the at sign is written (``＠``, ``%EF%BC%A0``,
    ``&#64;``, `` @ ``), in angle brackets or with a final dot, at an IDN or punycode domain
    (``personal-email-in-url``); or a person's profile or page, its name a person's
    (``profile_names``, ``names_a_person_in_a_profile``: ``personal-name-in-url``)."""
    text = url
    for _ in range(URL_DECODINGS):
        decoded = normalised_email(unquote(text))
        if decoded == text:
            break
        text = decoded
    if "@" in text:
        for part in _URL_PARTS.split(text):
            part = part.rstrip(".")
            if (
                "@" in part
                and _EMBEDDED_EMAIL.fullmatch(part)
                and email_reason(part, contact_names)
            ):
                return EMAIL_IN_URL
    for name in profile_names(text):
        if names_a_person_in_a_profile(name):
            return NAME_IN_URL
    for name in profile_names(text, rules().lone_name_prefixes):
        if names_a_person_in_a_profile(name, lone_first_name=True):
            return NAME_IN_URL
    if any(names_a_person_in_a_domain(label) for label in domain_labels(text)):
        return NAME_IN_URL
    return None


def domain_labels(url: str) -> list[str]:
    """The labels a web address's domain was chosen as: the one before its public suffix
    (``www.marie-durand.fr``: marie-durand; ``marie-durand.com.hr``: marie-durand, as
    ``domain_second_levels`` says) and, on a host of personal sites (``personal_site_hosts``:
    marie-durand.wixsite.com), the one before that; an IDN's in its letters (``xn--``
    decoded); none for an address without a domain."""
    head = _URL_HEAD.match(url)
    host = "" if head is None else head.group(1).rstrip(".").lower()
    labels = [_unicode_label(label) for label in host.split(".")]
    if len(labels) < 2:
        return []
    found = rules()
    suffix = 2 if len(labels) > 2 and labels[-2] in found.domain_second_levels else 1
    names = [labels[-suffix - 1]]
    if ".".join(labels[-suffix - 1 :]) in found.personal_site_hosts and len(labels) > suffix + 1:
        names.append(labels[-suffix - 2])
    return names


def _unicode_label(label: str) -> str:
    """A domain's label in its own letters (``xn--`` punycode decoded), else as it is."""
    if not label.startswith("xn--"):
        return label
    try:
        return label.encode("ascii").decode("idna")
    except UnicodeError:
        return label


def names_a_person_in_a_domain(label: str) -> bool:
    """Whether a domain's label (``domain_labels``) is a person's full name: a first name and a
    surname (either order) joined by a hyphen or glued (marie-durand.fr, mariedurand.fr); not
    an initial and a surname, nor a lone name (a place's or a shop's name as often as not),
    nor a label holding a role, an organisation or a saint's word (fablab-marie-curie.fr)."""
    if not label or label.isdigit():
        return False
    return names_a_person_in_a_profile(label, initials=False, suffix=False)


def profile_names(url: str, only: frozenset[str] | None = None) -> list[str]:
    """The segments of a web address's path that name a profile: after a path prefix of a
    social network's host (``profile_hosts``: facebook.com/NAME, linkedin.com/in/NAME,
    tiktok.com/@NAME; a subdomain too, fr.linkedin.com; ``only``: those prefixes alone) or,
    on any host, a personal page's (``personal_page_marks``: /~NAME). A web address may be
    written without its scheme (instagram.com/NAME)."""
    found = rules()
    head = _URL_HEAD.match(url)
    if head is None:  # every part of the expression may be empty: never
        return []
    host, path = head.group(1).rstrip(".").lower(), head.group(2).lstrip("/")
    prefixes = _profile_host(host)
    names = []
    if found.page_mark.search(path):
        names = [
            segment[len(mark) :]
            for segment in path.split("/")
            for mark in found.personal_page_marks
            if segment.startswith(mark)
        ]
    for prefix in prefixes:
        if only is not None and prefix not in only:
            continue
        if path.lower().startswith(prefix):
            names.append(path[len(prefix) :].split("/", 1)[0])
    return names


#: the host and path of a web address, with or without its scheme (instagram.com/NAME), a
#: user's name or a port
_URL_HEAD = re.compile(
    r"\s*(?:[a-z][a-z0-9+.-]*:(?=//))?(?://)?(?:[^/?#@\s]*@)?([^/?#:\\\s]*)(?::[0-9]*)?([^?#]*)",
    re.IGNORECASE,
)


def _profile_host(host: str) -> tuple[str, ...]:
    """The path prefixes of a profile's name on ``host`` or the domain it is a subdomain of
    (``profile_hosts``: fr.linkedin.com is linkedin.com); none elsewhere."""
    table = rules().profile_hosts
    while "." in host:
        if host in table:
            return table[host]
        host = host.partition(".")[2]
    return ()


#: where a name written in capitals without spaces is cut (MarieDurand, LaCordeeLyon)
_CAPITAL_AFTER_LOWER = re.compile(r"(?<=[a-z])(?=[A-Z])")


def names_a_person_in_a_profile(
    name: str, *, initials: bool = True, suffix: bool = True, lone_first_name: bool = False
) -> bool:
    """Whether a profile's name (``profile_names``) names a person: a first name and a surname
    (either order) joined by . - _, written in capitals (MarieDurand) or glued (mariedurand),
    or an initial and a surname (j.dupont, jdupont; ``initials``), a profile identifier or
    digits after (jean-dupont-4a5b6c, marie.durand.1985; ``suffix``), or with
    ``lone_first_name`` a first name alone (facebook.com/marie: a social network's profile);
    not when a word names a role, an organisation or a saint's place (mediatheque.salviac,
    fablab_pernes, Espace-Marie-Curie)."""
    found = rules()
    name = name.strip().lstrip("@")
    if suffix:
        name = found.profile_suffix.sub("", name)
    spaced = _CAPITAL_AFTER_LOWER.sub(" ", name)
    if not spaced.isascii():  # Greek letters as Latin ones (facebook.com/Γιώργος.Παπαδόπουλος)
        spaced = found.latin(tables.fold(spaced))
    words = _words(spaced)
    if not 1 <= len(words) <= 4 or not all(w.isalpha() for w in words):
        return False
    for word in words:
        if (
            word in found.role_words
            or word in found.organisation_words
            or word.removesuffix("s") in found.organisation_words
            or word in found.saint_words
        ):
            return False
    first, last, surnames = words[0], words[-1], found.last_names
    if len(words) == 1 and lone_first_name and first in found.first_names:
        return True
    if len(words) == 1:
        shortest = found.profile_initial_surname_min if initials else len(first)
        return _glued_name(first, found.forenames, surnames, shortest)
    if len(words) == 2 and len(first) == 1:  # j.dupont
        return initials and len(last) >= found.profile_initial_surname_min and last in surnames
    return all(w in found.forenames or w in surnames for w in words[1:-1]) and (
        (first in found.forenames and last in surnames)
        or (first in surnames and last in found.forenames)
    )


def _glued_name(
    word: str, forenames: frozenset[str], surnames: frozenset[str], initial_surname_min: int
) -> bool:
    """Whether a word is a first name and a surname glued, either order (mariedurand,
    durandmarie), or an initial and a surname (jdupont)."""
    if len(word) > initial_surname_min and word[1:] in surnames:
        return True
    for at in range(GIVEN_NAME_MIN, len(word) - GIVEN_NAME_MIN + 1):
        head, tail = word[:at], word[at:]
        if (head in forenames and tail in surnames) or (head in surnames and tail in forenames):
            return True
    return False


#: the boundary between a letter and a digit, either way round
#: a web address written in a text (with its scheme, or starting www.)
_WEB_ADDRESS = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def care_of_reason(text: str) -> str | None:
    """Why an address's text names a person: a care-of marker ("c/o", "chez", "a/a", "attn",
    "z.Hd.", "υπόψη": ``care_of_markers``) followed by a person's name, read as an operator's
    name is ("c/o Mario Rossi, Via dei Volsci 12"); an organisation after the marker ("c/o
    Impact Hub", "presso Comune di Roma") is not a person's."""
    for found in rules().care_of.finditer(text):
        words = found.group(1).split()
        # the name may run into the street without a comma ("C/O MARIO ROSSI VIA DEI VOLSCI"):
        # the whole, then its first two to four words
        heads = [words, *(words[:n] for n in range(2, min(len(words), CARE_OF_WORDS + 1)))]
        if any(name_reason(" ".join(head), contact=False) for head in heads if head):
            return NAME_IN_ADDRESS
    return None


#: the most words of a name after a care-of marker that runs into the street (``care_of_reason``)
CARE_OF_WORDS = 4


def iri_name_reason(text: str) -> str | None:
    """Why a name that becomes a node's web address (a network's) is a person's: its words
    without the organisation's and the joining words ("Rete di Mario Rossi": "Mario Rossi")
    read as a person's name; a saint's name ("Rete San Francesco") does not."""
    found = rules()
    tokens = _part_tokens(" ".join(text.split()), found)
    if any(t.folded in found.saint_words for t in tokens):
        return None
    rest = [
        t
        for t in tokens
        if t.folded not in found.organisation_words
        and t.folded not in found.iri_name_joiners
        and t.folded not in found.function_words
    ]
    if rest and len(rest) < len(tokens) and reads_as_a_name(rest):
        return NAME_IN_NETWORK
    return name_reason(text, contact=False) and NAME_IN_NETWORK
