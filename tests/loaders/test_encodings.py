"""Text whose encoding changes inside the file, and UTF-16 without a byte order mark whose
characters put a zero byte where UTF-16 LE/BE usually has none (issue 18, lane fixf): the cases
are in encoding-cases.yaml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.problems import LoadError
from loaders.readers import read_rows

CASES = yaml.safe_load((Path(__file__).parent / "encoding-cases.yaml").read_text("utf-8"))
HEADER = "Identifier\tName"


def _line(cells: list[str]) -> bytes:
    identifier, name, *rest = cells
    encoding = rest[0] if rest else "utf-8"
    stray = rest[1].encode("latin-1") if len(rest) > 1 else b""
    return f"{identifier}\t".encode(encoding) + name.encode(encoding) + stray + b"\r\n"


def _file(case: dict[str, Any]) -> bytes:
    header = case.get("header", HEADER)
    if "file" in case:
        text = "".join(f"{c[0]}\t{c[1]}\r\n" for c in [header.split("\t"), *case["rows"]])
        return text.encode(case["file"])
    lines = [f"{header}\r\n".encode(case.get("header_encoding", "utf-8"))]
    return b"".join(lines + [_line(cells) for cells in case["rows"]])


def _read(tmp_path: Path, case: dict[str, Any]) -> list[Any]:
    path = tmp_path / "spaces.tsv"
    path.write_bytes(_file(case))
    return [r for r in read_rows(path, "tsv", {}, language=case.get("language")) if r]


@pytest.mark.parametrize("case", CASES["mixed"], ids=[c["id"] for c in CASES["mixed"]])
def test_a_utf8_file_with_legacy_rows_is_read_line_by_line(
    tmp_path: Path, case: dict[str, Any]
) -> None:
    if "error" in case:
        with pytest.raises(LoadError) as refused:
            _read(tmp_path, case)
        assert refused.value.code == case["error"]
        if "line" in case:  # the first line that cannot be read, named in the report's language
            assert refused.value.values == {"line": str(case["line"])}  # type: ignore[attr-defined]
        return
    rows = _read(tmp_path, case)
    assert [row.values[list(row.values)[1]] for row in rows] == case["names"]
    told = [[p.row, p.value] for row in rows for p in row.problems if p.code.endswith("-row")]
    assert told == case["notices"]
    whole = [p.value for row in rows for p in row.problems if p.code == "legacy-encoding"]
    assert whole == ([case["whole"]] if "whole" in case else [])


@pytest.mark.parametrize("case", CASES["utf16"], ids=[c["id"] for c in CASES["utf16"]])
def test_utf16_without_bom_is_read_whatever_its_characters(
    tmp_path: Path, case: dict[str, Any]
) -> None:
    rows = _read(tmp_path, case)
    assert [row.values["Name"] for row in rows] == case["names"]
    assert [row.values["Identifier"] for row in rows][0] == "S-1"  # nothing before the header


@pytest.mark.parametrize("case", CASES["binary"], ids=[c["id"] for c in CASES["binary"]])
def test_binary_stays_refused(tmp_path: Path, case: dict[str, Any]) -> None:
    path = tmp_path / "spaces.csv"
    path.write_bytes(bytes.fromhex(case["hex"]))
    with pytest.raises(LoadError) as refused:
        list(read_rows(path, "csv", {}))
    assert refused.value.code == "binary-file"


MESSAGES = yaml.safe_load((Path(__file__).parents[2] / "validation" / "messages.yaml").read_bytes())


@pytest.mark.parametrize(
    "case", CASES["whole"], ids=[f"{c['language']}-{c['encoding']}" for c in CASES["whole"]]
)
def test_a_legacy_file_of_many_rows_is_read_whole_without_a_word_per_row(
    tmp_path: Path, case: dict[str, Any]
) -> None:
    """No line of many, in the language's legacy encoding, is taken for a UTF-8 line."""
    sentences = [
        texts[case["language"]] for part in ("problems", "ui") for texts in MESSAGES[part].values()
    ]
    names = [
        name.replace("\t", " ")
        for sentence in sentences
        for name in (sentence, sentence.upper())
        if name.encode(case["encoding"], "ignore").decode(case["encoding"]) == name
    ]
    rows = [[f"S-{number}", name, case["encoding"]] for number, name in enumerate(names, start=1)]
    read = _read(tmp_path, {"language": case["language"], "rows": rows})
    assert len(names) > 300
    assert [row.values["Name"] for row in read] == names
    told = [(p.code, p.value) for row in read for p in row.problems]
    assert told == [("legacy-encoding", case["encoding"])]


