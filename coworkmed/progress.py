"""What a long command says while it works: a line on stderr about every second, saying the
stage a validation is at, the rows read so far and the time it has taken, in the report's
language. On a terminal the line rewrites itself in place; in a log each one is a line of its
own. ``--quiet`` gives ``None`` instead, and nothing is said."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from core.names import shown_name
from validation.messages import catalogue, counted, ui

#: seconds between two lines about the same stage (a new stage is always told at once)
EVERY = 1.0


class ProgressLine:
    """A ``validation.submission.Progress`` that writes to ``stream``."""

    def __init__(
        self,
        lang: str,
        stream: TextIO | None = None,
        every: float = EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lang, self.every, self.clock = lang, every, clock
        self.stream = stream if stream is not None else sys.stderr
        self.terminal = self.stream.isatty()
        self.started = self.last = clock()
        self.stage = ""
        self.width = 0

    def text(self, stage: str, rows: int) -> str:
        """The line for ``stage`` at ``rows`` rows, in the language."""
        return stage_text(stage, self.lang, rows, round(self.clock() - self.started))

    def __call__(self, stage: str, rows: int) -> None:
        now = self.clock()
        if stage == self.stage and now - self.last < self.every:
            return
        self.stage, self.last = stage, now
        line = self.text(stage, rows)
        if self.terminal:
            self.stream.write("\r" + line.ljust(self.width))
            self.width = len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def done(self) -> None:
        """End the line being rewritten on a terminal, before the command says anything else."""
        if self.terminal and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


def stage_text(stage: str, lang: str, rows: int, seconds: int) -> str:
    """What is said of ``stage`` after ``seconds``: with the rows in the plural form the number
    takes in ``lang`` when the words count them ("1 ligne", "3 retka", "5 redaka"), else as is."""
    key = f"progress-{stage}"
    if key in catalogue()["counted"]:
        return counted(key, lang, rows, seconds=seconds)
    return ui(key, lang).format(seconds=seconds)


def progress_line(lang: str, quiet: bool) -> ProgressLine | None:
    """The progress line of a command, or None with ``--quiet``."""
    return None if quiet else ProgressLine(lang)


#: report format -> the words that say what to open it with
OPEN_WITH = {
    "html": "open-html",
    "csv": "open-csv",
    "json": "open-json",
    "ttl": "open-ttl",
}


def written_line(path: str, fmt: str, lang: str) -> str:
    """Where a report was written (its absolute path, on one line) and what to open it with."""
    shown = shown_name(path)
    return ui("report-written", lang).format(path=shown, how=ui(OPEN_WITH[fmt], lang))
