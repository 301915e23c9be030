"""Mappings with mistakes: each file in bad-mappings/ starts with ``# expect: LINE: TEXT`` and
must be refused with that line and that text in the message."""

from __future__ import annotations

import html
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


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_a_file_checked_with_a_broken_mapping_is_not_said_unreadable(
    path: Path, tmp_path: Path
) -> None:
    """``validate`` with a mapping it cannot use says so, and what to do, in the partner's
    language, at the console and in the report: it said the file could not be read, and to
    save the file again (stranger 85), though the file was never read."""
    from click.testing import CliRunner

    from coworkmed.cli import main
    from validation.messages import ui

    data = GOOD.parent / "tiers-lieux.tsv"
    report = tmp_path / "report.html"
    args = ["validate", str(data), "--mapping", str(path), "--lang", "fr", "--output", str(report)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output  # refused unread, as an unreadable file is
    assert result.output.splitlines()[0] == ui("unreadable-mapping", "fr")
    page = report.read_text(encoding="utf-8")
    said = html.unescape(page)
    assert ui("unreadable-mapping", "fr") in said and ui("next-unreadable-mapping", "fr") in said
    assert ui("unreadable", "fr") not in said and ui("next-unreadable", "fr") not in said
