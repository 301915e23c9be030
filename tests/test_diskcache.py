"""core.diskcache: a value built once is read back the same; a damaged or unwritable cache
is built again in memory, with the same value."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from core import diskcache


def test_a_file_in_the_key_counts_by_its_contents(tmp_path: Path) -> None:
    table = tmp_path / "table.yaml"
    table.write_text("a: 1")
    before = diskcache.fingerprint("t", table)
    table.write_text("a: 2")
    assert diskcache.fingerprint("t", table) != before


SCHEMA = "CREATE TABLE t (name TEXT, id INTEGER); CREATE INDEX t_name ON t (name);"
INSERT = "INSERT INTO t VALUES (?, ?)"


def _table(key: bytes, builds: list[int]) -> diskcache.RememberedTable:
    def build() -> list[tuple[str, int]]:
        builds.append(1)
        return [("lyon", 1), ("roma", 2), ("roma", 3)]

    return diskcache.RememberedTable("towns", key, SCHEMA, INSERT, build)


def test_a_table_is_built_once_then_read_by_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    builds: list[int] = []
    key = diskcache.fingerprint("towns", b"v1")
    query = "SELECT id FROM t WHERE name = ? ORDER BY id"
    assert _table(key, builds).rows(query, ("roma",)) == [(2,), (3,)]
    assert _table(key, builds).rows(query, ("lyon",)) == [(1,)]  # a new process reads the file
    assert len(builds) == 1
    _table(diskcache.fingerprint("towns", b"v2"), builds).rows(query, ("lyon",))
    assert len(builds) == 2  # another key: built again; the other, just used, is kept
    assert len(list((tmp_path / "coworkmed").glob("towns-*.sqlite"))) == 2


def test_a_damaged_table_is_built_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    key = diskcache.fingerprint("towns", b"v1")
    _table(key, []).ready()
    (kept,) = (tmp_path / "coworkmed").glob("towns-*.sqlite")
    kept.write_bytes(b"not a database " * 100)
    assert _table(key, []).rows("SELECT count(*) FROM t", ()) == [(3,)]


def test_an_unwritable_table_is_built_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    builds: list[int] = []
    table = _table(diskcache.fingerprint("towns"), builds)
    assert table.rows("SELECT id FROM t WHERE name = ?", ("lyon",)) == [(1,)]
    assert table.rows("SELECT id FROM t WHERE name = ?", ("roma",)) == [(2,), (3,)]
    assert len(builds) == 1  # once per process


def test_unused_entries_of_a_name_are_removed_and_no_other_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry of another key unused for a week goes when a new one is written; one in use
    (another checkout of other code on the machine) and the entries of other names stay."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    folder = tmp_path / "coworkmed"
    folder.mkdir()
    unused = folder / f"towns-{'a' * 24}.marshal"  # an earlier version's form goes too
    in_use = folder / f"towns-{'c' * 24}.sqlite"
    other = folder / f"towns-by-cell-{'b' * 24}.sqlite"
    week_ago = time.time() - diskcache.FORGET_AFTER_SECONDS - 60
    for path in (unused, in_use, other):
        path.write_bytes(b"x")
        os.utime(path, (week_ago, week_ago))
    os.utime(in_use)
    _table(diskcache.fingerprint("towns", b"new"), []).ready()
    assert not unused.exists() and in_use.exists() and other.exists()


def test_reading_an_entry_marks_it_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    key, builds = diskcache.fingerprint("towns", b"v1"), []
    _table(key, builds).ready()
    (kept,) = (tmp_path / "coworkmed").glob("towns-*.sqlite")
    os.utime(kept, (0, 0))
    assert _table(key, builds).rows("SELECT count(*) FROM t", ()) == [(3,)]
    assert len(builds) == 1 and time.time() - kept.stat().st_mtime < 60


def test_a_remembered_value_is_built_once_and_a_damaged_file_built_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    builds: list[int] = []

    def build() -> dict[str, list[int]]:
        builds.append(1)
        return {"roma": [2, 3]}

    key = diskcache.fingerprint("value", b"v1")
    assert diskcache.remembered("value", key, build) == {"roma": [2, 3]}
    assert diskcache.remembered("value", key, build) == {"roma": [2, 3]}
    assert len(builds) == 1
    (entry,) = (tmp_path / "coworkmed").glob("value-*.pickle")
    entry.write_bytes(b"not a pickle")
    assert diskcache.remembered("value", key, build) == {"roma": [2, 3]}
    assert len(builds) == 2


def test_the_concept_index_read_back_matches_the_code_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index kept on disk (``loaders.concepts.default_index``) answers as one built from
    the code lists' files."""
    import pickle

    from core import vocabulary
    from loaders.concepts import ConceptIndex

    built = ConceptIndex(vocabulary.load_graph(vocabulary.codelist_files()))
    read: ConceptIndex = pickle.loads(pickle.dumps(built))
    assert read.codelists() == built.codelists()
    for codelist in built.codelists():
        assert read.codes(codelist) == built.codes(codelist)
    assert read.match("space-kind", "fab lab") == built.match("space-kind", "fab lab")
