"""Days read in a mapping's ``dates`` formats without ``strptime`` give what ``strptime`` gives:
the same texts are days, the same days, the same refusals (``loaders.values._formatted_date``)."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from loaders.values import _date_pattern, _formatted_date

FORMATS = [
    "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d.%m.%Y.", "%Y-%m", "%Y", "%d/%m/%y", "%m/%d/%Y",
    "%d%m%Y", "%y%m%d", "%d-%m-%Y", "%Y/%m/%d", "%d %b %Y", "%d/%m",
]  # fmt: skip
WRITTEN = [
    "31/02/2019", "1/2/2019", " 1/2/2019", "01/02/2019x", "2019-00-10", "2019-13-01",
    "29.02.2020.", "29.02.2021", "1122019", "010203", "0000-01-01", "31/12/68", "31/12/69",
    "٣/٣/٢٠١٩", "12 mar 2019", "1 /2/2019", "12/03/2019", "2019-03-12", "2019",
]  # fmt: skip


def _strptime(text: str, fmt: str) -> str | None:
    try:
        return dt.datetime.strptime(text, fmt).date().isoformat()
    except ValueError:
        return None


def _texts() -> list[str]:
    rng = random.Random(18)
    marks = "0123456789/.- ٣x"
    made = ["".join(rng.choice(marks) for _ in range(rng.randint(1, 11))) for _ in range(3000)]
    made += [
        f"{rng.randint(0, 40)}{rng.choice('/.-')}{rng.randint(0, 14)}"
        f"{rng.choice('/.-')}{rng.randint(0, 2100)}"
        for _ in range(3000)
    ]
    return WRITTEN + made


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_days_as_strptime(fmt: str) -> None:
    differing = [t for t in _texts() if _formatted_date(t, fmt) != _strptime(t, fmt)]
    assert differing == []


def test_the_template_formats_are_read_without_strptime() -> None:
    assert all(_date_pattern(f) for f in ["%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d.%m.%Y."])
    assert _date_pattern("%d %b %Y") is None
