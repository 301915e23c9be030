"""Lists sorted as each language's readers look words up (collation-cases.yaml)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.translations import collation_key

CASES = yaml.safe_load((Path(__file__).with_name("collation-cases.yaml")).read_text("utf-8"))


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['lang']}:{c['order'][0]}")
def test_a_list_is_sorted_as_its_language_sorts_it(case: dict[str, Any]) -> None:
    for seed in range(3):  # whatever the order given
        shuffled = list(case["order"])
        random.Random(seed).shuffle(shuffled)
        assert sorted(shuffled, key=lambda w: collation_key(w, case["lang"])) == case["order"]
