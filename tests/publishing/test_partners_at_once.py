"""Partners added by several processes at once are all kept (stranger 75: six ``partner add``
at once each printed a token, and the file kept 4 of them; a lost partner's token cannot be
given again, only its hash was to be kept)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from publishing.partners import add_partner, partner_for_token, read_partners

PROCESSES, EACH = 6, 3


def _add_some(job: tuple[str, int]) -> list[tuple[str, str]]:
    """Add ``EACH`` partners to the file ``job[0]`` as process ``job[1]``: their ids and tokens."""
    path, number = Path(job[0]), job[1]
    ids = [f"p{number}-{n}" for n in range(EACH)]
    return [(each, add_partner(path, each, f"Partner {each}")) for each in ids]


def test_partners_added_at_once_are_all_kept(tmp_path: Path) -> None:
    path = tmp_path / "partners.toml"
    with multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
        added = [pair for part in pool.map(_add_some, [(str(path), n) for n in range(PROCESSES)])
                 for pair in part]  # fmt: skip
    assert sorted(read_partners(path)) == sorted(each for each, _ in added)
    for each, token in (added[0], added[-1]):  # a token printed opens its partner (each check
        # weighs every stored hash, slow on purpose)
        found = partner_for_token(path, token)
        assert found is not None and found.id == each
