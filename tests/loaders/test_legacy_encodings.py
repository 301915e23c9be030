"""A file that is not UTF-8 is read in the legacy encoding of its mapping's language first, and
the encoding taken is said (a stranger's find: a short Croatian file in cp1250 was read as cp1252,
"Ćup Đak" published as "Æup Ðak", with no word about it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from loaders.readers import read_rows

#: (text, the encoding a partner's spreadsheet saved it in, the mapping's language, read as)
CASES = [
    ("Ćup Đak, Šibenik", "cp1250", "hr", "cp1250"),
    ("Žminj čakavski, Split", "cp1250", "hr", "cp1250"),
    ("Ljubljana, Škofja Loka", "cp1250", "sl", "cp1250"),
    ("Χώρος Συνεργασίας, Αθήνα", "cp1253", "el", "cp1253"),
    ("Tiers-lieu à Évry, Noël", "cp1252", "fr", "cp1252"),
    ("Città di Forlì, caffè", "cp1252", "it", "cp1252"),
    ("Año nuevo, Cádiz", "cp1252", "es", "cp1252"),
]


@pytest.mark.parametrize(("text", "saved", "language", "read_as"), CASES)
def test_a_legacy_file_is_read_in_its_languages_encoding_and_says_so(
    tmp_path: Path, text: str, saved: str, language: str, read_as: str
) -> None:
    path = tmp_path / "spaces.csv"
    path.write_bytes(f"Identifier;Name\nS-1;{text}\n".encode(saved))
    (row,) = [r for r in read_rows(path, "csv", {}, language=language) if r is not None]
    assert row.values["Name"] == text
    assert [(p.code, p.severity, p.value) for p in row.problems] == [
        ("legacy-encoding", "warning", read_as)
    ]


@pytest.mark.parametrize("language", ["hr", "el", "fr", None])
def test_utf8_is_read_as_it_is_with_no_notice(tmp_path: Path, language: str | None) -> None:
    path = tmp_path / "spaces.csv"
    path.write_bytes("Identifier;Name\nS-1;Ćup Đak Χώρος à\n".encode())
    (row,) = [r for r in read_rows(path, "csv", {}, language=language) if r is not None]
    assert row.values["Name"] == "Ćup Đak Χώρος à" and row.problems == []


def test_without_a_language_the_encoding_is_guessed_and_said(tmp_path: Path) -> None:
    path = tmp_path / "spaces.csv"
    path.write_bytes("Identifier;Name\nS-1;Χώρος Συνεργασίας, Αθήνα\n".encode("cp1253"))
    (row,) = [r for r in read_rows(path, "csv", {}) if r is not None]
    assert row.values["Name"] == "Χώρος Συνεργασίας, Αθήνα"
    assert [(p.code, p.value) for p in row.problems] == [("legacy-encoding", "cp1253")]
