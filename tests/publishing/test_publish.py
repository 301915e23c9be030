"""Publishing: partners and their hashed tokens, only conforming submissions published, each
submission recorded, the changes since the previous version, through the command line."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from core.namespaces import DEFAULT_DATA_BASE
from coworkmed.cli import main
from publishing.build import load_checked
from publishing.partners import (
    Partner,
    add_partner,
    hash_token,
    partner_for_token,
    read_partners,
    token_matches,
)
from publishing.publish import Publication, publish_submission
from publishing.published_places import read_published_places
from publishing.submissions import list_submissions
from tests.backends import Published
from triplestore.versions import current_versions, open_snapshot
from validation.columns import template_mapping
from validation.submission import validate_submission

ROOT = Path(__file__).parents[2]
BASE = "https://w3id.org/coworkmed/id/"
SPLIT = ROOT / "examples" / "partners" / "hr-split"
CELLS = ROOT / "tests" / "validation" / "submissions" / "cells.csv"
#: how long a command waits for a store another process writes (``store_lock_wait``)
WAIT = "COWORKMED_STORE_LOCK_WAIT"


@pytest.fixture
def store(writable: Published) -> Published:
    """The samples, on each backend, to publish to."""
    return writable


def test_tokens_are_stored_hashed_and_scoped(tmp_path: Path) -> None:
    partners = tmp_path / "partners.toml"
    token = add_partner(partners, "hr-split", "Splitsko-dalmatinska županija")
    other = add_partner(partners, "fr-aura", "Région AURA")
    text = partners.read_text(encoding="utf-8")
    assert token not in text and other not in text and "pbkdf2-sha256$" in text
    assert partner_for_token(partners, token).id == "hr-split"
    assert partner_for_token(partners, other).id == "fr-aura"
    assert partner_for_token(partners, token[:-1] + "x") is None
    assert partner_for_token(partners, None) is None
    assert set(read_partners(partners)) == {"hr-split", "fr-aura"}
    assert token_matches("s3cret", hash_token("s3cret")) and not token_matches("s3cret", "md5$x")


def test_a_conforming_submission_replaces_the_partners_dataset(store: Published) -> None:
    partner = Partner("hr-split", "Split", "unused")
    before = store.location.generation()
    mapping = SPLIT / "mapping.yaml"
    file = SPLIT / "coworking-prostori.csv"
    same = publish_submission(file, partner, store.location, BASE, mapping, "hr")
    assert same.unchanged and not same.published  # the build loaded this file already
    assert same.generation == store.location.generation() == before
    outcome = publish_submission(file, partner, store.location, BASE, mapping, "hr", force=True)
    assert outcome.published and outcome.report.conforms and not outcome.unchanged
    assert outcome.generation == store.location.generation() == before + 1
    # the same records as the build loaded: nothing added, removed or modified
    assert outcome.changes == {"added": [], "removed": [], "modified": []}
    _generation, snapshot = open_snapshot(store.location)
    current = {v.value for v in current_versions(snapshot, BASE)}
    assert outcome.version in current
    history = list_submissions(snapshot, BASE, "hr-split")
    assert history[0]["version"] == outcome.version and history[0]["conforms"]


def test_changes_since_the_previous_version(store: Published, tmp_path: Path) -> None:
    partner = Partner("hr-split", "Split", "unused")
    lines = (SPLIT / "coworking-prostori.csv").read_text(encoding="cp1250").splitlines()
    edited = tmp_path / "edited.csv"
    first, removed = lines[1], lines[2]
    name = first.split(";")[1]
    changed = first.replace(name, name + " Novo", 1)
    edited.write_text("\n".join([lines[0], changed, *lines[3:]]) + "\n", encoding="cp1250")
    outcome = publish_submission(
        edited, partner, store.location, BASE, SPLIT / "mapping.yaml", "hr"
    )
    assert outcome.published, [f.as_dict() for f in outcome.report.findings]
    assert len(outcome.changes["removed"]) == 1 and len(outcome.changes["modified"]) == 1
    assert outcome.changes["added"] == [] and removed.split(";")[0] in outcome.changes["removed"][0]


def test_a_rejected_submission_changes_nothing_but_is_recorded(store: Published) -> None:
    partner = Partner("fr-aura", "AURA", "unused")
    _generation, snapshot = open_snapshot(store.location)
    published = {v.value for v in current_versions(snapshot, BASE)}
    outcome = publish_submission(CELLS, partner, store.location, BASE, None, "fr")
    assert not outcome.published and outcome.report.errors
    _generation, snapshot = open_snapshot(store.location)
    assert {v.value for v in current_versions(snapshot, BASE)} == published
    (record,) = list_submissions(snapshot, BASE, "fr-aura")
    assert record["conforms"] is False and record["errors"] == outcome.report.errors
    assert record["version"] is None and record["file"] == "cells.csv"


def test_publish_command(store: Published, tmp_path: Path) -> None:
    partners = tmp_path / "partners.toml"
    add_partner(partners, "fr-aura", "AURA")
    common = ["--store", store.settings["store"], "--partners-file", str(partners), "--lang", "fr"]
    cli = CliRunner(env=store.environment())
    rejected = cli.invoke(
        main,
        [
            "publish",
            str(CELLS),
            "--partner",
            "fr-aura",
            *common,
            "--report",
            str(tmp_path / "r.csv"),
        ],
    )
    assert rejected.exit_code == 1, rejected.output
    assert "Refusé" in rejected.output and (tmp_path / "r.csv").stat().st_size > 0
    unknown = cli.invoke(main, ["publish", str(CELLS), "--partner", "xx", *common])
    # in the command's language (common holds --lang fr)
    assert unknown.exit_code == 64 and "Partenaire inconnu xx" in unknown.output  # a bad option
    sample = ROOT / "examples" / "partners" / "fr-aura"
    # regression: another partner's mapping replaced fr-aura's records without a word
    tuscany = ROOT / "examples" / "partners" / "it-toscana"
    other = cli.invoke(
        main,
        ["publish", str(sample / "tiers-lieux.tsv"), "--partner", "fr-aura",
         "--mapping", str(tuscany / "mapping.yaml"), *common],
    )  # fmt: skip
    assert other.exit_code == 64 and "partenaire it-toscana, pas de fr-aura" in other.output
    published = cli.invoke(
        main,
        ["publish", str(sample / "tiers-lieux.tsv"), "--partner", "fr-aura",
         "--mapping", str(sample / "mapping.yaml"), *common],
    )  # fmt: skip
    assert published.exit_code == 0, published.output
    assert "Inchangé" in published.output and "published" not in published.output
    published = cli.invoke(
        main,
        ["publish", str(sample / "tiers-lieux.tsv"), "--partner", "fr-aura",
         "--mapping", str(sample / "mapping.yaml"), *common, "--force"],
    )  # fmt: skip
    assert published.exit_code == 0, published.output
    assert "Publié https://w3id.org/coworkmed/id/dataset/fr-aura/" in published.output
    listed = cli.invoke(
        main, ["submissions", "--store", store.settings["store"], "--partner", "fr-aura"]
    )
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert len(lines) == 2 and "published" in lines[0] and "rejected" in lines[1]


def test_a_space_another_partner_published_nearby_is_pointed_out(
    published: Published, tmp_path: Path
) -> None:
    submission = tmp_path / "split.csv"
    submission.write_text(
        "Identifier,Name,Kind of space,Town,Postcode,Country,Latitude,Longitude\n"
        "X-1,Kvart Lab,coworking,Split,21000,HR,43.5090,16.4452\n"
        "X-2,Kvart Lab,coworking,Zagreb,10000,HR,45.8150,15.9819\n",
        encoding="utf-8",
    )
    source = template_mapping("en").source_id
    places = read_published_places(published.location, DEFAULT_DATA_BASE, source)
    report = validate_submission(submission, lang="en", published=places)
    found = [f for f in report.findings if f.code == "already-published-anonymous"]
    assert [(f.row, f.column, f.value) for f in found] == [(2, "Name", "Kvart Lab")]
    assert "hr-split/S-01" in found[0].message


def test_the_same_file_sent_twice_at_once_is_published_once(
    store: Published, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stranger 63: the same file sent twice at the same moment was published twice (two
    generations, two records naming one version): each was checked against the version before
    either was written. The check reads the store under the write's own lock."""
    import threading

    from publishing import publish as publish_module

    partner = Partner("hr-split", "Split", "unused")
    lines = (SPLIT / "coworking-prostori.csv").read_text(encoding="cp1250").splitlines()
    edited = tmp_path / "edited.csv"  # a record less: a new version, not the one loaded
    edited.write_text("\n".join([lines[0], *lines[2:]]) + "\n", encoding="cp1250")
    validate = publish_module.validate
    both_validated = threading.Barrier(2, timeout=60)

    def validated_together(*args: object, **kwargs: object) -> object:
        report = validate(*args, **kwargs)  # type: ignore[arg-type]
        both_validated.wait()  # then both check and write at once
        return report

    monkeypatch.setattr(publish_module, "validate", validated_together)
    outcomes: list[Publication] = []

    def send() -> None:
        outcomes.append(
            publish_submission(edited, partner, store.location, BASE, SPLIT / "mapping.yaml", "hr")
        )

    senders = [threading.Thread(target=send) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=120)
    assert sorted((o.published, o.unchanged) for o in outcomes) == [(False, True), (True, False)]


