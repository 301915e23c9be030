"""Every command that tells its progress on stderr (validate, load, publish, build) takes
``--quiet``, with the same meaning: nothing on stderr while it works; what it prints at the end
(summary, report) stays (issue 18: publish had no --quiet)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from coworkmed.cli import main
from publishing.partners import add_partner

ROOT = Path(__file__).parents[2]
SUBMISSION = ROOT / "tests" / "validation" / "submissions" / "duplicates.csv"

#: command -> its arguments, with {tmp} for a fresh folder, and a word its summary prints
COMMANDS = {
    "validate": (["validate", str(SUBMISSION), "--store", "{tmp}/none"], "rows read"),
    "load": (
        ["load", str(ROOT / "examples/partners/fr-aura/mapping.yaml"), "--store", "{tmp}/s"],
        "fr-aura",
    ),
    "publish": (
        ["publish", str(SUBMISSION), "--partner", "acme", "--partners-file", "{tmp}/p.toml"]
        + ["--store", "{tmp}/s"],
        "Published",
    ),
    "build": (
        ["build", "--data", str(ROOT / "examples/partners"), "--store", "{tmp}/s"],
        "sources",
    ),
}


@pytest.mark.slow  # a store is written, or the checks' workers started: 3 to 30 s each
@pytest.mark.parametrize("quiet", [False, True], ids=["told", "quiet"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_quiet_says_nothing_on_stderr_and_the_rest_stays(
    command: str, quiet: bool, tmp_path: Path
) -> None:
    add_partner(tmp_path / "p.toml", "acme", "Acme")
    arguments, summary = COMMANDS[command]
    given = [a.replace("{tmp}", str(tmp_path)) for a in arguments]
    result = CliRunner().invoke(main, given + (["--quiet"] if quiet else []))
    assert result.exit_code in (0, 1), result.output
    assert summary in result.stdout
    assert (result.stderr == "") is quiet, result.stderr
