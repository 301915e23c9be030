"""A file loaded again unchanged publishes nothing and says so: the same file (its sha256) read
with the same mapping as the dataset's current version is neither loaded nor published, through
``coworkmed load``, ``build`` and ``publish``; nor is a file whose records are those of the
current version in other bytes (a blank line more, a comment in the mapping: issue #18, more
variants in per-record/cases.yaml); a changed cell, a mapping that reads another value or
``--force`` make a new version."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from coworkmed.cli import main
from publishing import publish
from publishing.partners import add_partner
from publishing.per_record import holding
from triplestore.versions import current_generation, locate, open_store
from validation.submission import validate_submission

ROOT = Path(__file__).parents[2]
BASE = "https://w3id.org/coworkmed/id/"
SOURCE = ROOT / "examples" / "partners" / "fr-aura"
DUPLICATES = ROOT / "tests" / "validation" / "submissions" / "duplicates.csv"
#: the module's compose, before a test counts its calls
COMPOSE = publish.compose


def _versions(store: Path) -> set[str]:
    """Every version graph of the fr-aura dataset the store holds (current and previous: the
    primary database keeps them; a snapshot holds the published ones only)."""
    primary = open_store(store)
    prefix = f"{BASE}dataset/fr-aura/"
    found = {g.value for g in primary.named_graphs() if g.value.startswith(prefix)}
    del primary  # closed: the next command opens it
    return found


def _load(store: Path, mapping: Path, *more: str) -> str:
    command = ["load", str(mapping), "--store", str(store), "--lang", "en", *more]
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A copy of a sample source (its mapping and file), to edit."""
    return Path(shutil.copytree(SOURCE, tmp_path / "fr-aura"))


def test_loading_the_same_file_again_publishes_nothing(source: Path, tmp_path: Path) -> None:
    store, mapping = tmp_path / "store", source / "mapping.yaml"
    assert "8 records published" in _load(store, mapping)
    versions, generation = _versions(store), current_generation(store)
    again = _load(store, mapping)
    assert "Unchanged" in again and "nothing was published" in again, again
    assert _versions(store) == versions and current_generation(store) == generation
    assert len(versions) == 1


#: an edit of the sample source: the file, the text replaced ("": at the end), its replacement,
#: and whether it changes what is published
EDITS = {
    "blank-line-at-the-end": ("tiers-lieux.tsv", "", "\n", False),
    "crlf": ("tiers-lieux.tsv", "\n", "\r\n", False),
    "mapping-comment": ("mapping.yaml", "\nfile:", "\n# a comment\nfile:", False),
    "cell": ("tiers-lieux.tsv", "La Ruche des Pentes", "La Ruche des Pentes (Lyon 1er)", True),
    "mapping-title": ("mapping.yaml", "Third places of Auvergne", "Third spaces of Auvergne", True),
    "force": ("mapping.yaml", "", "", True),
}


@pytest.mark.parametrize("change", sorted(EDITS))
def test_a_changed_record_or_force_makes_a_new_version(
    change: str, source: Path, tmp_path: Path
) -> None:
    store, mapping = tmp_path / "store", source / "mapping.yaml"
    _load(store, mapping)
    generation = current_generation(store)
    more = ["--force"] if change == "force" else []
    time.sleep(1.0)  # a version is named by its second and its file: the next second
    name, old, new, changes = EDITS[change]
    edited = source / name
    text = edited.read_bytes().decode("utf-8")
    assert old in text
    edited.write_bytes((text.replace(old, new) if old else text + new).encode("utf-8"))
    output = _load(store, mapping, *more)
    if changes:
        assert "8 records published" in output and "Unchanged" not in output, output
        assert len(_versions(store)) == 2 and current_generation(store) == generation + 1
    else:
        assert "Unchanged" in output and "nothing was published" in output, output
        assert len(_versions(store)) == 1 and current_generation(store) == generation


