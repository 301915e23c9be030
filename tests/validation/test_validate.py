"""Validation of submissions, driven by cases.yaml: each case is a file, a mapping, a language,
the status and exit status expected, the findings that must be in the report and those that
must not (what is said once must not be said again)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from core.translations import quoted
from coworkmed.cli import main
from loaders import tables
from loaders.concepts import default_index
from loaders.tables import fold
from validation.columns import term_hints
from validation.messages import ui
from validation.submission import validate_submission

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
CASES = yaml.load((HERE / "cases.yaml").read_text(encoding="utf-8"), Loader=tables.StringKeysLoader)


def _path(case: dict[str, Any], key: str) -> Path | None:
    if key not in case:
        return None
    base = HERE if case[key].startswith("submissions/") else ROOT
    return base / case[key]


def _matches(finding: Any, expected: dict[str, Any]) -> bool:
    return all(
        getattr(finding, key) == (str(value) if key in ("value",) else value)
        for key, value in expected.items()
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_validation_finds_what_it_should(name: str) -> None:
    case = CASES[name]
    report = validate_submission(_path(case, "file"), _path(case, "mapping"), case["lang"])
    assert report.status == case["status"], [f.as_dict() for f in report.findings]
    for expected in case.get("findings", []):
        assert any(_matches(f, expected) for f in report.findings), (
            f"{name}: no finding {expected} in {[f.as_dict() for f in report.findings]}"
        )
    for unwanted in case.get("absent", []):
        assert not any(_matches(f, unwanted) for f in report.findings), f"{name}: {unwanted}"
    for finding in report.findings:
        assert finding.message, f"{name}: a finding without message: {finding}"


@pytest.mark.parametrize("name", ["cells", "empty", "duplicates"])
def test_the_command_exits_with_the_status_of_the_report(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    arguments = ["validate", str(_path(case, "file")), "--lang", case["lang"]]
    arguments += ["--store", str(tmp_path / "no-store"), "--output", str(tmp_path / "r.json")]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == case["exit"], result.output
    assert (tmp_path / "r.json").stat().st_size > 0


def test_a_file_over_the_size_cap_is_refused_unread() -> None:
    report = validate_submission(HERE / "submissions" / "cells.csv", lang="el", max_bytes=100)
    assert report.status == "unreadable"
    (finding,) = report.findings
    assert finding.code == "too-large"
    assert finding.message == "Το αρχείο υπερβαίνει το όριο των 100\u00a0B."


TERM_HINTS = yaml.safe_load((HERE / "term-hint-cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", TERM_HINTS, ids=lambda c: f"{c['lang']}:{c['term']}")
def test_an_unknown_term_is_told_what_to_write(case: dict[str, Any]) -> None:
    index = default_index()
    close = index.closest(case["codelist"], fold(case["term"]))
    hints = term_hints(case["codelist"], close, case["lang"])
    said = " ".join(hints)
    if case["close"] is None:
        assert close is None, index.label(case["codelist"], close or "", case["lang"])
    else:
        assert hints[0] == ui("term-close", case["lang"]).format(
            label=quoted(case["close"], case["lang"])
        )
    labels = index.labels(case["codelist"], case["lang"])
    assert (", ".join(labels) in said) is case["listed"]


def test_the_report_tells_an_unknown_terms_allowed_values() -> None:
    report = validate_submission(HERE / "submissions" / "cells.csv", lang="fr")
    [finding] = [f for f in report.findings if f.code == "unknown-term"]
    assert finding.message.startswith(
        "«\u00a0spaceship\u00a0» ne fait pas partie des valeurs admises"
    )
    assert "Les valeurs admises\u00a0: " in finding.message
    assert "laboratoire vivant" in finding.message
