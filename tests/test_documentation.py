"""The documentation keeps up with the code: the generated reference (settings, command line,
modules), fields and mapping options."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

from core.settings import SETTINGS
from coworkmed import reference
from loaders import tables

ROOT = Path(__file__).parents[1]
SETTINGS_DOC = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
MAPPING_DOC = (ROOT / "docs" / "mapping.md").read_text(encoding="utf-8")
SCHEMA = json.loads((ROOT / "loaders" / "mapping.schema.json").read_text(encoding="utf-8"))


def test_generated_reference_is_current() -> None:
    assert reference.stale() == [], "run: python -m coworkmed.reference"


@pytest.mark.parametrize("block", reference.BLOCKS, ids=lambda block: block.name)
def test_an_edited_table_is_out_of_date(block: reference.Block) -> None:
    start, end = block.markers()
    edited = f"intro\n{start}\n| a row by hand |\n{end}\nafter\n"
    assert reference.rewritten(edited, block) == f"intro\n{start}\n{block.make()}\n{end}\nafter\n"
    with pytest.raises(ValueError, match="markers"):
        reference.rewritten("no markers here", block)


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_settings_doc_lists_every_setting(name: str) -> None:
    setting = SETTINGS[name]
    rows = [line for line in SETTINGS_DOC.splitlines() if line.startswith(f"| `{name}` |")]
    assert len(rows) == 1, f"docs/settings.md: no row (or several) for the setting {name}"
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
        row = next(line for line in SETTINGS_DOC.splitlines() if line.startswith(f"| `{name}` |"))
        option = row.strip("|").split("|")[1].strip().strip("`")
        if option:
            assert option in options and option == "--" + name.replace("_", "-"), name


TOP = sorted(p.name for p in ROOT.iterdir() if not p.name.startswith("."))
PACKAGES = ("core", "loaders", "linking", "validation", "triplestore", "observatory")
PACKAGES += ("publishing", "endpoint", "coworkmed")
#: a repository path in backticks: starts with a top-level folder of the repository
PATH = re.compile(r"`((?:" + "|".join(map(re.escape, TOP)) + r")/[^`\s]*)`")
#: a module or a name in one: ``package.module`` or ``package.module.name``
DOTTED = re.compile(r"``?((?:" + "|".join(PACKAGES) + r")(?:\.\w+)+)(?:\([^`]*\))?``?")
#: file names that look dotted (``coworkmed.ttl``)
FILES = (".ttl", ".py", ".yaml", ".json", ".md", ".rq", ".html", ".css", ".js")
#: generated or written by the commands, not in the repository
BUILT = ("store/", "dumps/", "site/", "endpoint/web/node_modules")


def _named(pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return [
        (page.relative_to(ROOT).as_posix(), found)
        for page in pages
        for found in pattern.findall(page.read_text(encoding="utf-8"))
    ]


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            if not hasattr(found, name):
                return False
            found = getattr(found, name)
        return True
    return False


def test_the_paths_the_docs_name_exist() -> None:
    """Regression: after the packages moved (issue #17), docs named test files and folders that
    were gone; every repository path in README.md and docs/ must exist (or match, for a glob)."""
    named = _named(PATH)
    assert len(named) > 50
    stale = [
        (page, path)
        for page, path in named
        if not path.startswith(BUILT)
        and not any(ROOT.glob(re.split(r"[{<#]", path)[0].rstrip("/") or "."))
    ]
    assert stale == []


def test_the_modules_and_names_the_docs_name_exist() -> None:
    """Every ``package.module[.name]`` that README.md and docs/ name can be imported."""
    named = [(page, dotted) for page, dotted in _named(DOTTED) if not dotted.endswith(FILES)]
    assert len(named) > 50
    stale = [(page, dotted) for page, dotted in named if not _resolves(dotted)]
    assert stale == []
