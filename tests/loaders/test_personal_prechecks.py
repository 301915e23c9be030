"""The cheap prechecks of ``loaders.personal`` (issue #18: 10,000 rows validated in 5 s) change
no answer: ``titled_name`` equals its full reading (``titled_in_parts``), and the role searches
of e-mail local parts equal the loops they replace, case by case (precheck-cases.yaml) and on
every text of the real files (``data/``, and ../shared/datasets/real when it is there)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from loaders import personal

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
CASES = yaml.safe_load((HERE / "precheck-cases.yaml").read_text(encoding="utf-8"))
SHARED = ROOT.parent / "shared" / "datasets" / "real"
REAL_FILES = sorted(
    path
    for folder in (ROOT / "data", SHARED)
    for path in folder.glob("**/*")
    if path.suffix in (".csv", ".tsv", ".json", ".geojson")
)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _texts(path: Path) -> list[str]:
    """Every text of a real file: its cells, or its JSON strings (keys too)."""
    if path.suffix in (".json", ".geojson"):
        return list(dict.fromkeys(_strings(json.loads(path.read_text(encoding="utf-8")))))
    text = path.read_text(encoding="utf-8", errors="replace")
    delimiter = (
        "\t" if path.suffix == ".tsv" else (";" if text.count(";") > text.count(",") else ",")
    )
    return list(
        dict.fromkeys(
            cell for row in csv.reader(text.splitlines(), delimiter=delimiter) for cell in row
        )
    )


def names_a_role_in_full(words: list[str]) -> bool:
    """``names_a_role`` as every role was tried against every word."""
    found = personal.rules()
    return any(
        word in found.role_words
        or any(len(role) >= found.role_substring_min and role in word for role in found.role_words)
        for word in words
    )


def names_beside_a_role_in_full(words: list[str]) -> bool:
    """``names_beside_a_role`` as every role was taken out of every word."""
    found = personal.rules()
    for before, word in zip(["", *words], words, strict=False):
        if word in found.role_words or before in found.saint_words:
            continue
        rests = [word] + [
            word.replace(role, "")
            for role in found.role_words
            if len(role) >= found.role_substring_min and role in word
        ]
        for rest in rests:
            if rest in found.first_names or (
                len(rest) >= personal.INITIAL_SURNAME_MIN and rest[1:] in found.last_names
            ):
                return True
    return False


@pytest.mark.parametrize(
    "case", [c for c in CASES if "text" in c], ids=lambda c: c["text"] or "(empty)"
)
def test_titled_name_precheck(case: dict[str, Any]) -> None:
    assert personal.titled_in_parts(case["text"]) == case["titled"]
    assert personal.titled_name(case["text"]) == case["titled"]


@pytest.mark.parametrize(
    "case", [c for c in CASES if "words" in c], ids=lambda c: ".".join(c["words"]) or "(none)"
)
def test_role_search(case: dict[str, Any]) -> None:
    assert (
        names_a_role_in_full(case["words"]) == personal.names_a_role(case["words"]) == case["role"]
    )
    beside = personal.names_beside_a_role(case["words"])
    assert names_beside_a_role_in_full(case["words"]) == beside == case["beside"]


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_prechecks_change_nothing_on_real_files(path: Path) -> None:
    texts = _texts(path)
    assert texts
    titled = [t for t in texts if personal.titled_name(t) != personal.titled_in_parts(t)]
    assert titled == []
    words = [personal._words(part) for t in texts for part in (t, *t.split("@")[:1])]
    assert [w for w in words if personal.names_a_role(w) != names_a_role_in_full(w)] == []
    differ = [w for w in words if personal.names_beside_a_role(w) != names_beside_a_role_in_full(w)]
    assert differ == []
