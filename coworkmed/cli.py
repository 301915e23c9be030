"""The ``coworkmed`` command line: thin shells over the project's functions."""

from __future__ import annotations

import contextlib
import difflib
import errno
import io
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from core.names import printed, shown_name
from core.problems import LoadError, StoreFault, StoreLocked
from core.settings import SETTINGS, SettingsError, given_settings, setting, settings
from coworkmed import __version__

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from contextlib import AbstractContextManager

    from linking.places import Place
    from loaders.load import HeldBack
    from publishing.build import Checked
    from publishing.publish import Publication
    from triplestore.backends import StoreLocation, TripleStore


def _help(name: str) -> str:
    """An option's help, from the settings table: what it is, its variable and default."""
    definition = SETTINGS[name]
    return f"{definition.help} [env {definition.env}; default {definition.default}]"


STORE_OPTION = click.option("--store", default=None, help=_help("store"))


def _location(store: str | None, base: str | None = None, checked: bool = False) -> StoreLocation:
    """The store named by ``--store`` or the settings (a directory or an external store);
    ``checked``: SettingsError when it holds a published graph built under another base than
    ``base`` (``--base``) or the setting's (stranger 74: ``link`` and ``export`` there wrote, and
    published, graphs under the wrong base; ``serve`` refused it already)."""
    from triplestore.backends import is_remote, locate

    named = setting("store", store)
    if not is_remote(named):
        from triplestore.backends.oxigraph import not_a_store

        why = not_a_store(Path(named))
        if why is not None:
            raise SettingsError(f"setting store: {named} {why}")
    location = locate(named, settings())
    if checked:
        _built_under(location, named, setting("base", base))
    return location


def _built_under(location: StoreLocation, named: str, base_iri: str) -> None:
    """SettingsError when the store at ``location`` (``named`` so) holds a published graph
    built under another base than ``base_iri`` (``triplestore.versions.foreign_base``)."""
    from triplestore.versions import foreign_base

    if location.generation():
        foreign = foreign_base(location.reader()[1], base_iri)
        if foreign is not None:
            raise SettingsError(f"{named}: {foreign}")


BASE_OPTION = click.option("--base", default=None, help=_help("base"))
QUIET_OPTION = click.option(
    "--quiet", "-q", is_flag=True, help="Say nothing on stderr while working (no progress line)."
)


#: the exit status of a command that found the store busy (another process loading or
#: publishing: try again), as sysexits.h's EX_TEMPFAIL; it was 1, which ``publish`` also says
#: for a file whose errors kept it from being published (stranger 69)
BUSY_EXIT = 75
#: the exit status of a command refused for a bad setting (an environment variable or the
#: settings file), as sysexits.h's EX_CONFIG; it was 1, which ``publish`` says for a file whose
#: errors kept it from being published (stranger 72)
SETTINGS_EXIT = 78
#: the exit status of a command whose source or mapping cannot be used at all
UNUSABLE_EXIT = 2
#: the exit status of a command whose store cannot take its write (a disk full or read-only, an
#: external store down), or that cannot read or write a file otherwise, as sysexits.h's
#: EX_IOERR: the source is not to blame (it was 1, or a traceback)
IO_EXIT = 74

#: the exit status of a command asked to write a file or folder it cannot (its folder missing or
#: not writable, a folder in its place, a format it has none of), as sysexits.h's EX_CANTCREAT:
#: refused before anything is done (stranger 73: publish, load and link published, then failed
#: on their report with a traceback and exit 1, "nothing was published")
OUTPUT_EXIT = 73
#: the formats a report file is written in, by its extension (``validation.report.FORMATS``,
#: not imported here: the command line starts without the validation layer)
REPORT_FORMATS = ("html", "json", "csv", "ttl")
#: the exit status of a command given an option it cannot take, or none it needs (click's usage
#: errors), as sysexits.h's EX_USAGE: click's own 2 is what validate, load and publish say for a
#: file that cannot be read (stranger 73); a file argument that is none stays 2
USAGE_EXIT = 64

#: the exit status of a command whose output's reader went away (``coworkmed submissions |
#: head``), as a shell gives a command that SIGPIPE ended: quietly (stranger 75: a traceback,
#: "Broken pipe")
PIPE_EXIT = 128 + 13
#: every exit status a command gives, and what it means to a script (docs/cli.md shows it)
STATUSES: tuple[tuple[int, str], ...] = (
    (0, "Done: published, loaded, linked or written; or nothing to do, and said so (the same "
        "file and mapping are the current version; the links are unchanged)."),
    (1, "A file with errors: nothing was published for them (validate: it does not conform)."),
    (UNUSABLE_EXIT, "A source, mapping or data folder that cannot be read at all, or a store "
                    "where nothing is published yet (serve, link, export, submissions)."),
    (USAGE_EXIT, "A bad option or argument (an unknown partner, a partner id or name that "
                 "cannot be one, another partner's mapping, a missing --partner or argument), "
                 "or no command (its help is shown)."),
    (OUTPUT_EXIT, "An output that cannot be written, refused before anything is done (or, "
                  "after the work, said after what was done); or a standard output that could "
                  "not take what the command said: what it did is done."),
    (IO_EXIT, "The store cannot take the write (its disk full or read-only, the external "
              "store down), or a file cannot be read or written otherwise."),
    (BUSY_EXIT, "The store stayed busy (another process writing it) for store_lock_wait "
                "seconds: nothing was done, try again."),
    (SETTINGS_EXIT, "A bad setting (an option, an environment variable, the settings file, "
                    "the store's folder, the partners file, a host and port the server cannot "
                    "listen at): nothing was done."),
    (PIPE_EXIT, "Its standard output was closed (| head): it ended quietly, as a shell tool "
                "ended by SIGPIPE does."),
)  # fmt: skip
#: what each failure a command does not handle itself exits with; the first class the error is
#: an instance of decides
EXITS: tuple[tuple[type[Exception], int], ...] = (
    (StoreLocked, BUSY_EXIT),
    (StoreFault, IO_EXIT),
    (SettingsError, SETTINGS_EXIT),
    (LoadError, UNUSABLE_EXIT),
)


def told_in(error: LoadError, lang: str) -> str:
    """``error`` as a reader of ``lang`` is told it: the sentence of its code in ``lang``, then
    its English detail; as it is when it is in that language already (a report's), or when its
    code has no sentence (stranger 84: a mapping's mistakes were English only at ``publish``
    and ``load --lang hr``, where ``validate`` said them in Croatian)."""
    from validation.messages import problem_message

    if error.language == lang or lang == "en":
        return str(error)
    sentence = problem_message(error.code, lang, **error.values)
    return str(error) if sentence is None else f"{sentence}\n{error}"


def error_said(message: str, lang: str) -> str:
    """``message`` after "Error: " in ``lang``, spaced as it writes a colon ("Erreur : ")."""
    from core.translations import punctuated
    from validation.messages import ui

    return f"{ui('error', lang).capitalize()}{punctuated(':', lang)} {message}"


