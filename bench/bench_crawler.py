"""Readers of the dashboard's views they come back to, while a crawler asks for every filter
combination once: how long the readers wait, against the same readers on the same server with
no crawler, measured in the same run.

    .venv/bin/python bench/bench_crawler.py [SECONDS [PAUSE]]     (default: 180 30)

Builds the graph of data/ into a temporary store, starts ``coworkmed serve`` on it (loopback, a
free port), asks the readers' views once (the figures whole and for two countries, in two
languages), then runs 4 readers, each asking them all in turn and coming back PAUSE seconds
later (0: at once): for SECONDS / 3 alone (the peer), then for SECONDS while one crawler asks
the dashboard's API for filtered views it never asked before (each filter's values, read from
the observatory page, alone and two by two, in the six languages). Printed for each phase:
the readers' reads, median, 95th percentile and longest time, those over 2 s; the crawler's
views; then the ratios. Stranger 66: readers asking for about 190 distinct views pushed out the
answers of other views, whose next readers then waited for them to be worked out again.
"""

from __future__ import annotations

import itertools
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_build import build  # noqa: E402
from bench_reads_under_writes import answered, read_body, summary  # noqa: E402

from core.vocabulary import LANGUAGES  # noqa: E402
from coworkmed.serving import start_serving, stop_serving  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: the views the readers come back to
VIEWS = [
    f"/api/observatory/figures?{filters}lang={lang}"
    for filters in ("", "country=FRA&", "country=ITA&")
    for lang in ("en", "fr")
]
READERS = 4
#: a filter's choices on the observatory page: ``<select name="kind" ...> <option value="...">``
SELECT = re.compile(r'<select[^>]*\bname="([a-z]+)"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option[^>]*\bvalue="([^"]+)"')


def crawled_views(page: str) -> list[str]:
    """The API's filtered views a crawler of the page's filters asks for: each value alone,
    then each pair of values of two filters, each in the six languages, none of the readers'."""
    choices = {name: OPTION.findall(options) for name, options in SELECT.findall(page)}
    single = [((name, value),) for name, values in choices.items() for value in values]
    pairs = [
        ((a, x), (b, y))
        for a, b in itertools.combinations(sorted(choices), 2)
        for x in choices[a]
        for y in choices[b]
    ]
    views = [
        "/api/observatory/figures?" + "".join(f"{n}={v}&" for n, v in filters) + f"lang={lang}"
        for filters in (*single, *pairs)
        for lang in LANGUAGES
    ]
    return [view for view in views if view not in VIEWS]


def read_loop(base: str, until: threading.Event, times: list[float], pause: float) -> None:
    """Ask the readers' views in turn, again ``pause`` seconds later, until ``until`` is set."""
    while not until.is_set():
        for view in VIEWS:
            began = time.monotonic()
            status, _stale = answered(base, "GET", view)
            assert status == 200, (status, view)
            times.append(time.monotonic() - began)
        until.wait(pause)


def crawl(base: str, views: list[str], until: threading.Event, asked: list[str]) -> None:
    """Ask each of ``views`` once, in turn, until ``until`` is set."""
    for view in views:
        if until.is_set():
            return
        answered(base, "GET", view)
        asked.append(view)


def phase(base: str, seconds: float, views: list[str], pause: float) -> tuple[list[float], int]:
    """The readers' times over ``seconds``, with a crawler of ``views`` (none: alone); how
    many views the crawler asked."""
    times: list[float] = []
    asked: list[str] = []
    until = threading.Event()
    threads = [
        threading.Thread(target=read_loop, args=(base, until, times, pause)) for _ in range(READERS)
    ]
    if views:
        threads.append(threading.Thread(target=crawl, args=(base, views, until, asked)))
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    until.set()
    for thread in threads:
        thread.join()
    return times, len(asked)


def main(arguments: list[str]) -> None:
    seconds = float(arguments[0]) if arguments else 180.0
    pause = float(arguments[1]) if len(arguments) > 1 else 30.0
    with tempfile.TemporaryDirectory(prefix="bench-crawler-") as folder:
        store = Path(folder) / "store"
        build(ROOT / "data", store)
        server, base = start_serving(store, {"COWORKMED_DUMPS_REFRESH": "0"}, start_timeout=120)
        try:
            for view in VIEWS:  # each asked before (and worked out once)
                assert answered(base, "GET", view)[0] == 200, view
            views = crawled_views(read_body(base, "/observatory?lang=en"))
            alone, _none = phase(base, seconds / 3, [], pause)
            crawled, asked = phase(base, seconds, views, pause)
        finally:
            stop_serving(server)
    print(
        f"{READERS} readers over {len(VIEWS)} views asked before, back {pause:.0f} s later; "
        f"a crawler of {len(views)} more"
    )
    alone_p95, alone_max = summary("alone (peer)", alone)
    crawled_p95, crawled_max = summary("with a crawler", crawled)
    print(f"the crawler asked {asked} views in {seconds:.0f} s")
    print(f"p95 with a crawler / alone: {crawled_p95 / alone_p95:.1f}")
    print(f"longest with a crawler / alone: {crawled_max / alone_max:.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
