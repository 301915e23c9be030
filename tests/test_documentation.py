"""The documentation keeps up with the code: settings, fields and mapping options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.settings import SETTINGS
from loaders import tables

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAPPING_DOC = (ROOT / "docs" / "mapping.md").read_text(encoding="utf-8")
SCHEMA = json.loads((ROOT / "loaders" / "mapping.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_readme_lists_every_setting(name: str) -> None:
    setting = SETTINGS[name]
    rows = [line for line in README.splitlines() if line.startswith(f"| `{name}` |")]
    assert len(rows) == 1, f"README: no row (or several) for the setting {name}"
    cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
    default = f"`{setting.default}`" if setting.default else "(empty)"
    assert cells[2:4] == [f"`{setting.env}`", default]


def test_schema_and_field_table_agree() -> None:
    assert SCHEMA["$defs"]["field"]["enum"] == list(tables.fields())


@pytest.mark.parametrize("field", list(tables.fields()))
def test_mapping_doc_explains_every_field(field: str) -> None:
    assert f"`{field}`" in MAPPING_DOC


@pytest.mark.parametrize(
    "option",
    [
        *SCHEMA["$defs"]["column"]["properties"],
        *SCHEMA["properties"]["file"]["properties"],
        *SCHEMA["properties"]["locale"]["properties"],
    ],
)
def test_mapping_doc_explains_every_option(option: str) -> None:
    assert f"`{option}`" in MAPPING_DOC or f"{option}:" in MAPPING_DOC


def test_every_command_line_option_of_a_setting_is_real() -> None:
    from coworkmed.cli import main

    options = {
        option
        for command in main.commands.values()
        for parameter in getattr(command, "params", [])
        for option in parameter.opts
    }
    for name in SETTINGS:
        row = next(line for line in README.splitlines() if line.startswith(f"| `{name}` |"))
        option = row.strip("|").split("|")[1].strip().strip("`")
        if option:
            assert option in options and option == "--" + name.replace("_", "-"), name