def exit_status(error: Exception) -> int:
    """The exit status ``EXITS`` gives ``error`` (1 when it names none of its kind)."""
    return next((status for kind, status in EXITS if isinstance(error, kind)), 1)


class ToldUsage(click.UsageError):
    """A bad option or argument said in the reader's language ``lang``: "Erreur : ..." alone,
    not click's English usage lines around it (stranger 85: "Usage: ... Error: La
    correspondance est celle du partenaire ..."); English keeps click's form. Exit 64."""

    def __init__(self, message: str, lang: str) -> None:
        super().__init__(message)
        self.lang = lang


class OutputRefused(click.BadParameter):
    """An output path a command could not write (``OUTPUT_EXIT``)."""


class OutputFailed(click.ClickException):
    """A command's standard output that cannot take what it must show: nothing was done."""

    exit_code = OUTPUT_EXIT


#: why an output is refused whose extension is none of the formats (given) a command writes
NO_FORMAT = "its extension says no format written here ({})"
#: the output ``-``: standard output, where the command's own messages are then not written
#: (they go to standard error); it wrote a file named ``-`` (stranger 75)
STDOUT = Path("-")
#: where ``_Command`` keeps the standard output a command writes ``STDOUT`` to (``ctx.meta``)
_STDOUT_KEY = "coworkmed.stdout"


class OutputPath(click.Path):
    """A file (``folder``: a folder) a command writes: refused before the command does anything
    when it cannot be written (``OutputRefused``): its folder missing or not writable, a folder
    in a file's place or a file in a folder's, an extension not among ``suffixes``. ``-`` is
    standard output (``STDOUT``), refused where a command writes more than one file
    (``to_stdout`` false)."""

    def __init__(
        self, folder: bool = False, suffixes: tuple[str, ...] = (), to_stdout: bool = True
    ) -> None:
        super().__init__(file_okay=not folder, dir_okay=folder, path_type=Path)
        self.folder, self.suffixes = folder, suffixes
        self.to_stdout = to_stdout and not folder

    def convert(
        self,
        value: str | os.PathLike[str],
        param: click.Parameter | None,
        ctx: click.Context | None,
    ) -> Path:
        if os.fsdecode(value) == str(STDOUT):
            if self.to_stdout:
                return STDOUT
            raise OutputRefused("-: this command writes files, not standard output", ctx, param)
        # looked at before click's own checks, whose failures say the path cannot be read
        refuse_output(Path(os.fsdecode(value)), self.folder, self.suffixes, ctx=ctx, param=param)
        return Path(os.fsdecode(super().convert(value, param, ctx)))


def refuse_output(
    path: Path,
    folder: bool = False,
    suffixes: tuple[str, ...] = (),
    hint: str | None = None,
    ctx: click.Context | None = None,
    param: click.Parameter | None = None,
) -> None:
    """OutputRefused, naming ``path`` and why (``output_problem``), when it cannot be written;
    ``hint``, or ``param``, the option that gave it."""
    why = output_problem(path, folder, suffixes)
    if why is not None:
        raise OutputRefused(
            f"{shown_name(str(path))}: {why}", ctx=ctx, param=param, param_hint=hint
        )


def output_problem(path: Path, folder: bool = False, suffixes: tuple[str, ...] = ()) -> str | None:
    """Why ``path`` cannot be written as a file (``folder``: a folder, made with its parents),
    or None: a folder or a file in its place, no folder to write it in, one not writable, an
    extension not among ``suffixes``."""
    if folder and path == STDOUT:  # (stranger 76: export made a folder named -)
        return "a folder is written here, not standard output"
    if path.is_symlink():  # what it leads to is written (stranger 77: "File exists")
        try:
            path = path.resolve(strict=False)
        except (OSError, RuntimeError):  # a loop
            return "it is a link that leads to itself"
    if path.exists() and path.is_dir() != folder:
        return "a file is in its place" if folder else "a folder is in its place"
    if suffixes and path.suffix.lower().lstrip(".") not in suffixes:
        return NO_FORMAT.format(", ".join(suffixes))
    holder = path.absolute().parent
    while folder and not holder.exists() and holder != holder.parent:
        holder = holder.parent  # a folder is made with its parents: the first one there
    if not holder.is_dir():
        return f"there is no folder {holder} to write it in"
    try:  # written for real (stranger 74: /proc passed a look at its permissions)
        _try_writing(path, holder, folder)
    except OSError as error:
        return f"it cannot be written here ({error.strerror or error})"
    return None


def _try_writing(path: Path, holder: Path, folder: bool) -> None:
    """Write ``path`` (a folder: one in ``holder``) and take it back, or OSError; a file there
    already is opened for appending, never cut; a pipe no one reads is refused at once (it
    blocked the command)."""
    if folder:
        os.rmdir(tempfile.mkdtemp(prefix=".coworkmed-", dir=path if path.is_dir() else holder))
    elif path.is_fifo():  # kept open for the write: closed, it ended a reader reading once
        if path.absolute() not in _HELD_OPEN:  # (checked again, it is not opened again)
            _HELD_OPEN[path.absolute()] = _opened(path, os.O_APPEND)
    elif path.exists():
        os.close(_opened(path, os.O_APPEND))
    else:
        with open(path, "xb"):
            pass
        path.unlink()


#: the named pipes the check of the outputs opened, by path, for their write (stranger 76: the
#: check's open and close gave their reader its end, and the write then found none)
_HELD_OPEN: dict[Path, int] = {}


def _opened(path: Path, flags: int) -> int:
    """``path`` opened for writing with ``flags``, never waiting for a pipe's reader (OSError
    "no such device or address" when there is none)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_NONBLOCK | flags, 0o666)
    except OSError as error:
        if error.errno == errno.ENXIO:  # a named pipe no process reads
            error.strerror = "it is a pipe no process reads"
        raise
    os.set_blocking(descriptor, True)
    return descriptor


def overwritten(output: Path, inputs: list[Path], store: str) -> str | None:
    """What ``output`` would overwrite, or None: a file in the store's folder (``store``, when
    it is one), or one of ``inputs`` (under any name: a link, hard or symbolic)."""
    if "://" not in store and output.absolute().resolve().is_relative_to(Path(store).resolve()):
        return "it is in the store's folder"
    if any(_same_file(output, each) for each in inputs):
        return "it is a file this command reads"
    return None


def _same_file(one: Path, other: Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:  # one of them is not there (an output to make)
        return False


def _outputs_checked(ctx: click.Context) -> None:
    """OutputRefused for an output of the command (``OutputPath``) that would overwrite the
    store's files or a file it reads (its file arguments and options, the partners file):
    stranger 75, ``link --review STORE/current`` lost the store, and a hard link to the
    partner's file passed a look at its path (stranger 74: a report written over it)."""
    given = [(p, ctx.params.get(p.name or "")) for p in ctx.command.params]
    outputs = [
        (p, v) for p, v in given if isinstance(p.type, OutputPath) and v not in (None, STDOUT)
    ]
    if not outputs:
        return
    read = [v for p, v in given if isinstance(p.type, click.Path) and p not in dict(outputs)]
    inputs = [Path(v) for v in read if v is not None] + [Path(setting("partners_file"))]
    for parameter, value in outputs:
        why = overwritten(Path(value), inputs, setting("store"))
        if why is not None:
            raise OutputRefused(f"{shown_name(str(value))}: {why}", ctx=ctx, param=parameter)


