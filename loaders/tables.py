"""The data tables of the loaders (``loaders/tables/*.yaml``), read once."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

TABLES_DIR = Path(__file__).parent / "tables"


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case-, accent- and spacing-insensitive form of a term, for matching partner values."""
    bare = text.casefold()
    if not bare.isascii():
        decomposed = unicodedata.normalize("NFKD", bare)
        bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.replace("_", " ").replace("-", " ").split())


@cache
def table(name: str) -> Any:
    with open(TABLES_DIR / f"{name}.yaml", encoding="utf-8") as handle:
        return yaml.load(handle, Loader=StringKeysLoader)


@cache
def fields() -> dict[str, dict[str, Any]]:
    """The field table: what each mappable field becomes in the graph."""
    return table("fields")


@cache
def booleans() -> dict[str, bool]:
    words = table("booleans")
    return {fold(w): flag for flag, key in ((True, "yes"), (False, "no")) for w in words[key]}


@cache
def total_words() -> frozenset[str]:
    """What the name or identifier cell of a row of totals says, folded (``totals.yaml``)."""
    return frozenset(fold(word) for words in table("totals").values() for word in words)


@cache
def null_tokens() -> frozenset[str]:
    return frozenset(fold(str(token)) for token in table("null-tokens"))


@cache
def countries() -> dict[str, dict[str, Any]]:
    return table("countries")


@cache
def country_names() -> dict[str, str]:
    """Every way of writing a partner country (code or name), folded, to its ISO alpha-2 code."""
    names: dict[str, str] = {}
    for code, row in countries().items():
        for name in [code, row["eu"], row["nuts"], *row["names"]]:
            names[fold(str(name))] = code
    return names


#: libyaml's parser when PyYAML was built with it (ten times faster: the tables and messages
#: are most of a cold command's start), else PyYAML's own; the same documents either way
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StringKeysLoader(SafeLoader):  # type: ignore[misc,valid-type]
    """YAML without the YAML 1.1 surprises: yes/no/on/off and dates stay strings.

    Partner terms such as ``No`` or ``Oui`` and dates such as ``2026-10-01`` must reach the
    mapping as written; only ``true`` and ``false`` are booleans.
    """


StringKeysLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
StringKeysLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
