"""The ``coworkmed`` command line: thin shells over the project's functions."""

from __future__ import annotations

from pathlib import Path

import click

from coworkmed import __version__


@click.group()
@click.version_option(__version__, prog_name="coworkmed")
def main() -> None:
    """CoworkMed: the linked open data graph of Mediterranean coworking spaces and third places."""


@main.group()
def vocab() -> None:
    """The shared vocabulary: ontology, SKOS code lists and SHACL shapes."""


@vocab.command("check")
def vocab_check() -> None:
    """Run every quality check of the vocabulary; exit 1 if any finds a problem."""
    from coworkmed.quality import run_all_checks

    results = run_all_checks()
    for result in results:
        status = click.style("ok  ", fg="green") if result.passed else click.style("FAIL", fg="red")
        click.echo(f"{status} {result.name}")
        if not result.passed:
            click.echo(f"     {result.description}")
            for problem in result.problems:
                click.echo("     - " + "  ".join(f"{k}={v}" for k, v in problem.items()))
    failed = sum(not result.passed for result in results)
    click.echo(f"{len(results) - failed} passed, {failed} failed")
    if failed:
        raise SystemExit(1)


@vocab.command("docs")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("site/vocabulary"),
    show_default=True,
    help="Folder to write the HTML documentation into.",
)
def vocab_docs(output: Path) -> None:
    """Generate the HTML documentation of the ontology (pyLODE) and of each code list."""
    from coworkmed.docs import build_docs

    written = build_docs(output)
    click.echo(f"wrote {len(written)} files; open {written[0]}")
