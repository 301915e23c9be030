"""Load reports for people: problems grouped, the most frequent first, each with an example."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from core.problems import Problem


def problem_lines(problems: Iterable[Problem], limit: int) -> list[str]:
    """One line per kind of problem (code and column) with its count and first occurrence."""
    problems = list(problems)
    groups = Counter((p.code, p.column) for p in problems)
    first: dict[tuple[str, str | None], Problem] = {}
    for problem in problems:
        first.setdefault((problem.code, problem.column), problem)
    lines = [
        f"{count} x {code}{f' in {column!r}' if column else ''}, e.g. {first[(code, column)]}"
        for (code, column), count in groups.most_common(limit)
    ]
    if len(groups) > limit:
        lines.append(f"... and {len(groups) - limit} more kinds of problem (see --report)")
    return lines