def test_a_file_sent_again_in_the_same_second_after_another_is_refused(
    store: Published, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stranger 64: file A, then file B, then A again within the same second: A's second
    publication took the name of its first (a version is named by the second and the file's
    checksum), both were written into one version graph, each naming the other as the one
    before it. Nothing is written now, and it is said: send it again."""
    from loaders import provenance
    from publishing.publish import SentAgainTooSoon

    monkeypatch.setattr(
        provenance, "version_id", lambda _started, sha, _mapping: f"same-second-{sha[:8]}"
    )
    partner = Partner("hr-split", "Split", "unused")
    lines = (SPLIT / "coworking-prostori.csv").read_text(encoding="cp1250").splitlines()
    files = {}
    for name, left_out in (("a", 1), ("b", 2)):
        files[name] = tmp_path / f"{name}.csv"
        kept = [line for number, line in enumerate(lines) if number != left_out]
        files[name].write_text("\n".join(kept) + "\n", encoding="cp1250")

    def sent(name: str) -> Publication:
        return publish_submission(
            files[name], partner, store.location, BASE, SPLIT / "mapping.yaml", "hr"
        )

    assert sent("a").published and sent("b").published
    before = store.location.generation()
    with pytest.raises(SentAgainTooSoon) as refused:
        sent("a")
    assert refused.value.code == "publish-again"
    assert store.location.generation() == before


def _sent_by(door: str, store: Published, file: Path, mapping: Path) -> str | None:
    """Publish ``file`` read with ``mapping`` as hr-split's through ``door`` (a partner's
    submission, or a source of a build forced): the version it published (None: none)."""
    if door == "submission":
        partner = Partner("hr-split", "Split", "unused")
        sent = publish_submission(file, partner, store.location, BASE, mapping, "hr", force=True)
        return sent.version if sent.published else None
    with store.location.writer() as writer:
        load = load_checked(mapping, writer, BASE, store.location, file, force=True).load
    return load.graph if load.published else None


def _covered(store: Published) -> set[str]:
    """The NUTS codes the current version of hr-split says it covers (``dcterms:spatial``)."""
    _generation, snapshot = open_snapshot(store.location)
    (version,) = (v for v in current_versions(snapshot, BASE) if "/hr-split/" in v.value)
    found = snapshot.query(
        f"SELECT ?area WHERE {{ GRAPH <{version.value}> {{ "
        f"<{BASE}dataset/hr-split> <http://purl.org/dc/terms/spatial> ?area }} }}"
    )
    return {row["area"].value.rsplit("/", 1)[-1] for row in found}


def _mapping_covering(folder: Path, coverage: str) -> Path:
    """hr-split's mapping, saying its source covers ``coverage``, written in ``folder``."""
    mapping = yaml.safe_load((SPLIT / "mapping.yaml").read_text(encoding="utf-8"))
    mapping["source"]["coverage"] = coverage
    mapping["file"]["path"] = str(SPLIT / mapping["file"]["path"])
    written = folder / f"mapping-{coverage}.yaml"
    written.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    return written


