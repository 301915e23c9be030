"""The dates of published states (``endpoint.caching.FirstSeen``), driven by first-seen.yaml:
never ahead of the clock, and exact only when no other state was served in their second or
after."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from endpoint.caching import FirstSeen

CASES = yaml.safe_load((Path(__file__).with_name("first-seen.yaml")).read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_a_state_is_dated_when_first_seen_and_exact_when_it_alone_was_served(
    case: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen, clock = FirstSeen(), [0.0]
    monkeypatch.setattr("endpoint.caching.time.time", lambda: clock[0])
    for step in case["steps"]:
        clock[0] = step["at"] + 0.5
        dated = seen.time("/store", step["state"])
        assert (dated.seconds, dated.exact, dated.now) == (step["date"], step["exact"], step["at"])
    # another store's states are dated on their own
    assert seen.time("/other", "g1").exact


@pytest.mark.parametrize("most", [1, 2, 5])
def test_it_remembers_a_bounded_number_of_states_never_forgetting_the_newest(
    most: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It remembered every state it ever saw, for the process's life (one per generation and
    per dumps listing): now the ``SEEN_MOST`` first seen last, each place's newest always."""
    seen, clock = FirstSeen(), [100.5]
    monkeypatch.setattr("endpoint.caching.SEEN_MOST", most)
    monkeypatch.setattr("endpoint.caching.time.time", lambda: clock[0])
    for number in range(1, 9):
        clock[0] += 2
        seen.time("/store", f"g{number}")
        seen.time("/other", f"o{number}")
    assert len(seen._seen) == max(most, 2)  # two places' newest
    clock[0] += 2
    newest, other = seen.time("/store", "g8"), seen.time("/other", "o8")
    assert (newest.seconds, newest.exact) == (116, True) and (other.seconds, other.exact) == (
        116,
        True,
    )
