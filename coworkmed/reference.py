"""Reference tables generated from the code: the settings (``core/settings.py``), the command
line (the click commands of ``coworkmed/cli.py``) and the modules of each layer (their opening
docstrings), written into ``docs/`` between marker comments.

``python -m coworkmed.reference`` rewrites them; ``python -m coworkmed.reference --check`` (run
by ``make lint``) exits 1, naming the files, when a committed table differs from the code.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import click

from core.settings import SETTINGS

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"

#: the packages of the project, bottom layer first (imports only go down this list)
LAYERS: list[tuple[str, str]] = [
    ("core", "foundation: settings, worker processes, SPARQL text, vocabulary paths, problems"),
    ("loaders", "partner file -> RDF: readers, mapping, values, records, enrichment"),
    ("linking", "the one 'same place' rule and cross-source matching, pure"),
    ("validation", "checks a mapped partner file: layers, SHACL, report"),
    ("triplestore", "the store: versioned graphs, snapshots, backends, protected graphs"),
    ("observatory", "the indicators cube and the dashboard's figures"),
    ("publishing", "validate -> diff -> publish -> record; the build"),
    ("endpoint", "the Flask app: SPARQL, Linked Data, pages, APIs (thin routes)"),
    ("coworkmed", "the command line, serving, documentation, quality checks"),
]


def _cell(text: str) -> str:
    """``text`` on one line, safe in a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _code(text: str) -> str:
    return f"`{text}`" if text else "(empty)"


def _cli() -> click.Group:
    from coworkmed.cli import main

    return main


def setting_options() -> dict[str, str]:
    """Each setting that a command takes as an option, with that option (``--partners-file``)."""
    options = {option for _path, command in commands(_cli()) for option in _opts(command)}
    return {
        name: "--" + name.replace("_", "-")
        for name in SETTINGS
        if "--" + name.replace("_", "-") in options
    }


def _opts(command: click.Command) -> Iterator[str]:
    for parameter in command.params:
        yield from parameter.opts


def settings_table() -> str:
    """The settings as a Markdown table: name, option, environment variable, default, meaning."""
    options = setting_options()
    lines = [
        "| setting | option | environment variable | default | meaning |",
        "|---|---|---|---|---|",
    ]
    for name, definition in SETTINGS.items():
        option = f"`{options[name]}`" if name in options else ""
        cells = [_code(name), option, _code(definition.env), _code(definition.default)]
        lines.append("| " + " | ".join([*cells, _cell(definition.help)]) + " |")
    return "\n".join(lines)


def commands(group: click.Group, prefix: str = "coworkmed") -> Iterator[tuple[str, click.Command]]:
    """Every command under ``group``, with its full name, in the order they are declared."""
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from commands(command, path)
        else:
            yield path, command


def _usage(path: str, command: click.Command) -> str:
    with click.Context(command, info_name=path) as context:
        return " ".join([path, *command.collect_usage_pieces(context)])


def _value(option: click.Option) -> str:
    if option.is_flag:
        return ""
    if isinstance(option.type, click.Choice):
        return "|".join(str(choice) for choice in option.type.choices)
    return option.type.name.upper()


def _default(option: click.Option) -> str:
    default = option.to_info_dict()["default"]  # None when unset (click's own sentinel)
    if default is None or option.is_flag or option.required:
        return "required" if option.required else ""
    return f"`{default}`"


def command_section(path: str, command: click.Command) -> str:
    """One command: its usage, its help and a table of its options."""
    lines = [f"### `{path}`", "", f"`{_usage(path, command)}`", ""]
    lines += [_cell(command.help or ""), ""]
    options = [p for p in command.params if isinstance(p, click.Option)]
    if options:
        lines += ["| option | value | default | meaning |", "|---|---|---|---|"]
        for option in options:
            name = ", ".join(f"`{opt}`" for opt in option.opts)
            value = _cell(_value(option))
            row = [name, f"`{value}`" if value else "", _default(option), _cell(option.help or "")]
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    return "\n".join(lines)


