"""The exit status of each command for a failure it does not handle itself, run as a process
as a script sees it (``exit-cases.yaml``; coworkmed.cli.EXITS)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.problems import LoadError, StoreBusy, StoreFault, StoreLocked
from core.settings import SettingsError
from coworkmed.cli import (
    EXITS,
    OUTPUT_EXIT,
    REPORT_FORMATS,
    SETTINGS_EXIT,
    STATUSES,
    exit_status,
)
from publishing.partners import add_partner
from triplestore.backends.sparql import StoreUnavailable
from triplestore.versions import current_generation

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "examples/partners/fr-aura/tiers-lieux.tsv"
CASES: list[dict[str, Any]] = yaml.safe_load(
    Path(__file__).with_name("exit-cases.yaml").read_text(encoding="utf-8")
)
COMMAND = "from coworkmed.cli import main; main()"


def _filled(text: str, places: dict[str, str]) -> str:
    for name, value in places.items():
        text = text.replace("{" + name + "}", value)
    return text


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_a_command_exits_with_the_status_of_its_failure(
    case: dict[str, Any], tmp_path: Path, store_path: Path
) -> None:
    built_at = current_generation(store_path)
    bad_toml = tmp_path / "settings.toml"
    bad_toml.write_text("port = [\n", encoding="utf-8")
    unknown_toml = tmp_path / "unknown.toml"
    unknown_toml.write_text("prot = 80\n", encoding="utf-8")
    true_toml = tmp_path / "true.toml"
    true_toml.write_text("max_rows = true\n", encoding="utf-8")
    number_toml = tmp_path / "number.toml"
    number_toml.write_text("dumps = 3\n", encoding="utf-8")
    data, data_csv = tmp_path / "data.tsv", tmp_path / "data.csv"  # a report may end in .csv
    for copy in (data, data_csv):
        copy.write_bytes(SAMPLE.read_bytes())
    hard_link = tmp_path / "link.csv"
    os.link(data_csv, hard_link)
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    partners = tmp_path / "partners.toml"
    add_partner(partners, "fr-aura", "Auvergne-Rhône-Alpes")
    bad_mapping = tmp_path / "mapping.yaml"
    bad_mapping.write_text("source: {id: x}\ncolumns: {a: nom}\n", encoding="utf-8")
    places = {"store": str(tmp_path / "store"), "bad_toml": str(bad_toml),
              "unknown_toml": str(unknown_toml), "bad_mapping": str(bad_mapping),
              "true_toml": str(true_toml), "partners": str(partners),
              "tmp": str(tmp_path), "built": str(store_path), "data": str(data),
              "data_csv": str(data_csv), "hard_link": str(hard_link),
              "number_toml": str(number_toml), "fifo": str(fifo),
              "dangling": str(dangling)}  # fmt: skip
    env = {name: value for name, value in os.environ.items() if not name.startswith("COWORKMED_")}
    env |= {name: _filled(str(value), places) for name, value in case["env"].items()}
    finished = subprocess.run(
        [sys.executable, "-c", COMMAND, *(_filled(str(arg), places) for arg in case["args"])],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert finished.returncode == case["status"], finished.stderr
    assert _filled(case["says"], places) in finished.stderr + finished.stdout
    assert "Traceback" not in finished.stderr
    assert "\x1b" not in finished.stderr + finished.stdout  # no name's ESC reaches a terminal
    if case["status"] in (SETTINGS_EXIT, OUTPUT_EXIT) or case.get("nothing_made"):
        # refused before it did anything (stranger 76: link made a store where none was)
        assert not (tmp_path / "store").exists() and not (tmp_path / "new-store").exists()
        assert (
            data.read_bytes() == (ROOT / "examples/partners/fr-aura/tiers-lieux.tsv").read_bytes()
        )
        assert current_generation(store_path) == built_at


def test_every_failure_the_commands_leave_has_its_own_status() -> None:
    statuses = [status for _, status in EXITS]
    assert len(set(statuses)) == len(statuses) and 1 not in statuses
    errors = (StoreLocked("x"), StoreBusy("x"), StoreFault("x"), StoreUnavailable("x"),
              SettingsError("x"), LoadError("x"), ValueError("x"))  # fmt: skip
    assert [exit_status(error) for error in errors] == [75, 74, 74, 74, 78, 2, 1]


def test_the_report_formats_the_command_line_takes_are_the_reports() -> None:
    from validation.report import FORMATS

    assert REPORT_FORMATS == tuple(FORMATS)


def test_every_status_a_command_gives_is_documented() -> None:
    """docs/cli.md's table (``STATUSES``) names every status of ``EXITS`` and of the cases."""
    documented = [status for status, _ in STATUSES]
    assert len(set(documented)) == len(documented) == len(STATUSES)
    assert {status for _, status in EXITS} | {case["status"] for case in CASES} <= set(documented)
