"""The command line is a thin shell: each command runs and documents itself."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from coworkmed.cli import main


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
    return found


@pytest.mark.parametrize("path", _commands(main), ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0
    command = main
    for name in path:
        command = command.commands[name]
    assert command.help, f"coworkmed {' '.join(path)} has no help text"


@pytest.mark.slow  # measured ~8 s
def test_vocab_check_passes_on_the_shipped_vocabulary() -> None:
    result = CliRunner().invoke(main, ["vocab", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith("passed, 0 failed")


@pytest.mark.slow  # measured ~8 s (pyLODE)
def test_vocab_docs_writes_the_site(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["vocab", "docs", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "index.html").is_file()
    assert len(list((tmp_path / "codelists").glob("*.html"))) == 12


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and "0.3.0" in result.output
