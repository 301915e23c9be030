"""The spaces other partners have already published, read from the store for validation.

Validation compares a submission with them (its check across records, ``validation.
duplicates``) but does not read the store: the caller (``publishing.submissions``, the
endpoint's uploads, ``coworkmed validate``) reads them here and hands them over as values.
The query and the reading of its answers are ``linking.places``'s.
"""

from __future__ import annotations

from pathlib import Path

from linking.places import PLACES, Place, published_places
from triplestore.versions import StoreLocation, locate, open_snapshot, query


def read_published_places(store: StoreLocation | Path, base: str, source: str) -> list[Place]:
    """The spaces published in ``store`` by other sources than ``source`` (none when nothing
    is published yet)."""
    if not locate(store).generation():
        return []
    _generation, snapshot = open_snapshot(store)
    return published_places(query(snapshot, base, PLACES), base, source)