def cli_reference() -> str:
    """Every command of ``coworkmed``: a summary table, then one section per command."""
    found = list(commands(_cli()))
    lines = ["| command | what it does |", "|---|---|"]
    for path, command in found:
        lines.append(f"| `{path}` | {_cell(command.get_short_help_str(limit=200))} |")
    lines.append("")
    return "\n".join(lines + [command_section(path, command) for path, command in found]).strip()


def exit_statuses() -> str:
    """The table of the commands' exit statuses (``coworkmed.cli.STATUSES``)."""
    from coworkmed.cli import STATUSES

    lines = ["| status | what it means |", "|---|---|"]
    lines += [f"| {status} | {_cell(meaning)} |" for status, meaning in STATUSES]
    return "\n".join(lines)


#: a module's job longer than this is cut at its first colon (what follows it is detail)
SHORT = 120


def summary(source: str) -> str:
    """The first sentence of a module's opening docstring, up to its first colon when it is
    long (empty if it has none)."""
    docstring = ast.get_docstring(ast.parse(source)) or ""
    paragraph = " ".join(docstring.split("\n\n")[0].split())
    match = re.match(r"(.+?\.)(\s|$)", paragraph)
    sentence = match.group(1) if match else paragraph
    if len(sentence) > SHORT and ": " in sentence:
        return sentence.split(": ", 1)[0] + "."
    return sentence.removesuffix(":") + "." if sentence.endswith(":") else sentence


def modules_list() -> str:
    """Each layer, bottom first, with every module of its package and the module's job."""
    lines = []
    for package, job in LAYERS:
        lines += [f"- **`{package}/`** {job}"]
        for path in sorted((ROOT / package).rglob("*.py")):
            if any(part in {"node_modules", "__pycache__"} for part in path.parts):
                continue
            job = summary(path.read_text(encoding="utf-8"))
            if job or path.name != "__init__.py":
                lines.append(f"  - `{path.relative_to(ROOT).as_posix()}`: {_cell(job)}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Block:
    """A generated block: the file it lives in, its marker name and what makes it."""

    file: Path
    name: str
    make: Callable[[], str]

    def markers(self) -> tuple[str, str]:
        return (f"<!-- generated:{self.name} start -->", f"<!-- generated:{self.name} end -->")


BLOCKS = [
    Block(DOCS / "settings.md", "settings", settings_table),
    Block(DOCS / "cli.md", "exits", exit_statuses),
    Block(DOCS / "cli.md", "cli", cli_reference),
    Block(DOCS / "architecture.md", "modules", modules_list),
]


def rewritten(text: str, block: Block) -> str:
    """``text`` with what lies between ``block``'s markers replaced by its current content."""
    start, end = block.markers()
    before, found, rest = text.partition(start)
    if not found or end not in rest:
        raise ValueError(f"{block.file.name}: markers {start} ... {end} not found")
    after = rest.split(end, 1)[1]
    return f"{before}{start}\n{block.make()}\n{end}{after}"


def stale() -> list[Path]:
    """The files whose generated blocks differ from the code."""
    return [
        block.file
        for block in BLOCKS
        if (text := block.file.read_text(encoding="utf-8")) != rewritten(text, block)
    ]


def write() -> list[Path]:
    """Rewrite every generated block; the files that changed."""
    changed = []
    for block in BLOCKS:
        text = block.file.read_text(encoding="utf-8")
        new = rewritten(text, block)
        if new != text:
            block.file.write_text(new, encoding="utf-8")
            changed.append(block.file)
    return changed


def run(argv: list[str] | None = None) -> int:
    """The ``python -m coworkmed.reference [--check]`` entry point; its exit status."""
    parser = argparse.ArgumentParser(prog="python -m coworkmed.reference", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if a table is out of date")
    arguments = parser.parse_args(argv)
    if arguments.check:
        out_of_date = stale()
        for path in out_of_date:
            print(f"{path.relative_to(ROOT)} is out of date: run python -m coworkmed.reference")
        return 1 if out_of_date else 0
    for path in write():
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(run())
