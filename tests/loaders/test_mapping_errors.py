"""Mappings with mistakes: each file in bad-mappings/ starts with ``# expect: LINE: TEXT`` and
must be refused with that line and that text in the message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from loaders.mapping import MappingError, load_mapping

CASES = sorted((Path(__file__).parent / "bad-mappings").glob("*.yaml"))
GOOD = Path(__file__).parents[2] / "examples" / "partners" / "fr-aura" / "mapping.yaml"


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_mistake_is_reported_with_its_line(path: Path) -> None:
    line, text = re.match(r"# expect: (\d+): (.+)", path.read_text(encoding="utf-8")).groups()
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    assert any(
        m_line == int(line) and text in message for m_line, message in caught.value.mistakes
    ), caught.value.mistakes
    assert f"{path}:{line}:" in str(caught.value)


def test_a_good_mapping_loads() -> None:
    mapping = load_mapping(GOOD)
    assert mapping.source_id == "fr-aura"
    assert {"name", "kinds", "full_address"} <= mapping.fields()
