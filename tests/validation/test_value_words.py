"""A problem's placeholder that holds a code (a price's period: MON, DAY...) is told in the
report's words: "il est publié par MON" was a French sentence (stranger 88)."""

from __future__ import annotations

import itertools
import re

import pytest

from core.vocabulary import LANGUAGES
from loaders.prices import PERIOD_NAMES
from validation.messages import catalogue, problem_message

TABLE = catalogue()["value_words"]
CASES = [
    (code, name, kind)
    for code, placeholders in TABLE["placeholders"].items()
    for name, kind in placeholders.items()
]


def test_every_period_a_price_may_have_has_its_words() -> None:
    assert set(TABLE["words"]["periods"]) == set(PERIOD_NAMES)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("code", "name", "kind"), CASES)
def test_a_code_is_told_in_words(code: str, name: str, kind: str, lang: str) -> None:
    words = TABLE["words"][kind]
    for said, other in itertools.permutations(sorted(words), 2):
        text = problem_message(code, lang, value="180", **{"result": other, name: said}) or ""
        assert words[said][lang] in text, text
        if said.isalpha():  # a code that is a word (MON) is not left in the sentence
            assert re.search(rf"\b{said}\b", text) is None, text
