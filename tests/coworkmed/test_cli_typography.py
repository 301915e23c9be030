"""The CLI's own lines in French space their punctuation as the messages they hold do
(``typography-cases.yaml``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from core.translations import typography_breaches
from coworkmed.cli import main
from publishing.partners import add_partner

ROOT = Path(__file__).parents[2]
PARTNER = ROOT / "examples" / "partners" / "fr-aura"
#: a colon or semicolon ending a part of a sentence with no space before it
GLUED = re.compile(r"[^\s\u00a0\u202f][:;](?=\s)")
CASES = yaml.safe_load((Path(__file__).parent / "typography-cases.yaml").read_text("utf-8"))


def _places(tmp_path: Path) -> dict[str, str]:
    mapping = PARTNER / "mapping.yaml"
    broken = tmp_path / "broken.yaml"
    broken.write_text(mapping.read_text(encoding="utf-8") + "surplus: 1\n", encoding="utf-8")
    lines = (PARTNER / "tiers-lieux.tsv").read_text(encoding="utf-8").splitlines()
    cells = lines[1].split("\t")
    cells[lines[0].split("\t").index("Latitude")] = "145,7712"
    bad = tmp_path / "bad.tsv"
    bad.write_text("\n".join([lines[0], "\t".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    rows = [line.split("\t") for line in lines[1:4]]
    for number, cells in enumerate(rows):
        cells[lines[0].split("\t").index("Latitude")] = f"14{number},5"
    worse = tmp_path / "worse.tsv"
    table = [lines[0], *("\t".join(cells) for cells in rows), *lines[4:]]
    worse.write_text("\n".join(table) + "\n", encoding="utf-8")
    partners = tmp_path / "partners.toml"
    add_partner(partners, "fr-aura", "Auvergne-Rhône-Alpes")
    return {
        "partners": str(partners),
        "other": str(PARTNER.parent / "it-toscana" / "mapping.yaml"),
        "mapping": str(mapping),
        "data": str(PARTNER / "tiers-lieux.tsv"),
        "store": str(tmp_path / "store"),
        "broken": str(broken),
        "bad": str(bad),
        "worse": str(worse),
    }


@pytest.mark.parametrize("case", CASES, ids=lambda case: case["id"])
def test_the_cli_spaces_its_punctuation_as_french_does(case: dict, tmp_path: Path) -> None:
    places = _places(tmp_path)
    runner = CliRunner()
    if "before" in case:
        before = runner.invoke(main, [arg.format(**places) for arg in case["before"]])
        assert before.exit_code == 0, before.output
    result = runner.invoke(main, [arg.format(**places) for arg in case["args"]])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    if "status" in case:
        assert result.exit_code == case["status"], result.output
    said = [line for line in result.output.splitlines() if line.strip()][: case.get("lines")]
    assert not any(line.startswith(("Usage:", "Error:", "Try ")) for line in said), said
    assert said
    # besides the words' breaches, a mark of the sentence glued to a number or a bracket ("2–4;",
    # "(P-04):"), which ``typography_breaches`` leaves to code and times ("09:00")
    found = {line: typography_breaches(line, "fr") + GLUED.findall(line) for line in said}
    assert found == {line: [] for line in said}
