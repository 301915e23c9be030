"""core.diskcache: a value built once is read back the same; a damaged or unwritable cache
is built again in memory, with the same value."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import diskcache


def test_a_value_is_built_once_then_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    builds: list[int] = []
    value = {("FR", "lyon"): {2996944}, ("IT", "roma"): {3169070, 3169071}}

    def build() -> dict[tuple[str, str], set[int]]:
        builds.append(1)
        return value

    key = diskcache.fingerprint("towns", b"v1")
    assert diskcache.remembered("towns", key, build) == value
    assert diskcache.remembered("towns", key, build) == value
    assert len(builds) == 1
    assert diskcache.remembered("towns", diskcache.fingerprint("towns", b"v2"), build) == value
    assert len(builds) == 2  # another key: built again


def test_a_damaged_cache_is_built_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    key = diskcache.fingerprint("grid")
    assert diskcache.remembered("grid", key, lambda: [(1.0, 2.0, "FR")]) == [(1.0, 2.0, "FR")]
    (kept,) = (tmp_path / "coworkmed").glob("grid-*.marshal")
    kept.write_bytes(b"\xff not marshal")
    assert diskcache.remembered("grid", key, lambda: [(3.0, 4.0, "IT")]) == [(3.0, 4.0, "IT")]


def test_an_unwritable_cache_still_gives_the_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert diskcache.remembered("x", diskcache.fingerprint("x"), lambda: {"a": 1}) == {"a": 1}


def test_a_file_in_the_key_counts_by_its_contents(tmp_path: Path) -> None:
    table = tmp_path / "table.yaml"
    table.write_text("a: 1")
    before = diskcache.fingerprint("t", table)
    table.write_text("a: 2")
    assert diskcache.fingerprint("t", table) != before
