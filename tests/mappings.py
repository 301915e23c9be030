"""A test's own mapping of one file, written beside it: the source block every such mapping
repeats (an id, a title, the test partner, an open licence)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def write_mapping(
    folder: Path,
    columns: dict[str, Any],
    locale: dict[str, str] | None = None,
    *,
    source_id: str = "test-source",
    title: str = "Test",
    **options: Any,
) -> Path:
    """``folder/mapping.yaml`` mapping ``columns`` (header: field), with ``locale`` and any
    other top-level ``options`` (``file``...); its path."""
    mapping = {
        "source": {
            "id": source_id,
            "title": title,
            "partner": {"id": "test", "name": "Test partner"},
            "licence": "https://creativecommons.org/licenses/by/4.0/",
        },
        **({"locale": locale} if locale is not None else {}),
        **options,
        "columns": columns,
    }
    path = folder / "mapping.yaml"
    path.write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    return path
