"""The reasons a record is held back are published without the values they quote
(``publishing.held_back.without_values``), and the rest of the sentence stays readable."""

from __future__ import annotations

import pytest

from publishing.held_back import without_values

CASES = [
    ("Workstations — «e» is not a number (Workstations)", "e",
     "Workstations — «…» is not a number (Workstations)"),  # a short value takes no letters
    ("The value -4 is below 1 (Workstations)", "-4", "The value … is below 1 (Workstations)"),
    ("«https://jean.dupont@gmail.com@lab.example/» carries a user name", None,
     "«…» carries a user name"),
    ("mail marie.curie＠gmail.com is personal (E-mail)", None, "mail … is personal (E-mail)"),
]  # fmt: skip


@pytest.mark.parametrize(("sentence", "value", "published"), CASES)
def test_a_reason_is_published_without_its_values(
    sentence: str, value: str | None, published: str
) -> None:
    assert without_values(sentence, value) == published