def write_output(path: Path, data: bytes, done: str) -> None:
    """Write ``data`` to ``path``; if it cannot be written once the work is done (``done``:
    what was done), say so after what was done and exit ``OUTPUT_EXIT``, never as if nothing
    was (stranger 74: a report that passed its check but failed to open gave exit 74, "the
    store cannot take the write", after a publication)."""
    try:
        if path == STDOUT:
            stream = click.get_current_context().meta[_STDOUT_KEY]
            stream.write(data)
            stream.flush()
        else:
            held = _HELD_OPEN.pop(path.absolute(), None)
            opened = _opened(path, os.O_CREAT | os.O_TRUNC) if held is None else held
            with os.fdopen(opened, "wb") as written:
                written.write(data)
    except BrokenPipeError:
        raise  # the reader went away: ``_Commands``
    except OSError as error:
        named = "its standard output" if path == STDOUT else shown_name(str(path))
        said = printed(f"{done}, but {named} could not be written ({error.strerror or error})")
        click.echo(f"Error: {said}", err=True)
        raise SystemExit(OUTPUT_EXIT) from None


def usage_status(error: click.UsageError) -> int:
    """The exit status of a usage error: ``OUTPUT_EXIT`` for an output that cannot be written,
    ``UNUSABLE_EXIT`` for a file argument that is none (a missing file, a folder), else
    ``USAGE_EXIT`` (a file argument not given too: stranger 81, 2 for validate and load, 64
    for partner add)."""
    if isinstance(error, OutputRefused):
        return OUTPUT_EXIT
    parameter = getattr(error, "param", None)
    is_file = parameter is not None and isinstance(parameter.type, click.Path)
    if is_file and isinstance(error, click.BadParameter):
        given = not isinstance(error, click.MissingParameter)
        return UNUSABLE_EXIT if given else USAGE_EXIT
    return USAGE_EXIT


def no_command(error: click.exceptions.NoArgsIsHelpError) -> int:
    """A group named without a command: its help, as ``--help`` shows it (on standard error),
    and ``USAGE_EXIT`` (stranger 81: ``coworkmed`` exited 2, ``coworkmed vocab`` 64 with its
    help said as an "Error")."""
    if error.ctx is not None:
        click.echo(error.ctx.get_help(), err=True)
    return USAGE_EXIT


class _Command(click.Command):
    """A command that reads every setting before it runs, its options named as settings
    (``--store``, ``--base``, ``--port``...) in their place: a bad one is said before anything
    is done, whatever the command needs, and a good option is not refused for a bad value its
    setting has elsewhere (stranger 73)."""

    def invoke(self, ctx: click.Context) -> object:
        given = {k: v for k, v in ctx.params.items() if k in SETTINGS and v is not None}
        with given_settings(given):
            settings()
            _outputs_checked(ctx)
            said_apart: AbstractContextManager[object] = contextlib.nullcontext()
            if STDOUT in ctx.params.values():  # what it says goes apart from its output
                ctx.meta[_STDOUT_KEY] = sys.stdout.buffer
                said_apart = contextlib.redirect_stdout(sys.stderr)
            with said_apart:
                return super().invoke(ctx)


class _Commands(click.Group):
    """The command group, and its groups: a bad setting, a store or file that cannot be used
    (LoadError) or a store another process is writing (StoreLocked) is reported as an error
    message, not a traceback, and exits with its status in ``EXITS``; a usage error with
    ``usage_status``."""

    command_class = _Command
    group_class = type  # its groups are of this class too

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (StoreLocked, SettingsError, LoadError) as error:
            click.ClickException(printed(str(error))).show()  # "Error: ...", as click says
            ctx.exit(exit_status(error))
        except click.exceptions.NoArgsIsHelpError as error:
            ctx.exit(no_command(error))
        except ToldUsage as error:
            if error.lang == "en":
                click.UsageError(printed(error.format_message()), error.ctx).show()
            else:
                said = error_said(error.format_message(), error.lang)
                click.echo(printed(said), err=True)
            ctx.exit(usage_status(error))
        except click.UsageError as error:
            # a name's ESC never reaches the terminal (stranger 77)
            click.UsageError(printed(error.format_message()), error.ctx).show()
            ctx.exit(usage_status(error))
        except OSError as error:  # a file or folder it reads or writes: one line, no traceback
            ctx.exit(failed_writing(error))

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: object,
    ) -> click.Context:
        try:  # --help and --version write their text while the arguments are read
            return super().make_context(info_name, args, parent, **extra)
        except OSError as error:  # (a traceback, or click's exit 1 for a closed pipe)
            raise SystemExit(failed_writing(error)) from None
        except click.exceptions.NoArgsIsHelpError as error:
            raise SystemExit(no_command(error)) from None


def failed_writing(error: OSError) -> int:
    """The exit status of a command that failed on ``error``, said in one line, no traceback:
    ``PIPE_EXIT``, quietly, when its output's reader went away (``| head``), as a shell tool
    ends; ``OUTPUT_EXIT`` when its standard output cannot take what it says (a full disk: it
    was 74, "a file cannot be read or written otherwise"); else ``IO_EXIT``."""
    if isinstance(error, BrokenPipeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return PIPE_EXIT
    if said_to_stdout(error):
        said = (  # (stranger 81: load, publish and link did their work, and did not say so)
            f"its standard output cannot be written ({error.strerror or error}): what the "
            "command did is done, what it said is lost"
        )
        click.ClickException(said).show()
        return OUTPUT_EXIT
    click.ClickException(printed(str(error))).show()
    return IO_EXIT


def said_to_stdout(error: OSError) -> bool:
    """Whether ``error`` was raised writing what a command says to its standard output
    (``click.echo`` with no ``err``): an output that cannot be written, as ``write_output``'s
    are, not a file read or written otherwise."""
    trace = error.__traceback__
    while trace is not None:
        frame = trace.tb_frame
        if frame.f_code is click.utils.echo.__code__:  # (the commands echo to no other file)
            return not frame.f_locals.get("err")
        trace = trace.tb_next
    return False


@click.group(cls=_Commands)
@click.version_option(__version__, prog_name="coworkmed")
def main() -> None:
    """CoworkMed: the linked open data graph of Mediterranean coworking spaces and third places.

    A command that writes the store exits 75 when another process is writing it (a load, a
    publication, the server's write): nothing was done; try again; 74 when the store cannot take
    the write (its disk full or read-only, the external store down). Any command exits 78 for
    a bad setting (an option, an environment variable or the settings file), before doing
    anything, 73 for a file or folder it is asked to write and cannot (before anything, too),
    and 64 for an option it cannot take or one it needs missing."""


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
    type=OutputPath(folder=True),
    default=Path("site/vocabulary"),
    show_default=True,
    help="Folder to write the HTML documentation into.",
)
def vocab_docs(output: Path) -> None:
    """Generate the HTML documentation of the ontology (pyLODE) and of each code list."""
    from coworkmed.docs import build_docs

    written = build_docs(output)
    click.echo(f"wrote {len(written)} files; open {written[0]}")


