"""The reasons a record is held back are published without the values they quote
(``publishing.held_back.without_values``), and the rest of the sentence stays readable."""

from __future__ import annotations

import pytest

from core.vocabulary import LANGUAGES
from publishing.held_back import without_advice, without_values
from validation.columns import personal_advice
from validation.messages import problem_message

CASES = [
    ("Workstations — «e» is not a number (Workstations)", "e",
     "Workstations — «…» is not a number (Workstations)"),  # a short value takes no letters
    ("The value -4 is below 1 (Workstations)", "-4", "The value … is below 1 (Workstations)"),
    ("«https://jean.dupont@gmail.com@lab.example/» carries a user name", None,
     "«…» carries a user name"),
    ("mail marie.curie＠gmail.com is personal (E-mail)", None, "mail … is personal (E-mail)"),
    # words that end in @ are no address (stranger 89: "como info@ u … se publica")
    ("como info@ u oficina@, se publica", None, "como info@ u oficina@, se publica"),
    ("write to office@ or to jean.dupont@gmail.com.", None, "write to office@ or to ….")
    ,
    ("(ana@lab.example.org)", None, "(…)"),
]  # fmt: skip


@pytest.mark.parametrize(("sentence", "value", "published"), CASES)
def test_a_reason_is_published_without_its_values(
    sentence: str, value: str | None, published: str
) -> None:
    assert without_values(sentence, value) == published


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("code", ["personal-phone", "personal-email", "personal-name-operator"])
def test_a_published_reason_leaves_out_the_advice_to_the_partner(lang: str, code: str) -> None:
    """The dataset page says why a record is held back, not what the partner should write in
    the template (stranger 89: "Con la plantilla, escriba…" on the public page)."""
    message = problem_message(code, lang)
    assert message is not None
    for template in (True, False):
        advice = personal_advice(code, lang, template)
        assert advice is not None
        assert without_advice(f"{message} {advice}", lang) == message


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_number_told_with_its_zeros_is_not_published(lang: str) -> None:
    """A telephone number a spreadsheet stripped of its 0 is told to the partner with it
    (``lost-leading-zeros``); the public reason holds neither form (the 0 before it kept the
    value from being found as a whole word)."""
    message = problem_message("lost-leading-zeros", lang, value="612345678", padded="0612345678")
    assert message is not None and "0612345678" in message
    published = without_values(message, "612345678")
    assert "612345678" not in published and "«…»" in published