def test_a_build_again_loads_nothing(store_path: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    shutil.copytree(store_path, store)
    result = CliRunner().invoke(
        main, ["build", "--data", str(ROOT / "examples" / "partners"), "--store", str(store)]
    )
    assert result.exit_code == 0, result.output
    last = result.output.rstrip().splitlines()[-1]
    assert last.startswith("0 sources loaded, 5 unchanged, 0 failed"), result.output


def test_publishing_the_same_file_again_publishes_nothing(store_path: Path, tmp_path: Path) -> None:
    store, partners = tmp_path / "store", tmp_path / "partners.toml"
    shutil.copytree(store_path, store)
    add_partner(partners, "acme", "Acme")
    submission = ROOT / "tests" / "validation" / "submissions" / "duplicates.csv"
    common = ["--partner", "acme", "--partners-file", str(partners), "--store", str(store)]
    cli = CliRunner()
    first = cli.invoke(main, ["publish", str(submission), *common, "--lang", "hr"])
    assert first.exit_code == 0 and "Objavljeno" in first.output, first.output
    generation = current_generation(store)
    again = cli.invoke(main, ["publish", str(submission), *common, "--lang", "hr"])
    assert again.exit_code == 0 and "Nepromijenjeno" in again.output, again.output
    assert current_generation(store) == generation
    listed = cli.invoke(main, ["submissions", "--store", str(store), "--partner", "acme"])
    assert len(listed.output.splitlines()) == 1  # nothing written, not even a record
    # the template read in another language (another mapping): the same records, unchanged
    other = cli.invoke(main, ["publish", str(submission), *common, "--lang", "fr"])
    assert other.exit_code == 0 and "Inchangé" in other.output, other.output
    assert current_generation(store) == generation


#: a second submission after a first was published: the edit to its file, and whether it is
#: published (a changed cell) or found unchanged (the same records in other bytes)
SECOND_SUBMISSIONS = {
    "a-changed-cell": (("Drugi Hub", "Drugi Hub Split"), True),
    "a-blank-line-more": (("", "\n"), False),
    "crlf-line-ends": (("\n", "\r\n"), False),
}


@pytest.mark.parametrize("case", sorted(SECOND_SUBMISSIONS))
def test_a_publish_composes_its_graph_once(
    case: str, store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #18 (speed): the check that a submission publishes nothing new and the write
    composed the graph (and its content digest, a bulk load of the whole graph) twice; the
    write now takes the graph the check composed against the same current version."""
    store, partners = tmp_path / "store", tmp_path / "partners.toml"
    shutil.copytree(store_path, store)
    add_partner(partners, "acme", "Acme")
    common = ["--partner", "acme", "--partners-file", str(partners), "--store", str(store)]
    first = CliRunner().invoke(main, ["publish", str(DUPLICATES), *common, "--lang", "hr"])
    assert first.exit_code == 0, first.output
    (old, new), published = SECOND_SUBMISSIONS[case]
    edited = tmp_path / "duplicates.csv"
    text = DUPLICATES.read_text(encoding="utf-8")
    edited.write_bytes((text.replace(old, new) if old else text + new).encode("utf-8"))
    made = []
    monkeypatch.setattr(publish, "compose", lambda *a: made.append(a) or COMPOSE(*a))
    time.sleep(1.0)  # a version is named by its second and its file: the next second
    second = CliRunner().invoke(main, ["publish", str(edited), *common, "--lang", "hr"])
    assert second.exit_code == 0, second.output
    assert ("Nepromijenjeno" not in second.output) == published, second.output
    assert len(made) == 1


def test_a_graph_is_composed_again_when_the_current_version_moved(
    store_path: Path, tmp_path: Path
) -> None:
    """What the check composed is not taken by the write when another publish made a new
    current version between them (``publishing.publish.Composed``, keyed by the version)."""
    store, partners = tmp_path / "store", tmp_path / "partners.toml"
    shutil.copytree(store_path, store)
    add_partner(partners, "acme", "Acme")
    common = ["--partner", "acme", "--partners-file", str(partners), "--store", str(store)]
    report = validate_submission(DUPLICATES, lang="hr")
    dataset = f"{BASE}dataset/acme"
    composed = publish.Composed(BASE, dataset, report, holding(report, "per-record"))
    for moved in range(2):
        if moved:
            time.sleep(1.0)
        published = CliRunner().invoke(main, ["publish", str(DUPLICATES), *common, "--force"])
        assert published.exit_code == 0, published.output
        _generation, reader = locate(store).reader()
        graph, _kept = composed.graph(reader)
        assert len(composed.made) == moved + 1
        assert graph == COMPOSE(reader, BASE, dataset, report, holding(report, "per-record"))[0]