def _show_checked(checked: Checked, limit: int, lang: str | None = None) -> None:
    """A source's load, all in its report's language: what was read and published, each kind
    of problem (errors first, grouped by rows), what was held back."""
    from core.translations import punctuated
    from validation.messages import ui
    from validation.report import console_lines, summary_line

    load, report = checked.load, checked.report
    if report is None or load.unchanged:  # the same file (nothing read) or the same records
        words = lang or (report.language if report else None)
        click.echo(
            f"{load.source}{punctuated(':', words)} {ui('unchanged', words)} ({load.graph})"
            if words
            else load.summary()
        )
        if report is not None:
            for line in console_lines(report, most=limit)[1:]:
                click.echo(line)
            _show_held(load.held_back, report.language)
        return
    lang = report.language
    click.echo(
        summary_line(
            "load-summary" if load.published else "load-nothing",
            lang,
            source=load.source,
            rows=load.rows_read,
            records=load.records_written - len([h for h in load.held_back if h.identifier]),
            held=len(load.held_back),
            triples=load.triples,
        )
    )
    _show_left_out(load.rows_skipped, lang)
    for line in console_lines(report, most=limit)[1:]:  # the status is the line above
        click.echo(line)
    _show_held(load.held_back, lang)


def _show_left_out(rows: int, lang: str) -> None:
    """The rows read that the mapping's include filter left out, when there are: rows read but
    neither published nor held back, or the counts do not add up."""
    from validation.messages import counted

    if rows:
        click.echo(f"  {counted('rows-left-out', lang, rows)}.")