@pytest.mark.parametrize("door", ["submission", "build"])
def test_the_same_file_with_another_mapping_in_the_same_second_is_published(
    store: Published, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, door: str
) -> None:
    """CI of stop 55 (``test_partner_coverage``, now and then): a partner's coverage
    corrected and the same file sent again within the same second took the name of the version
    before (the second and the file's checksum), which the store held: nothing was written,
    and it was said published. A version is named by the file and its mapping; the clock is
    held at one second here."""
    from loaders import provenance

    named = provenance.version_id
    one_second = dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(
        provenance, "version_id", lambda _started, sha, mapping: named(one_second, sha, mapping)
    )
    file = SPLIT / "coworking-prostori.csv"
    first = _sent_by(door, store, file, _mapping_covering(tmp_path, "HR035"))
    assert first is not None and _covered(store) == {"HR035"}
    before = store.location.generation()
    second = _sent_by(door, store, file, _mapping_covering(tmp_path, "HR"))
    assert second is not None and second != first
    assert _covered(store) == {"HR"}
    assert store.location.generation() == before + 1


def _said_of(store: Published, version: str) -> tuple[str, str]:
    """What version ``version`` says of itself: its ``dcat:version`` and its load's plan."""
    _generation, snapshot = open_snapshot(store.location)
    (row,) = snapshot.query(
        f"SELECT ?id ?plan WHERE {{ GRAPH <{version}> {{ <{version}> "
        "<http://www.w3.org/ns/dcat#version> ?id . ?plan a <http://www.w3.org/ns/prov#Plan> } }"
    )
    return row["id"].value, row["plan"].value


