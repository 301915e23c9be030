"""A small mapping of a test's own: its source, file, locale, columns and constants as a YAML
text (``mapping_text``), and the mapping and its CSV file written in a folder
(``written_source``)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import yaml


def mapping_text(
    columns: dict[str, str],
    language: str = "en",
    country: str | None = None,
    source: str = "test-source",
    file: str = "spaces.csv",
    constants: dict[str, str] | None = None,
) -> str:
    """A mapping of ``file`` with these ``columns`` (header: field), read in ``language`` in
    ``country``, every record given ``constants`` (default: a coworking space)."""
    locale = {"language": language} | ({"country": country} if country else {})
    return yaml.safe_dump(
        {
            "source": {
                "id": source,
                "title": {"en": "A test's source"},
                "partner": {"id": source, "name": "Test partner"},
                "licence": "https://creativecommons.org/licenses/by/4.0/",
            },
            "file": {"path": file},
            "locale": locale,
            "columns": columns,
            "constants": constants if constants is not None else {"kinds": "coworking"},
        },
        allow_unicode=True,
        sort_keys=False,
    )


def written_source(folder: Path, mapping: str, rows: list[list[str]]) -> Path:
    """``mapping`` (a YAML text) and its CSV file of ``rows`` (the header first) written in
    ``folder``; the mapping's path."""
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    file = yaml.safe_load(mapping)["file"]["path"]
    (folder / file).write_text(text.getvalue(), encoding="utf-8")
    (folder / "mapping.yaml").write_text(mapping, encoding="utf-8")
    return folder / "mapping.yaml"
