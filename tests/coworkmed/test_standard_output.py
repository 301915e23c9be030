"""An output named ``-`` is standard output, and a command whose reader goes away ends quietly
(``stdout-cases.yaml``; stranger 75: ``--output -`` wrote a file named ``-``, and
``coworkmed submissions | head`` ended with "Broken pipe"). Each runs as a process, as a script
sees it."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from coworkmed.cli import OUTPUT_EXIT, PIPE_EXIT
from publishing.partners import add_partner

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "examples/partners/fr-aura/tiers-lieux.tsv"
CASES: list[dict[str, Any]] = yaml.safe_load(
    Path(__file__).with_name("stdout-cases.yaml").read_text(encoding="utf-8")
)
COMMAND = "from coworkmed.cli import main; main()"


def _run(args: list[str], places: dict[str, str], cwd: Path, **kwargs: Any) -> Any:
    filled = [arg.format(**places) for arg in args]
    env = {name: value for name, value in os.environ.items() if not name.startswith("COWORKMED_")}
    return subprocess.run(
        [sys.executable, "-c", COMMAND, *filled],
        cwd=cwd, env=env | {"PYTHONPATH": str(ROOT)}, timeout=300, check=False, **kwargs,
    )  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_an_output_named_dash_is_written_to_standard_output(
    case: dict[str, Any], tmp_path: Path
) -> None:
    data, partners, here = tmp_path / "data.tsv", tmp_path / "partners.toml", tmp_path / "here"
    data.write_bytes(SAMPLE.read_bytes())
    add_partner(partners, "fr-aura", "Auvergne-Rhône-Alpes")
    here.mkdir()
    places = {"root": str(ROOT), "data": str(data), "partners": str(partners),
              "store": str(tmp_path / "store")}  # fmt: skip
    if "before" in case:
        assert _run(case["before"], places, here, capture_output=True).returncode == 0
    finished = _run(case["args"], places, here, capture_output=True)
    assert finished.returncode == case["status"], finished.stderr
    assert b"Traceback" not in finished.stderr
    assert list(here.iterdir()) == []  # no file named -
    text = finished.stdout.decode("utf-8-sig")
    if case["format"] == "json":
        assert case["holds"] in json.loads(text)  # the output alone: what is said is on stderr
    else:
        rows = list(csv.reader(io.StringIO(text)))
        assert rows and all(len(row) == len(rows[0]) for row in rows)
        assert "holds" not in case or case["holds"] in rows[0]
    assert finished.stderr.strip()  # what it says is not lost


def test_the_json_report_of_a_publication_says_what_was_published(tmp_path: Path) -> None:
    """``publish --report -``: the publication's outcome around its report, as the API
    answers one (stranger 75: "rejected", its validation's status, for a published file)."""
    data, partners = tmp_path / "data.tsv", tmp_path / "partners.toml"
    data.write_bytes(SAMPLE.read_bytes())
    add_partner(partners, "fr-aura", "Auvergne-Rhône-Alpes")
    places = {"data": str(data), "partners": str(partners), "store": str(tmp_path / "store"),
              "root": str(ROOT)}  # fmt: skip
    case = BY_ID["publish-report"]
    first = json.loads(_run(case["args"], places, tmp_path, capture_output=True).stdout)
    assert first["published"] is True and first["version"]
    assert first["report"]["file"].endswith("data.tsv")
    again = json.loads(_run(case["args"], places, tmp_path, capture_output=True).stdout)
    assert again["unchanged"] is True and again["published"] is False
    assert again["version"] == first["version"]


BY_ID = {case["id"]: case for case in CASES}
#: commands that write to standard output, each after the commands it needs
PIPED = {
    "submissions": ([BY_ID["publish-report"]["args"][:-2]], ["submissions", "--store", "{store}"]),
    "validate-json": ([], ["validate", "{data}", "--format", "json"]),
    "link-review": ([BY_ID["link-review"]["before"]], BY_ID["link-review"]["args"]),
    # (stop 54: written while the arguments are read, click's exit 1 or a traceback)
    "help": ([], ["--help"]),
    "version": ([], ["--version"]),
    "command-help": ([], ["validate", "--help"]),
    "template": ([], ["template"]),
}


def _run_to_closed_pipe(args: list[str], places: dict[str, str], cwd: Path) -> Any:
    """``_run`` with its standard output a pipe whose reader is gone (``| head`` done)."""
    reading, writing = os.pipe()
    os.close(reading)
    try:
        return _run(args, places, cwd, stdout=writing, stderr=subprocess.PIPE)
    finally:
        os.close(writing)


def _ready(name: str, tmp_path: Path) -> tuple[list[str], dict[str, str]]:
    """The arguments of the command ``PIPED`` names, and the places they name, once the
    commands it needs have run."""
    data, partners = tmp_path / "data.tsv", tmp_path / "partners.toml"
    data.write_bytes(SAMPLE.read_bytes())
    add_partner(partners, "fr-aura", "Auvergne-Rhône-Alpes")
    places = {"data": str(data), "partners": str(partners), "store": str(tmp_path / "store"),
              "root": str(ROOT)}  # fmt: skip
    before, args = PIPED[name]
    for each in before:
        assert _run(each, places, tmp_path, capture_output=True).returncode == 0
    return args, places


@pytest.mark.parametrize("name", sorted(PIPED))
def test_a_command_whose_reader_went_away_ends_quietly(name: str, tmp_path: Path) -> None:
    """Its standard output a pipe closed before it writes (``| head`` done reading): the exit
    status a shell gives a command SIGPIPE ended, and nothing said."""
    args, places = _ready(name, tmp_path)
    finished = _run_to_closed_pipe(args, places, tmp_path)
    assert finished.returncode == PIPE_EXIT, finished.stderr
    said = finished.stderr.decode("utf-8")
    assert "Broken pipe" not in said and "Error" not in said and "Traceback" not in said, said


@pytest.mark.parametrize("name", sorted(PIPED))
def test_a_command_whose_standard_output_is_full_says_it(name: str, tmp_path: Path) -> None:
    """Its standard output a full disk (``/dev/full``): the status of an output that cannot be
    written, and why, in one line (stop 54: 74, "a file cannot be read or written otherwise",
    and a traceback for --help)."""
    args, places = _ready(name, tmp_path)
    with open("/dev/full", "wb") as full:
        finished = _run(args, places, tmp_path, stdout=full, stderr=subprocess.PIPE)
    said = finished.stderr.decode("utf-8")
    assert finished.returncode == OUTPUT_EXIT, said
    error = said.splitlines()[-1]  # after the progress lines, one line
    assert error.startswith("Error: ") and said.count("Error") == 1, said
    assert "standard output c" in error and "be written (No space left on device)" in error
    assert "Traceback" not in said


#: names of partners' files a script meets: bytes no encoding decodes, a newline that forged a
#: line of ``submissions`` (stranger 76: a traceback and exit 1; a publication of another
#: partner dated 2099)
ODD_NAMES = {
    "not-utf8": b"bad\xffname.tsv",
    "latin-1": "Espaços.tsv".encode("latin-1"),
    "newline": b"new\n2099-01-01T00:00:00Z  it-toscana  published  0 errors.tsv",
    "escape": b"\x1b[31mred.tsv",
}


@pytest.mark.parametrize("name", sorted(ODD_NAMES))
def test_a_file_of_any_name_is_published_and_listed_on_one_line(name: str, tmp_path: Path) -> None:
    odd = os.path.join(os.fsencode(tmp_path), ODD_NAMES[name])
    Path(os.fsdecode(odd)).write_bytes(SAMPLE.read_bytes())
    partners = tmp_path / "partners.toml"
    add_partner(partners, "fr-aura", "Auvergne-Rhône-Alpes")
    places = {"data": os.fsdecode(odd), "partners": str(partners),
              "store": str(tmp_path / "store"), "root": str(ROOT)}  # fmt: skip
    for args in (BY_ID["validate-output"]["args"], BY_ID["publish-report"]["args"]):
        finished = _run(args, places, tmp_path, capture_output=True)
        assert finished.returncode == 0 and b"Traceback" not in finished.stderr, finished.stderr
        assert json.loads(finished.stdout)  # the JSON whole
    listed = _run(["submissions", "--store", "{store}"], places, tmp_path, capture_output=True)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.decode("utf-8").splitlines()
    assert len(lines) == 1 and " fr-aura " in lines[0] and "\ufffd" in lines[0]


@pytest.mark.parametrize("case_id", ["validate-output", "publish-report", "link-review"])
def test_a_pipe_read_once_gets_the_whole_output(case_id: str, tmp_path: Path) -> None:
    """A reader that opens a named pipe and reads it to its end once (``cat pipe > file``):
    the check of the output opened and closed the pipe, which ended the reader, and the write
    found none (stranger 76: exit 73 after publishing, and nothing read)."""
    data, partners, pipe = tmp_path / "data.tsv", tmp_path / "partners.toml", tmp_path / "o.json"
    data.write_bytes(SAMPLE.read_bytes())
    add_partner(partners, "fr-aura", "Auvergne-Rhône-Alpes")
    os.mkfifo(pipe)
    places = {"root": str(ROOT), "data": str(data), "partners": str(partners),
              "store": str(tmp_path / "store")}  # fmt: skip
    case = BY_ID[case_id]
    if "before" in case:
        assert _run(case["before"], places, tmp_path, capture_output=True).returncode == 0
    read: list[bytes] = []
    reader = threading.Thread(target=lambda: read.append(pipe.read_bytes()), daemon=True)
    reader.start()
    args = [str(pipe) if arg == "-" else arg for arg in case["args"]]
    finished = _run(args, places, tmp_path, capture_output=True)
    reader.join(timeout=60)
    assert finished.returncode == case["status"], finished.stderr
    text = read[0].decode("utf-8-sig")
    assert json.loads(text) if case["format"] == "json" else list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("output", ["full", "closed", "no-descriptor"])
def test_a_token_no_one_can_see_is_not_given(output: str, tmp_path: Path) -> None:
    """Stranger 81: ``partner add`` with an output that cannot take the token replaced the
    partner's token, then exited 73 (141): the old token stopped working and no one saw the
    new one. The token is shown first: the partners file is left as it was."""
    from publishing.partners import partner_for_token

    partners = tmp_path / "partners.toml"
    token = add_partner(partners, "fr-aura", "Auvergne-Rhône-Alpes")
    before = partners.read_bytes()
    args = ["partner", "add", "fr-aura", "Auvergne-Rhône-Alpes", "--partners-file", "{partners}"]
    places = {"partners": str(partners)}
    if output == "full":
        with open("/dev/full", "wb") as full:
            finished = _run(args, places, tmp_path, stdout=full, stderr=subprocess.PIPE)
        assert finished.returncode == OUTPUT_EXIT, finished.stderr
    elif output == "closed":
        finished = _run_to_closed_pipe(args, places, tmp_path)
        assert finished.returncode == PIPE_EXIT, finished.stderr
    else:  # ``>&-`` (stranger 82: Python writes nothing to it, and it exited 0)
        finished = _run(
            args, places, tmp_path, stderr=subprocess.PIPE, preexec_fn=lambda: os.close(1)
        )
        assert finished.returncode == OUTPUT_EXIT, finished.stderr
        assert b"standard output is closed" in finished.stderr
    assert partners.read_bytes() == before
    found = partner_for_token(partners, token)
    assert found is not None and found.id == "fr-aura"