@pytest.mark.parametrize("door", ["submission", "build"])
def test_a_mapping_edited_while_it_is_published_is_named_as_it_was_read(
    store: Published, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, door: str
) -> None:
    """Stranger 84: a mapping edited while a publication ran (its file was read once, then
    hashed again at each step) gave a version whose records were of the text read, its name
    of another text, its plan of a third; and the next publication of the edited text was said
    unchanged. A mapping is named by the bytes it was read from."""
    import hashlib

    from loaders import provenance
    from loaders.mapping import load_mapping

    file = SPLIT / "coworking-prostori.csv"
    mapping = _mapping_covering(tmp_path, "HR035")
    read = mapping.read_bytes()
    edited = _mapping_covering(tmp_path, "HR").read_bytes()

    def read_then_edited(path: Path) -> Any:
        found = load_mapping(path)
        if Path(path) == mapping:
            mapping.write_bytes(edited)  # the partner saves its edit as the load goes on
        return found

    where = "publishing.publish" if door == "submission" else "publishing.build"
    monkeypatch.setattr(f"{where}.load_mapping", read_then_edited)
    version = _sent_by(door, store, file, mapping)
    monkeypatch.undo()
    assert version is not None and _covered(store) == {"HR035"}
    said_id, plan = _said_of(store, version)
    assert version.endswith(f"/{said_id}")
    assert plan == provenance.plan_iri(BASE, "hr-split", hashlib.sha256(read).hexdigest())
    if door == "submission":  # the edited text, sent again: not "unchanged"
        partner = Partner("hr-split", "Split", "unused")
        again = publish_submission(file, partner, store.location, BASE, mapping, "hr")
        assert again.published and not again.unchanged
    else:
        with store.location.writer() as writer:
            load = load_checked(mapping, writer, BASE, store.location, file).load
        assert load.published and not load.unchanged
    assert _covered(store) == {"HR"}


@pytest.mark.parametrize("door", ["submission", "build"])
@pytest.mark.parametrize("current", [True, False], ids=["the-current-one", "an-earlier-one"])
def test_a_version_name_held_with_other_content_is_never_written_again(
    store: Published, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, door: str, current: bool
) -> None:
    """A version graph is written once: a publication whose version's name the store holds
    (the same file and mapping in the same second: every name is one here) with other content
    is refused (``publish-again``), by whichever door, whether that version is current (it was
    skipped as "the same load", and said published) or earlier (stranger 64: the two written
    into one graph); nothing is written."""
    from loaders import provenance
    from publishing.publish import SentAgainTooSoon

    monkeypatch.setattr(provenance, "version_id", lambda _started, _sha, _mapping: "one-name")
    file = SPLIT / "coworking-prostori.csv"
    assert _sent_by(door, store, file, _mapping_covering(tmp_path, "HR035")) is not None
    if not current:  # another version in between, named otherwise
        monkeypatch.setattr(provenance, "version_id", lambda _started, _sha, _mapping: "other")
        assert _sent_by(door, store, file, _mapping_covering(tmp_path, "HR03")) is not None
        monkeypatch.setattr(provenance, "version_id", lambda _started, _sha, _mapping: "one-name")
    before, covered = store.location.generation(), _covered(store)
    with pytest.raises(SentAgainTooSoon) as refused:
        _sent_by(door, store, file, _mapping_covering(tmp_path, "HR"))
    assert refused.value.code == "publish-again"
    assert store.location.generation() == before and _covered(store) == covered


@pytest.mark.parametrize("command", ["publish", "load", "build"])
def test_a_store_another_process_writes_exits_75(tmp_path: Path, command: str) -> None:
    """Stranger 69 (F5): ``coworkmed publish`` while the server wrote the store exited 1, which
    it also says of a file whose errors kept it from being published; a script could not tell
    a busy store from a bad file. A busy store now exits 75 (EX_TEMPFAIL: try again), whatever
    the command that writes."""
    from triplestore.versions import open_store

    partners = tmp_path / "partners.toml"
    add_partner(partners, "fr-aura", "AURA")
    sample = ROOT / "examples" / "partners" / "fr-aura"
    holder = open_store(tmp_path / "store")  # the primary database held, as by a writer
    common = ["--store", str(tmp_path / "store")]
    arguments = {
        "publish": ["publish", str(sample / "tiers-lieux.tsv"), "--partner", "fr-aura",
                    "--partners-file", str(partners), *common],
        "load": ["load", str(sample / "mapping.yaml"), *common],
        "build": ["build", "--data", str(sample.parent), *common],
    }  # fmt: skip
    try:
        began = time.monotonic()
        # it waits its store_lock_wait for the holder first (test_lock_wait.py)
        result = CliRunner().invoke(main, arguments[command], env={WAIT: "0.5"})
        took = time.monotonic() - began
    finally:
        holder.close()
    assert result.exit_code == 75, result.output
    assert took >= 0.5
    assert "busy" in result.output and "try again" in result.output