def _mapping_language(mapping: Path) -> str:
    """The language of a mapping's locale, what ``load`` prints in when no --lang is given;
    English for a mapping that names none or cannot be read (the load then says why)."""
    import yaml

    from core.translations import language_code

    try:
        read = yaml.safe_load(mapping.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return "en"
    locale = read.get("locale") if isinstance(read, dict) else None
    given = locale.get("language") if isinstance(locale, dict) else None
    return language_code(given if isinstance(given, str) else None) or "en"


def _show_held(held_back: list[HeldBack], lang: str) -> None:
    """The records held back for their errors, by row (and identifier)."""
    from core.translations import punctuated
    from validation.messages import ui

    if not held_back:
        return
    click.echo(ui("held-back", lang))
    for held in held_back:
        where = f"{ui('row', lang)} {held.row}" if held.row is not None else "-"
        name = f" ({held.source_identifier})" if held.identifier else ""
        kept = f"{punctuated(';', lang)} {ui('old-version-kept', lang)}" if held.kept else ""
        click.echo(
            f"  {where}{name}{punctuated(':', lang)} {ui('error', lang)} ×{held.errors}{kept}"
        )


FORCE_OPTION = click.option(
    "--force",
    is_flag=True,
    help="Load even when the file and the mapping are those of the current version "
    "(after a change to the loader, say).",
)
ALL_OR_NOTHING_OPTION = click.option(
    "--all-or-nothing",
    "all_or_nothing",
    is_flag=True,
    help="Publish nothing when any record has an error (default: the publish_mode setting; "
    "per record, the records with errors are held back and their last published version "
    "stays).",
)


def _mode(all_or_nothing: bool) -> str:
    """The publish mode: all or nothing when asked, else the ``publish_mode`` setting."""
    from publishing.publish import publish_mode

    return publish_mode("all-or-nothing" if all_or_nothing else None)


@main.command("load")
@click.argument("mapping", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@STORE_OPTION
@BASE_OPTION
@click.option(
    "--report",
    type=OutputPath(),
    help="Write the full load report (JSON) here (-: standard output).",
)
@click.option("--show", default=20, show_default=True, help="How many problems to print.")
@FORCE_OPTION
@ALL_OR_NOTHING_OPTION
@click.option(
    "--lang",
    type=click.Choice(["en", "fr", "it", "es", "el", "hr"]),
    help="Language of what is printed (default: the mapping's language).",
)
@QUIET_OPTION
def load_command(
    mapping: Path,
    file: Path | None,
    store: str | None,
    base: str | None,
    report: Path | None,
    show: int,
    force: bool,
    all_or_nothing: bool,
    lang: str | None,
    quiet: bool,
) -> None:
    """Check one source (MAPPING, and FILE if it is not the mapping's own) as validate does and
    load it into its named graph, replacing what the graph held; records with errors are held
    back (their last published version stays), or with --all-or-nothing the whole source. Exit
    1 if nothing was published for its errors, 2 if the source cannot be loaded at all, 75 if
    the store stays busy (another process writing it) for store_lock_wait seconds, 74 if it
    cannot take the write (its disk full or read-only, the external store down)."""
    from coworkmed.progress import progress_line, written_line
    from loaders.mapping import load_mapping
    from publishing.build import load_checked
    from validation.pipeline import close_pools

    location, mode = _location(store, base, checked=True), _mode(all_or_nothing)
    progress = progress_line(lang or _mapping_language(mapping), quiet)
    try:
        load_mapping(mapping)  # a mapping that cannot be used opens no store (stranger 81: it
        with location.writer() as target:  # made an empty store's folder)
            checked = load_checked(
                mapping, target, setting("base", base), location, file, force=force, mode=mode,
                lang=lang, progress=progress,
            )  # fmt: skip
    except StoreLocked:
        raise  # the command group's: exit BUSY_EXIT
    except LoadError as error:  # said in its report's language, when the file was read
        if progress is not None:
            progress.done()
        shown = lang or error.language
        click.echo(
            printed(error_said(told_in(error, shown), shown)),
            err=True,
        )
        if report:  # (it wrote nothing: a script reading it found no report)
            failed = {"mapping": str(mapping), "published": False, "unchanged": False}
            write_output(report, _json_bytes(failed | {"error": str(error)}), "nothing loaded")
        raise SystemExit(exit_status(error)) from None
    finally:
        close_pools()
        if progress is not None:
            progress.done()
    _show_checked(checked, show, lang or _mapping_language(mapping))  # (an unchanged load
    result = checked.load  # spoke English: stranger 81)
    if report:
        write_output(
            report,
            load_report(checked),
            "the load is done" if result.published else "nothing loaded",
        )
        said_in = checked.report.language if checked.report else (lang or "en")
        if report != STDOUT:
            click.echo(written_line(str(report.resolve()), "json", said_in), err=True)
    if not result.published and not result.unchanged:
        raise SystemExit(1)


def load_report(checked: Checked) -> bytes:
    """A load's JSON report: what it read, published and held back, with its checks' report
    under ``report``, as ``validate --format json`` writes it, when the file was read (as
    ``publish --report`` writes a publication's; it held only the loaders' problems, ``[]``
    while the checks' warnings were printed)."""
    from validation.report import Published, render

    if checked.report is None:  # unchanged: nothing was read
        return _json_bytes(checked.load.as_dict())
    return render(checked.report, "json", published=Published(checked.load.as_dict(), ()))


def _json_bytes(data: dict[str, object]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


@main.command("build")
@click.option(
    "--data",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path("data"),
    show_default=True,
    help="Folder whose sub-folders each hold a source and its mapping.yaml.",
)
@STORE_OPTION
@BASE_OPTION
@click.option("--show", default=5, show_default=True, help="How many problems to print per source.")
@FORCE_OPTION
@ALL_OR_NOTHING_OPTION
@QUIET_OPTION
def build_command(
    data: Path,
    store: str | None,
    base: str | None,
    show: int,
    force: bool,
    all_or_nothing: bool,
    quiet: bool,
) -> None:
    """Publish the vocabulary, then check and load every source under the data folder, each
    into its own named graph (records with errors held back, as load does). Exit 1 if a source
    was not published for its errors, 2 if one cannot be loaded at all, 75 if the store stays
    busy (another process writing it) for store_lock_wait seconds, 74 if it cannot take the
    write (its disk full or read-only, the external store down): the build stops there."""
    from loaders.load import mapping_files
    from publishing.catalogue import check
    from validation.pipeline import close_pools

    mappings = mapping_files(data)
    if not mappings:
        raise click.ClickException(f"{data}: no */mapping.yaml found")
    if trouble := check(data):
        raise click.ClickException("the catalogue table does not match:\n" + "\n".join(trouble))
    location, mode = _location(store), _mode(all_or_nothing)
    try:
        with location.writer() as target:
            checks, failures = _build(
                location, target, data, mappings, setting("base", base), force, mode, quiet
            )
    finally:
        close_pools()
    for checked in checks:
        _show_checked(checked, show)
    for failure in failures:
        click.echo(click.style(printed(f"FAILED {failure}"), fg="red"))
    reports = [checked.load for checked in checks]
    records = sum(r.records_written - len(r.held_back) for r in reports if r.published)
    triples = sum(r.triples for r in reports if r.published)
    unchanged = sum(r.unchanged for r in reports)
    refused = sum(not r.published and not r.unchanged for r in reports)
    same = f", {unchanged:,} unchanged" if unchanged else ""
    held = sum(len(r.held_back) for r in reports)
    held_text = f", {held:,} records held back" if held else ""
    not_published = f", {refused:,} not published for their errors" if refused else ""
    click.echo(
        f"{len(reports) - unchanged - refused:,} sources loaded{same}{not_published}, "
        f"{len(failures):,} failed: ",
        nl=False,
    )
    click.echo(f"{records:,} records{held_text}, {triples:,} triples")
    if failures:
        raise SystemExit(2)
    if refused:
        raise SystemExit(1)


def _build(
    location: StoreLocation,
    target: TripleStore,
    data: Path,
    mappings: list[Path],
    base: str,
    force: bool,
    mode: str,
    quiet: bool = False,
) -> tuple[list[Checked], list[str]]:
    """Publish the vocabulary, the territory and the data folder's catalogue table, then check
    and load each mapping's source (build's work; a progress bar on stderr unless ``quiet``)."""
    from loaders.territory import network_countries
    from publishing.build import (
        load_checked,
        publish_sources,
        publish_territory,
        publish_vocabulary,
    )
    from triplestore.versions import take_snapshot

    vocabulary = publish_vocabulary(target)
    click.echo(f"vocabulary: {vocabulary} triples (ontology and code lists)")
    territory = publish_territory(target, base, network_countries())
    click.echo(f"territory: {territory} triples (NUTS regions of the network's countries)")
    sources = publish_sources(target, data, base)
    click.echo(f"catalogue: {sources} triples (licence, attribution and origin of each source)")
    reports: list[Checked] = []
    failures: list[str] = []
    with _loading_bar(mappings, quiet) as shown:
        for mapping in shown:
            try:
                reports.append(
                    load_checked(mapping, target, base, location, force=force, mode=mode, lang="en")
                )
            except StoreFault:
                raise  # no source can be written: the command group's (exit IO_EXIT)
            except LoadError as error:
                failures.append(f"{mapping}: {error}")
    if not any(checked.load.published for checked in reports):  # none published the vocabulary
        take_snapshot(target, location, base)
    return reports, failures


def _loading_bar(
    mappings: list[Path], quiet: bool
) -> contextlib.AbstractContextManager[Iterable[Path]]:
    """The mappings, shown as a progress bar on stderr, or as they are with ``--quiet``."""
    if quiet:
        return contextlib.nullcontext(mappings)
    return click.progressbar(
        mappings, label="loading", item_show_func=_source_name, file=sys.stderr
    )


def _source_name(mapping: Path | None) -> str | None:
    return mapping.parent.name if mapping else None


MAPPING_OPTION = click.option(
    "--mapping",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The partner's mapping (default: the project's submission template).",
)
LANGUAGE_OPTION = click.option(
    "--lang",
    type=click.Choice(["en", "fr", "it", "es", "el", "hr"]),
    default="en",
    show_default=True,
    help="Language of the report or template.",
)


@main.command("validate")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@MAPPING_OPTION
@LANGUAGE_OPTION
@click.option(
    "--format", "fmt", type=click.Choice(["html", "json", "csv", "ttl"]), help="Report format."
)
@click.option(
    "--output",
    type=OutputPath(),
    help="Write the report here (format from --format, else from the extension; -: standard "
    "output, JSON unless --format says).",
)
@STORE_OPTION
@BASE_OPTION
@QUIET_OPTION
def validate_command(
    file: Path,
    mapping: Path | None,
    lang: str,
    fmt: str | None,
    output: Path | None,
    store: str | None,
    base: str | None,
    quiet: bool,
) -> None:
    """Check a partner submission and report every problem by row and column, in the partner's
    language. Exit 0 when it conforms, 1 when it has errors, 2 when it cannot be read."""
    from coworkmed.progress import progress_line, written_line
    from validation.pipeline import close_pools
    from validation.report import FORMATS, console_lines, render
    from validation.submission import validate_submission

    if output is not None and fmt is None and _report_format(output) not in FORMATS:
        why = NO_FORMAT.format(", ".join(FORMATS))  # (stranger 76: x.pdf was written HTML)
        raise OutputRefused(
            f"{shown_name(str(output))}: {why}; give --format", param_hint="'--output'"
        )
    base_iri = setting("base", base)
    published = _published_places(_location(store, base, checked=True), base_iri, mapping, lang)
    progress = progress_line(lang, quiet)
    try:
        result = validate_submission(
            file, mapping, lang, base=base_iri, published=published, progress=progress
        )
    finally:
        close_pools()
        if progress is not None:
            progress.done()
    if output is not None:
        fmt = fmt or _report_format(output)
        write_output(output, render(result, fmt), "the file was validated")
    elif fmt is not None:
        click.echo(render(result, fmt).decode("utf-8-sig"), nl=False)
    err = output is None and fmt is not None
    for line in console_lines(result):
        click.echo(line, err=err)
    if output not in (None, STDOUT):
        click.echo(written_line(str(output.resolve()), fmt or "html", result.language))
    raise SystemExit(0 if result.conforms else (2 if not result.readable else 1))


def _published_places(
    location: StoreLocation, base: str, mapping: Path | None, lang: str
) -> list[Place]:
    """The spaces other sources published in the store, for a submission read with ``mapping``
    (none when nothing is published, or when the mapping cannot be read: the validation says
    why)."""
    if not location.generation():  # nothing published: the publishing layer is not imported
        return []
    from loaders.mapping import MappingError, load_mapping
    from publishing.published_places import read_published_places
    from validation.columns import template_mapping

    try:
        source = (load_mapping(mapping) if mapping else template_mapping(lang)).source_id
    except (MappingError, LoadError):
        return []
    return read_published_places(location, base, source)


@main.command("template")
@LANGUAGE_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx"]),
    help="Its format (default: the extension of --output, else csv).",
)
@click.option(
    "--output",
    type=OutputPath(suffixes=("csv", "xlsx"), to_stdout=False),
    help="Where to write it, a .csv or .xlsx file (default: coworkmed-template-LANG.csv|xlsx "
    "here).",
)
def template_command(lang: str, fmt: str | None, output: Path | None) -> None:
    """Write a blank submission template with its column documentation, in one language."""
    from validation.messages import ui
    from validation.template import write_template

    # stranger 76: --output t.xlsx wrote CSV into it; 77: --format csv too
    named = output.suffix.lower().lstrip(".") if output is not None else None
    if fmt is not None and named is not None and fmt != named:
        raise click.UsageError(f"--format {fmt} and an --output ending .{named} disagree")
    fmt = fmt or named or "csv"
    output = output or Path(f"coworkmed-template-{lang}.{fmt}")
    for path in write_template(output, lang, fmt):  # (stranger 79: "wrote" in English)
        click.echo(ui("file-written", lang).format(path=shown_name(str(path))))


@main.command("publish")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--partner", required=True, help="The partner publishing (see coworkmed partner).")
@MAPPING_OPTION
@LANGUAGE_OPTION
@click.option(
    "--report",
    type=OutputPath(suffixes=tuple(REPORT_FORMATS)),
    help="Write the validation report and what was published here (format from the extension: "
    "html, json, csv, ttl; -: JSON on standard output).",
)
@STORE_OPTION
@BASE_OPTION
@click.option("--partners-file", default=None, help=_help("partners_file"))
@FORCE_OPTION
@ALL_OR_NOTHING_OPTION
@QUIET_OPTION
def publish_command(
    file: Path,
    partner: str,
    mapping: Path | None,
    lang: str,
    report: Path | None,
    store: str | None,
    base: str | None,
    partners_file: str | None,
    force: bool,
    all_or_nothing: bool,
    quiet: bool,
) -> None:
    """Validate FILE as PARTNER's submission and publish it as the new version of the
    partner's dataset: its records with errors are held back (their last published version
    stays), or with --all-or-nothing nothing is published if it has an error. Exit 0 when
    published or when the same file and mapping are the current version already (it says
    "unchanged"), 1 when nothing was published for its errors, 2 when the file or the mapping
    cannot be read, 64 for a partner the partners file does not name or a mapping of another
    partner, 75 when the store stays busy (another process writing it) for store_lock_wait seconds:
    nothing was done, try again; 74 when the store cannot take the write (its disk full or
    read-only, the external store down)."""
    from coworkmed.progress import progress_line, written_line
    from loaders.mapping import MappingError
    from publishing.partners import PartnerError, read_partners
    from publishing.publish import OtherPartnersMapping, publish_submission
    from validation.messages import ui
    from validation.pipeline import close_pools
    from validation.report import Published, console_lines, render, summary_line

    partners = Path(setting("partners_file", partners_file))
    if not partners.is_file():  # stranger 74: said "Unknown partner", exit 1
        raise SettingsError(
            f"setting partners_file: {partners} is no file of partners "
            "(coworkmed partner add makes it)"
        )
    try:
        known = read_partners(partners)
    except PartnerError as error:  # a settings file of its own: 78, not 1
        raise SettingsError(str(error)) from None
    if partner not in known:  # a bad option: 64, not 1, "nothing published for its errors"
        # one written otherwise (ids are lower-case): named, never "add it", which is refused
        # (stranger 84: --partner HR-Split was told to run partner add HR-Split)
        meant = next((k for k in known if k.casefold() == partner.casefold()), None)
        close = difflib.get_close_matches(partner.casefold(), list(known), 1, 0.8)
        if meant is None and close:  # a typo (stranger 88: fr-arua was told to add fr-arua)
            raise ToldUsage(
                summary_line("partner-id-close", lang, partner=partner, known=close[0]), lang
            )
        if meant is not None:
            raise ToldUsage(
                summary_line("partner-id-case", lang, partner=partner, known=meant), lang
            )
        raise ToldUsage(summary_line("unknown-partner", lang, partner=partner), lang)
    progress, mode = progress_line(lang, quiet), _mode(all_or_nothing)
    location = _location(store, base, checked=True)
    try:
        outcome = publish_submission(
            file, known[partner], location, setting("base", base), mapping, lang,
            force=force, mode=mode, progress=progress,
        )  # fmt: skip
    except OtherPartnersMapping as error:  # it would replace this partner's records: a bad
        raise ToldUsage(  # option, 64 (stranger 76: 1, as for a file's errors)
            summary_line("mapping-other-partner", lang, **error.values), lang
        ) from None
    except MappingError as error:  # in the partner's language, as validate says it
        click.echo(
            printed(error_said(told_in(error, lang), lang)),
            err=True,
        )
        raise SystemExit(exit_status(error)) from None
    finally:
        close_pools()
        if progress is not None:
            progress.done()
    result = outcome.report
    said = publication_lines(outcome)
    written: str | None = None
    if report is not None:
        published = Published(outcome.as_dict(), tuple(said))
        rendered = render(result, _report_format(report), mode=mode, published=published)
        done = f"published {outcome.version}" if outcome.published else "nothing was published"
        write_output(report, rendered, done)
        if report != STDOUT:  # (stranger 81: load and validate said it, publish did not)
            written = written_line(str(report.resolve()), _report_format(report), result.language)
    lang = result.language
    if not outcome.unchanged:
        if not outcome.published:
            click.echo(ui(result.status, lang))  # what was published says itself how it went
        for line in console_lines(result, errors_only=True):
            click.echo(line)
        _show_left_out(result.load.rows_skipped if result.load else 0, lang)
    _show_held(outcome.held_back, lang)  # unchanged too: which rows are still to fix (stranger 88)
    for line in said:
        click.echo(line)
    if written is not None:
        click.echo(written)
    if outcome.published or outcome.unchanged:
        raise SystemExit(0)
    raise SystemExit(2 if not result.readable else 1)


def publication_lines(outcome: Publication) -> list[str]:
    """What a publication did, in its report's language: the same file and mapping as the
    current version; the version published, with its records held back; or nothing."""
    from validation.messages import ui
    from validation.report import summary_line

    result = outcome.report
    lang = result.language
    if outcome.unchanged:  # with what its version still holds back (stranger 85: unsaid)
        lines = [f"{ui('unchanged', lang)} ({outcome.version})"]
    elif not outcome.published:
        return [summary_line("nothing-published", lang, errors=result.errors)]
    else:
        changes = {"added": 0, "removed": 0, "modified": 0}
        changes |= {kind: len(records) for kind, records in outcome.changes.items()}
        lines = [summary_line("published-version", lang, version=outcome.version, **changes)]
    if outcome.held_back and outcome.unchanged:
        lines.append(summary_line("still-held-back", lang, held=len(outcome.held_back)))
    elif outcome.held_back:
        published = result.records - len([h for h in outcome.held_back if h.identifier])
        held = len(outcome.held_back)
        lines.append(summary_line("published-records", lang, published=published, held=held))
    return lines


def _report_format(path: Path) -> str:
    """The format of a report written to ``path``: its extension's, none when it has none
    (``r``, ``.json``: they were written HTML); ``-``, standard output: JSON, what a script
    reads."""
    if path == STDOUT:
        return "json"
    return path.suffix.lstrip(".").lower().replace("turtle", "ttl")


@main.command("submissions")
@click.option("--partner", default=None, help="Only this partner's submissions.")
@STORE_OPTION
@BASE_OPTION
def submissions_command(partner: str | None, store: str | None, base: str | None) -> None:
    """List the submissions recorded in the published store, newest first."""
    from core.names import shown_name
    from publishing.partners import BadPartner, check_partner_id
    from publishing.submissions import list_submissions
    from triplestore.versions import open_snapshot

    try:  # an id no partner can have: 64 (stranger 76: nothing listed, 0)
        if partner is not None:
            check_partner_id(partner)
    except BadPartner as error:
        raise click.UsageError(str(error)) from None
    _generation, snapshot = open_snapshot(_location(store, base, checked=True))
    rows = list_submissions(snapshot, setting("base", base), partner)
    if not rows:  # said, on standard error (stranger 77: nothing at all)
        click.echo("no submissions recorded" + (f" of {partner}" if partner else ""), err=True)
    for row in rows:
        outcome = "published" if row["version"] else "rejected"
        click.echo(  # one line each, whatever a name holds (stranger 76: a forged line)
            f"{row['time']}  {row['partner']:<14} {outcome:<9} {row['errors']:>5} errors "
            f"{row['warnings']:>6} warnings  {shown_name(row['file'])}  "
            f"{row['version'] or ''}".rstrip()
        )


@main.group("partner")
def partner_group() -> None:
    """The partners who may publish, and their tokens."""


@partner_group.command("add")
@click.argument("partner_id")
@click.argument("name")
@click.option("--partners-file", default=None, help=_help("partners_file"))
def partner_add(partner_id: str, name: str, partners_file: str | None) -> None:
    """Add PARTNER_ID (or give it a new token) and print its token, which is stored hashed only."""
    from publishing.partners import (
        BadPartner,
        PartnerError,
        add_partner,
        check_partner,
        new_token,
        not_partners,
    )

    partners = Path(setting("partners_file", partners_file))
    why = not_partners(partners)  # before the output's check, which opens a pipe: 78 whatever
    if why is not None:  # reads it (stranger 77: 73 or 78, as a process read the pipe or not)
        raise SettingsError(f"setting partners_file: {shown_name(str(partners))} {why}")
    refuse_output(partners, hint="'--partners-file'")  # stranger 74: 74, an internal file named
    try:
        check_partner(partner_id, name)
    except BadPartner as error:  # a bad argument: 64
        raise click.UsageError(str(error)) from None
    # the token is shown before it replaces the partner's: an output that cannot take it leaves
    # the old one working (stranger 81: it was replaced, then the new one was never seen; 82:
    # a closed standard output, which Python writes nothing to, exited 0)
    if sys.stdout is None:
        raise OutputFailed("standard output is closed: the token could not be shown")
    token = new_token()
    try:
        click.echo(token)
    except BrokenPipeError:
        raise  # its reader went away: PIPE_EXIT, quietly, as a shell tool ends
    except OSError as error:
        raise OutputFailed(
            f"the token could not be shown on standard output ({error.strerror or error}): "
            "the partner's token is unchanged"
        ) from None
    try:
        add_partner(partners, partner_id, name, token)
    except PartnerError as error:  # the partners file cannot be read: a bad setting, 78
        raise SettingsError(f"{error}; the token above was not given") from None


@main.command("export")
@STORE_OPTION
@BASE_OPTION
@click.option("--output", default=None, help=_help("dumps"))
@click.option("--keep", default=None, help=_help("dumps_keep"))
def export_command(
    store: str | None, base: str | None, output: str | None, keep: str | None
) -> None:
    """Write today's dumps of the published graph (gzipped N-Quads and Turtle, named with the
    store generation) with their SHA-256 checksums, unless this generation's dumps hold the same
    graph already; keep only the newest generations' dumps. The server does this itself after
    each change (the dumps_refresh setting); it lists and serves them at /dumps/."""
    from endpoint.dumps import export

    started = time.monotonic()
    folder = Path(setting("dumps", output))
    refuse_output(folder, folder=True, hint="'--output' (or the dumps setting)")
    exported = export(
        _location(store, base, checked=True),
        setting("base", base),
        folder,
        keep=setting("dumps_keep", keep),
    )
    for dump in exported.dumps:
        if exported.unchanged:
            click.echo(f"unchanged: {dump.name} holds the published graph already, nothing written")
        else:
            click.echo(f"wrote {dump.name} ({dump.size} bytes, sha256 {dump.sha256})")
    for name in exported.pruned:
        click.echo(f"removed {name} (an older generation's)")
    click.echo(f"export took {time.monotonic() - started:.1f} s")


@main.command("link")
@STORE_OPTION
@BASE_OPTION
@click.option(
    "--review",
    type=OutputPath(),
    help="Write every candidate pair worth a look here (CSV), with its confidence (-: standard "
    "output).",
)
def link_command(store: str | None, base: str | None, review: Path | None) -> None:
    """Cluster the records that different sources give of one real place (name, distance,
    website, phone, town, street, kind), rewrite the graph {base}links (each space's canonical
    place, owl:sameAs within a cluster), and list the doubtful pairs for review. Every build
    and publication rewrites the links too; this command does it on demand."""
    import csv

    import publishing  # noqa: F401  (registers the links' and the cube's refresh on commit)
    from linking.matching import SAME, candidates, review_rows
    from publishing.links import links_current, published_spaces
    from triplestore.versions import commit, open_snapshot, published_graphs

    location, base_iri = _location(store, base, checked=True), setting("base", base)
    unchanged = False
    if not location.pending():  # all the store holds is published: read, not written
        # nothing published: 2, as submissions and export say (stranger 76: a mistyped store
        # was made, and linked, exit 0)
        _generation, snapshot = open_snapshot(location)
        places = published_spaces(snapshot, base_iri, published_graphs(snapshot, base_iri))
        # stranger 75: a new generation when nothing changed (every cache and dump renewed);
        # stranger 76: the store opened for writing to find it out (74 on a read-only one)
        unchanged = links_current(snapshot, base_iri, places)
    if not unchanged:
        with location.writer() as target:
            places = published_spaces(target, base_iri, published_graphs(target, base_iri))
            commit(location, target, base_iri)  # the links' refresh runs with the commit
    found = candidates(places)
    rows = review_rows(found)
    if review is not None:
        written = io.StringIO(newline="")
        csv.writer(written).writerows(
            [["'" + c if c[:1] in "=+-@" else c for c in row] for row in rows]
        )
        write_output(review, written.getvalue().encode("utf-8"), "the links are published")
    sure = sum(m.confidence >= SAME for m in found)
    click.echo(f"{len(found)} candidate pairs: {sure} linked, {len(rows) - 1 - sure} for review")
    if unchanged:
        click.echo(f"the links are unchanged: generation {location.generation()} stays current")


#: bytes a multipart upload may carry beyond the file itself (boundaries, fields)
MULTIPART_SLACK = 65_536


#: the pages ``serve`` names when it starts: what each is -> its path
SERVED_PAGES = {
    "home page": "/",
    "observatory": "/observatory",
    "search": "/search",
    "submit data (validate)": "/validate",
    "vocabulary": "/vocabulary/",
    "data catalogue": "/catalog",
    "dumps": "/dumps/",
    "query page": "/query",
    "SPARQL endpoint": "/sparql",
}


def _http_url(host: str, port: int) -> str:
    """The URL of a server at ``host`` (an IPv6 address bracketed) and ``port``."""
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def _check_isolation(resolved: Mapping[str, Any]) -> None:
    """Whether the server's workers are cut from the network, as ``worker_isolation`` asks
    (``core.workers.workers_cut_off``; none is when ``service_peers`` are set): a warning
    when they cannot be, or, where it is required, a SettingsError (exit 78)."""
    from core.workers import workers_cut_off

    if resolved["service_peers"].split() or workers_cut_off():
        return
    why = (
        "the query, update and upload workers cannot be cut from the network on this host "
        "(it allows no user or network namespace)"
    )
    if resolved["worker_isolation"] == "required":
        raise SettingsError(
            f"setting worker_isolation is required, but {why}: allow namespaces, or set it "
            "to auto to serve without"
        )
    click.echo(
        f"warning: {why}; SERVICE and LOAD are refused by the checks of a query's text alone "
        "(worker_isolation = required refuses to serve so)",
        err=True,
    )


@main.command("serve")
@STORE_OPTION
@BASE_OPTION
@click.option("--host", default=None, help=_help("host"))
@click.option("--port", default=None, help=_help("port"))
def serve_command(store: str | None, base: str | None, host: str | None, port: str | None) -> None:
    """Serve the published graph (SPARQL 1.1 protocol at /sparql) with the waitress server."""
    from coworkmed.serving import stop_on_signals
    from endpoint.spool import remove_spool, sweep_spools, workers_folder

    # first, before the slow imports: asked to stop, it stops with status 0, leaving nothing
    stop_on_signals(remove_spool)

    from core.workers import NoWorkers, start_fork_server
    from coworkmed.serving import (
        Drain,
        drain_with,
        make_server,
        server_idle,
        server_options,
        stop_listening,
    )
    from endpoint.app import begin_stop, create_app
    from endpoint.warm import warm_up
    from triplestore.versions import writing

    given = {"store": store, "base": base, "host": host, "port": port}
    config = {name: value for name, value in given.items() if value is not None}
    settings(config)  # a setting that cannot be read: said before anything starts
    # the workers come from it: fail now, saying why; and before the app, whose dump exporter
    # would start it otherwise, not shielded from the stop signals sent to the server's whole
    # group, and its workers with it (stranger 55)
    try:
        start_fork_server(workers_folder())
    except NoWorkers as problem:
        raise click.ClickException(str(problem)) from None
    _location(store)  # a file or a folder of other files: said so, not "nothing published"
    app = create_app(config)
    resolved = app.config["COWORKMED"]
    _check_isolation(resolved)
    if not app.extensions["coworkmed.store"].generation():  # 2, as submissions and export say
        raise LoadError(f"{resolved['store']}: nothing published yet; run coworkmed build")
    _built_under(app.extensions["coworkmed.store"], resolved["store"], resolved["base"])
    for folder in sweep_spools():
        click.echo(f"removed {folder}: left by a server that was killed", err=True)
    host = str(resolved["host"])
    url = _http_url(host, resolved["port"])
    logging.basicConfig()  # waitress's own warnings (a full queue of requests) reach the log
    try:  # listen before saying where: a port in use is one line, not a traceback
        server = make_server(
            app,
            host=resolved["host"],
            port=resolved["port"],
            **server_options(resolved),
            # waitress spools a body to disk before the app sees it: never more than the app takes
            max_request_body_size=app.config["MAX_CONTENT_LENGTH"] + MULTIPART_SLACK,
        )
    except (OSError, ValueError, OverflowError) as problem:
        # OSError: the port is in use, or the address is no interface's; ValueError: a name
        # that does not resolve; OverflowError: a port past 65535
        said = (problem.strerror if isinstance(problem, OSError) else None) or str(problem)
        # the host or port settings to change: 78 (stranger 76: 1, a file's errors)
        raise SettingsError(f"setting host or port: cannot listen at {url}: {said}") from None
    url = _http_url(host, getattr(server, "effective_port", resolved["port"]))  # port 0: chosen
    click.echo(f"serving {resolved['store']} at {url}/")
    for name, path in SERVED_PAGES.items():
        click.echo(f"  {name:<22} {url}{path}")
    warm_up(app)  # the first pages' answers, worked out while the server starts listening

    def begin() -> None:
        stop_listening(server)
        begin_stop(app)

    # asked to stop, it finishes the writes and uploads it is running, and answers them
    drain_with(Drain(begin, lambda: server_idle(server), resolved["stop_wait"], writing))
    server.run()


if __name__ == "__main__":
    main()