@pytest.mark.parametrize("case", CASES["json"], ids=[c["id"] for c in CASES["json"]])
def test_a_json_file_not_in_utf8_is_told_as_a_csv_file_is(
    tmp_path: Path, case: dict[str, Any]
) -> None:
    """A JSON file in a legacy encoding, or UTF-16, got no notice (a CSV file did)."""
    records = [{"Identifier": f"S-{n}", "Name": name} for n, name in enumerate(case["names"], 1)]
    path = tmp_path / "spaces.json"
    path.write_bytes(json.dumps(records, ensure_ascii=False).encode(case["file"]))
    rows = [r for r in read_rows(path, "json", {}, language=case.get("language")) if r]
    assert [row.values["Name"] for row in rows] == case["names"]
    told = [(p.row, p.code, p.value) for row in rows for p in row.problems]
    assert told == ([(None, "legacy-encoding", case["notice"])] if "notice" in case else [])


#: a file its mapping's encoding cannot read: (its text, written in, declared, language, the
#: code and values of the refusal)
DECLARED = [
    ("Oznaka;Naziv\nS-1;Kuća\n", "cp1250", "utf-8", "hr",
     "declared-encoding-other", {"encoding": "utf-8", "line": 2, "found": "cp1250"}),
    ("Id;Nom\nF-1;Café\n", "utf-8", "ascii", "fr",
     "declared-encoding-other", {"encoding": "ascii", "line": 2, "found": "utf-8"}),
    ("Id;Όνομα\nG-1;Χώρος\n", "cp1253", "utf-8", "el",
     "declared-encoding-other", {"encoding": "utf-8", "line": 1, "found": "cp1253"}),
    # every byte read, in another language's letters (stranger 90: "Societΰ", "Åðùíõìßá")
    ("Id;Gestore\nT-1;Società Cooperativa\nT-2;Caffè Università\n", "cp1252", "cp1253", "it",
     "declared-encoding-other", {"encoding": "cp1253", "line": 2, "found": "cp1252"}),
    ("Κωδικός;Επωνυμία\nA-1;Χώρος Αθήνα\n", "cp1253", "cp1252", "el",
     "declared-encoding-other", {"encoding": "cp1252", "line": 1, "found": "cp1253"}),
    ("Oznaka;Naziv\nS-1;Kuća Čakovec\nS-2;Đakovo ćup čaj\n", "cp1250", "cp1252", "hr",
     "declared-encoding-other", {"encoding": "cp1252", "line": 2, "found": "cp1250"}),
    ("Id;Nom\nF-1;Café Noël\nF-2;Crêperie\n", "cp1252", "cp1253", "fr",
     "declared-encoding-other", {"encoding": "cp1253", "line": 2, "found": "cp1252"}),
]  # fmt: skip


#: a file read in the encoding its mapping declares, whose few letters of another language are
#: names, not a misreading: (text, encoding, language)
READ_AS_DECLARED = [
    ("Id;Nom\nF-1;Città di Forlì\nF-2;Café des Sports\nF-3;Crêperie Élise\n", "cp1252", "fr"),
    ("Id;Name\nX-1;Αθήνα Lab\n", "cp1253", "en"),
    ("Κωδικός;Επωνυμία\nA-1;Lab Αθήνα\nA-2;Χώρος Πειραιά\n", "cp1253", "el"),
    ("Oznaka;Naziv\nS-1;Kuća\n", "cp1250", "hr"),
]


@pytest.mark.parametrize(("text", "encoding", "language"), READ_AS_DECLARED)
def test_a_file_in_its_declared_encoding_is_read_so(
    text: str, encoding: str, language: str
) -> None:
    from loaders.readers import read_text

    assert read_text(text.encode(encoding), encoding, Path("f.csv"), language).text == text


@pytest.mark.parametrize(("text", "written", "declared", "language", "code", "values"), DECLARED)
def test_a_file_its_declared_encoding_cannot_read_says_where_and_what_reads_it(
    text: str, written: str, declared: str, language: str, code: str, values: dict[str, Any]
) -> None:
    """Stranger 89: a cp1250 file declared UTF-8 was told its encoding "cannot be recognised;
    save it as UTF-8", not that its mapping named another, nor which line broke."""
    from core.problems import LoadError
    from loaders.readers import read_text

    with pytest.raises(LoadError) as refused:
        read_text(text.encode(written), declared, Path("file.csv"), language)
    assert refused.value.code == code
    assert refused.value.values == values  # type: ignore[attr-defined]


def test_a_file_no_usual_encoding_reads_is_told_to_declare_its_own() -> None:
    from core.problems import LoadError
    from loaders.readers import read_text

    with pytest.raises(LoadError) as refused:
        read_text(b"Id;Name\nX-1;\xff\xfe\xfd\x81\x8d\x8f\x90\x9d\n", "ascii", Path("f.csv"), None)
    assert refused.value.code == "declared-encoding-wrong"
    assert refused.value.values == {"encoding": "ascii", "line": 2}  # type: ignore[attr-defined]
