"""What ``coworkmed validate`` and ``coworkmed load`` say while they work (a progress line on
stderr, in the report's language, quiet with --quiet) and where their report went."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from core.vocabulary import LANGUAGES
from coworkmed.cli import main
from coworkmed.progress import ProgressLine, stage_text, written_line
from validation.messages import ui
from validation.submission import STAGES

HERE = Path(__file__).parent
CASES = yaml.safe_load((HERE / "progress-cases.yaml").read_text(encoding="utf-8"))
CELLS = HERE.parent / "validation" / "submissions" / "cells.csv"


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _said(stream: io.StringIO, lang: str) -> list[str]:
    """The stages of the lines written, told by the start of each stage's words."""
    starts = {stage: stage_text(stage, lang, 7, 0).split("7")[0] for stage in STAGES}
    return [
        next(stage for stage, start in starts.items() if line.startswith(start))
        for line in stream.getvalue().splitlines()
    ]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case["name"])
def test_the_line_is_told_once_a_second_and_at_each_stage(case: dict[str, Any]) -> None:
    clock, stream = _Clock(), io.StringIO()
    line = ProgressLine("en", stream, clock=clock)
    for stage, rows, seconds in case["calls"]:
        clock.now = seconds
        line(stage, rows)
    assert _said(stream, "en") == case["told"]


@pytest.mark.parametrize(
    ("lang", "stage", "rows", "said"),
    [
        ("fr", "reading", 1, "Lecture du fichier : 1 ligne jusqu'ici (0 s)"),
        ("fr", "reading", 2, "Lecture du fichier : 2 lignes jusqu'ici (0 s)"),
        ("en", "reading", 1, "Reading the file: 1 row so far (0 s)"),
        ("hr", "reading", 3, "Čitanje datoteke: dosad 3 retka (0 s)"),
        ("hr", "reading", 21, "Čitanje datoteke: dosad 21 redak (0 s)"),
        ("hr", "checking", 15, "Provjera 15 redaka prema pravilima… (0 s)"),
        ("el", "checking", 1, "Έλεγχος 1 γραμμής με βάση τους κανόνες… (0 δευτ.)"),
        ("it", "checking", 1, "Verifica di 1 riga secondo le regole… (0 s)"),
        ("es", "tracing", 4, "Buscando la fila y la columna de cada problema… (0 s)"),
    ],
)
def test_rows_take_the_plural_form_of_their_number(
    lang: str, stage: str, rows: int, said: str
) -> None:
    """Regression: "Lecture du fichier : 1 lignes jusqu'ici" (a stranger's cold run)."""
    assert stage_text(stage, lang, rows, 0) == said


def test_on_a_terminal_the_line_rewrites_itself_and_is_cleared_at_the_end() -> None:
    clock, stream = _Clock(), _Terminal()
    line = ProgressLine("el", stream, clock=clock)
    line("reading", 1)
    clock.now = 2.0
    line("reading", 4_000)
    assert "\n" not in stream.getvalue() and stream.getvalue().count("\r") == 2
    assert "4.000 γραμμές" in stream.getvalue() and "2 δευτ." in stream.getvalue()  # Greek: 4.000
    line.done()
    assert stream.getvalue().endswith("\r") and stream.getvalue().split("\r")[-2].strip() == ""


@pytest.mark.parametrize("lang", LANGUAGES)
def test_validate_tells_its_stages_on_stderr_and_where_the_report_went(
    lang: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    arguments = ["validate", str(CELLS), "--lang", lang, "--store", "none", "--output", "r.csv"]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 1, result.output
    told = _said(io.StringIO(result.stderr), lang)
    assert told[0] == "reading" and told[-3:] == ["checking", "tracing", "comparing"]
    written = written_line(str(tmp_path / "r.csv"), "csv", lang)
    assert result.stdout.splitlines()[-1] == written and (tmp_path / "r.csv").is_file()
    assert ui("open-csv", lang) in written


def test_quiet_says_nothing_on_stderr(tmp_path: Path) -> None:
    arguments = ["validate", str(CELLS), "--quiet", "--store", str(tmp_path / "none")]
    result = CliRunner().invoke(main, [*arguments, "--output", str(tmp_path / "r.html")])
    assert result.exit_code == 1 and result.stderr == ""
    assert str((tmp_path / "r.html").resolve()) in result.stdout
