"""``key_counts``: every column and how many rows have it, in the order first met, whatever the
rows' keys (a JSON file's records need not have the same). It counts rows by their whole set of
keys, for speed; this compares it with counting key by key, row after row."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from loaders.readers import Row
from validation.columns import key_counts

KEYS = st.lists(st.sampled_from(["Nom", "Ville", "a", "b", "c", "é"]), unique=True, max_size=5)


def _key_by_key(rows: list[Row]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for row in rows:
        counts.update(row.values.keys())
    return dict(counts)


@given(st.lists(KEYS, max_size=30))
def test_counts_and_order_are_those_of_counting_key_by_key(shapes: list[list[str]]) -> None:
    rows = [Row(number, dict.fromkeys(keys, "x")) for number, keys in enumerate(shapes, start=2)]
    counted = key_counts(rows)
    expected = _key_by_key(rows)
    assert counted == expected
    assert list(counted) == list(expected)
