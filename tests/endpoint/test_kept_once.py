"""An answer kept per store generation is worked out once, however many readers ask for it at
the same time (kept-once.yaml): they wait for the one being worked out. Before, each reader that
came while it was being worked out read the whole graph again (the warm-up and the first
visitors to /search each built the index of 100,000 spaces, holding copies at once: the server
took 588 MB at 100,000 spaces, 185 MB since)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask

from endpoint.execution import QueryError
from endpoint.published import BEING_WORKED_OUT, STALE, WAITING, WARM_UP, WARMING, Kept
from endpoint.rooms import Room
from triplestore.backends.oxigraph import OxigraphLocation

CASES = yaml.safe_load((Path(__file__).parent / "kept-once.yaml").read_text("utf-8"))
#: how long a maker takes: long enough for every reader to come while it runs
MAKING = 0.3


def _app(folder: Path, room: int | None = None, timeout: float | None = None) -> Flask:
    app = Flask(__name__)
    app.extensions["coworkmed.store"] = OxigraphLocation(folder)
    app.config["COWORKMED"] = {"base": "https://w3id.org/coworkmed/id/", "query_timeout": timeout}
    if room is not None:
        app.extensions[WAITING] = Room(room, BEING_WORKED_OUT)
    return app


def _read_all(
    app: Flask, kept: Kept, keys: list[str], fails: set[str]
) -> tuple[Counter[str], list[Any], list[tuple[float, float]]]:
    """Each key of ``keys`` asked by its own thread, all at once: the makers' calls by key, what
    each reader got (its answer or its error's message) and when each maker ran."""
    made: Counter[str] = Counter()
    spans: list[tuple[float, float]] = []
    lock = threading.Lock()
    got: list[Any] = [None] * len(keys)
    start = threading.Barrier(len(keys))

    def maker(key: str) -> Any:
        def make() -> Any:
            began = time.monotonic()
            with lock:
                made[key] += 1
            time.sleep(MAKING)
            with lock:
                spans.append((began, time.monotonic()))
            if key in fails:
                raise QueryError(503, f"{key} cannot be answered now")
            return {"answer": key}

        return make

    def reader(index: int, key: str) -> None:
        with app.app_context():
            start.wait()
            try:
                got[index] = kept.get(("figure", 1, key), maker(key))
            except QueryError as problem:
                got[index] = problem.message

    threads = [threading.Thread(target=reader, args=(n, key)) for n, key in enumerate(keys)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return made, got, spans


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_an_answer_is_worked_out_once_for_the_readers_who_wait_for_it(
    case: dict[str, Any], tmp_path: Path
) -> None:
    app, kept = _app(tmp_path, case.get("room"), case.get("timeout")), Kept()
    fails = set(case.get("fails", []))
    made, got, spans = _read_all(app, kept, case["readers"], fails)
    assert dict(made) == case["makes"]
    later = [answer for answer in got if answer == BEING_WORKED_OUT]
    assert len(later) == case.get("later", 0)
    for key, answer in zip(case["readers"], got, strict=True):
        expected = f"{key} cannot be answered now" if key in fails else {"answer": key}
        assert answer in (expected, BEING_WORKED_OUT)
    for key in set(case["readers"]) - fails:  # one object for a key's readers, not copies
        answers = [
            a
            for k, a in zip(case["readers"], got, strict=True)
            if k == key and a != BEING_WORKED_OUT
        ]
        assert all(answer is answers[0] for answer in answers)
    if case.get("side_by_side"):  # one key's maker does not wait for another's
        (first_start, first_end), (second_start, second_end) = sorted(spans)
        assert second_start < first_end
    if "then" in case:
        again, _got, _spans = _read_all(app, kept, sorted(case["then"]), fails)
        assert {key: again[key] for key in case["then"]} == case["then"]


WEIGHT_CASES = yaml.safe_load((Path(__file__).parent / "kept-weight.yaml").read_text("utf-8"))


@pytest.mark.parametrize("case", WEIGHT_CASES, ids=[case["name"] for case in WEIGHT_CASES])
def test_answers_kept_weigh_at_most_what_is_allowed(case: dict[str, Any], tmp_path: Path) -> None:
    kept = Kept(size=case["size"], weigh=len, most=case["most"])
    made: list[str] = []

    def ask(key: str, weight: int) -> list[int]:
        def make() -> list[int]:
            made.append(key)
            return [0] * weight

        answer = kept.get(("points", 1, key), make)
        assert len(answer) == weight  # its reader gets it, kept or not
        return answer

    with _app(tmp_path).app_context():
        for key, weight in case["asks"]:
            ask(key, weight)
        assert kept.weight() == case["weight"]
        made.clear()
        weights = dict(case["asks"])
        for key in case["kept"]:
            ask(key, weights[key])
        assert made == []
        for key in sorted(set(weights) - set(case["kept"])):
            ask(key, weights[key])
            assert made[-1] == key


GENERATIONS = yaml.safe_load((Path(__file__).parent / "kept-generations.yaml").read_text("utf-8"))


@pytest.mark.parametrize("case", GENERATIONS, ids=[case["name"] for case in GENERATIONS])
def test_a_stores_answers_of_older_generations_go(case: dict[str, Any], tmp_path: Path) -> None:
    kept = Kept()
    made: list[tuple[str, int]] = []

    def ask(what: str, number: int) -> None:
        kept.get((what, number), lambda: made.append((what, number)))

    with _app(tmp_path).app_context():
        for what, number in case["asks"]:
            ask(what, number)
        made.clear()
        for what, number in case["kept"]:
            ask(what, number)
        assert made == []
        gone = [tuple(a) for a in case["asks"] if a not in case["kept"]]
        for what, number in gone:
            ask(what, number)
        assert made == gone


def test_the_waits_of_one_request_share_its_deadline(tmp_path: Path) -> None:
    """A page reads several answers in turn: its waits together last at most the query timeout
    (stranger 60: each wait had its own, and a page's 503 came after up to 104 s)."""
    app, kept = _app(tmp_path, timeout=1.0), Kept()
    started = threading.Barrier(3)

    def slowly(key: str, seconds: float) -> str:
        time.sleep(seconds)
        return key

    def make(key: str, seconds: float) -> None:
        with app.app_context():
            started.wait()
            kept.get(("figure", 1, key), lambda: slowly(key, seconds))

    makers = [threading.Thread(target=make, args=a) for a in (("a", 0.8), ("b", 1.4))]
    for maker in makers:
        maker.start()
    started.wait()
    time.sleep(0.05)  # both being worked out
    with app.app_context():
        assert kept.get(("figure", 1, "a"), lambda: "made again") == "a"  # waited about 0.75 s
        with pytest.raises(QueryError, match="being worked out"):
            kept.get(
                ("figure", 1, "b"), lambda: "made again"
            )  # 1 s in all; b comes at 1.4 s, before 0.8 + 1
    with app.app_context():  # another request has a deadline of its own
        assert kept.get(("figure", 1, "b"), lambda: "made again") == "b"
    for maker in makers:
        maker.join()


class _WarmUp:
    """An app's warm-up as ``Kept`` sees it: whether it runs, how many times it was started."""

    def __init__(self, running: bool, behind: bool = False) -> None:
        self.is_running, self.starts, self.is_behind = running, 0, behind

    def start(self) -> object:
        self.starts += 1
        self.is_running = True
        return None

    def running(self) -> bool:
        return self.is_running

    def behind(self, generation: int) -> bool:
        return self.is_behind  # False: a run for every generation (the server's writes)


#: stranger 61: after a write at 20,000 spaces, readers of the observatory waited 37 to 43 s for
#: the new generation's answers the warm-up was working out. Stranger 63: the readers who came
#: before any answer of the new generation was kept waited too (45 to 80 s, one for a 504).
#: Stranger 64: once the warm-up's run had ended, the readers of a view it had not worked out
#: again waited for the one reader working it out (up to ``query_timeout``).
#: (generation the reader asks, whether another is working it out, the warm-up, whether an
#: answer of a newer generation was kept: what the reader gets)
AFTER_A_CHANGE = [
    pytest.param(2, True, "", True, "gen 1", id="being-worked-out-the-one-before-at-once"),
    pytest.param(2, False, "", True, "gen 2", id="no-one-working-it-out-the-reader-makes-it"),
    # stranger 64: the warm-up's run is over (the view was not in it): the one before at once
    pytest.param(2, True, "idle", True, "gen 1", id="run-over-being-worked-out-the-one-before"),
    # the answer aside goes once an answer of a newer generation than the one kept is kept
    pytest.param(3, True, "", True, "gen 1", id="two-generations-on-the-newest-aside"),
    # an app whose warm-up works the new answers out: the one before meanwhile
    pytest.param(2, False, "running", True, "gen 1", id="the-warm-up-runs-the-one-before"),
    pytest.param(2, False, "idle", True, "gen 2", id="no-warm-up-runs-the-reader-makes-it"),
    pytest.param(2, False, "warming", True, "gen 2", id="the-warm-up-itself-makes-it"),
    # stranger 63: no answer of the new generation kept yet, the one before still kept
    pytest.param(2, False, "running", False, "gen 1", id="none-newer-kept-warm-up-runs"),
    pytest.param(2, True, "", False, "gen 1", id="none-newer-kept-being-worked-out"),
    pytest.param(3, True, "", False, "gen 1", id="none-newer-kept-two-generations-on"),
    pytest.param(2, False, "", False, "gen 2", id="none-newer-kept-no-one-the-reader-makes-it"),
    pytest.param(2, False, "idle", False, "gen 2", id="none-newer-kept-no-warm-up-runs"),
    pytest.param(2, False, "warming", False, "gen 2", id="none-newer-kept-the-warm-up-itself"),
]


@pytest.mark.parametrize(("asked", "worked_out", "warm_up", "newer_kept", "got"), AFTER_A_CHANGE)
def test_a_reader_gets_the_generation_before_while_the_new_one_is_worked_out(
    tmp_path: Path,
    asked: int,
    worked_out: bool,
    warm_up: str,
    newer_kept: bool,
    got: str,
) -> None:
    from flask import g

    app, kept = _app(tmp_path, timeout=5.0), Kept()
    warmer = _WarmUp(running=warm_up in ("running", "warming"))
    if warm_up:
        app.extensions[WARM_UP] = warmer
    release = threading.Event()
    with app.app_context():
        setattr(g, WARMING, True)  # the warm-up works this question out
        kept.get(("figure", 1, "fr"), lambda: "gen 1")
        if newer_kept:
            kept.get(("other", 2, "fr"), lambda: "other 2")  # the new generation: gen 1 aside

    def slow() -> str:
        release.wait(5)
        return f"gen {asked}"

    def maker() -> None:
        with app.app_context():
            kept.get(("figure", asked, "fr"), slow)

    working = threading.Thread(target=maker)
    if worked_out:
        working.start()
        time.sleep(0.1)
    else:
        release.set()
    with app.app_context():
        setattr(g, WARMING, warm_up == "warming")
        if worked_out:
            threading.Timer(0.3, release.set).start()  # the maker ends while a reader waits
        assert kept.get(("figure", asked, "fr"), lambda: f"gen {asked}") == got
        assert bool(g.get("coworkmed_stale")) is (got == "gen 1")
    release.set()
    if worked_out:
        working.join()
    warmer.is_running = False  # the warm-up's run ends
    with app.app_context():  # once made, the new one is kept and served, and none aside
        assert kept.get(("figure", asked, "fr"), lambda: f"gen {asked}") == f"gen {asked}"
        assert not g.get("coworkmed_stale")
    # its question answered anew, its answer aside went (its memory)
    assert [aside for aside in kept._before if aside[2] == "figure"] == []


@pytest.mark.parametrize(
    ("keeper", "started"),
    [("a reader", 1), ("the warm-up", 0)],
    ids=["a-reader-starts-the-warm-up", "the-warm-up-starts-no-other"],
)
def test_a_newer_generation_read_starts_the_warm_up(
    tmp_path: Path, keeper: str, started: int
) -> None:
    """A generation this server did not write (a publish beside it, on the same store) is seen
    by its first reader: the warm-up runs for it then (else its readers worked each of its
    answers out); never started by the warm-up itself."""
    from flask import g

    app, kept, warmer = _app(tmp_path), Kept(), _WarmUp(running=False, behind=True)
    app.extensions[WARM_UP] = warmer
    with app.app_context():
        setattr(g, WARMING, True)  # the warm-up works this question out
        kept.get(("figure", 1), lambda: "gen 1")
        kept.get(("labels", 1), lambda: "labels 1")
    assert warmer.starts == 0  # the first generation: nothing before it
    with app.app_context():
        setattr(g, WARMING, keeper == "the warm-up")
        kept.get(("figure", 2), lambda: "gen 2")
        kept.get(("figure", 2), lambda: "made again")  # kept: nothing newer seen
    assert warmer.starts == started


@pytest.mark.parametrize("inner_state", ["aside", "being-worked-out"])
def test_an_answer_made_of_answers_before_is_given_not_kept(
    tmp_path: Path, inner_state: str
) -> None:
    """Stranger 62: after a write, a view's headline nobody had asked for before was made of the
    inner answers of the generation before, then kept as the new generation's, served with its
    validators (and 304) until the next write."""
    from flask import g

    app, inner, outer = _app(tmp_path, timeout=5.0), Kept(), Kept()
    warmer = _WarmUp(running=inner_state == "aside")
    app.extensions[WARM_UP] = warmer
    with app.app_context():
        setattr(g, WARMING, True)  # the warm-up works this question out
        inner.get(("counts", 1), lambda: 21)
        inner.get(("labels", 2), lambda: "new")  # generation 2: counts 1 set aside
    release = threading.Event()

    def inner_maker() -> None:
        with app.app_context():
            inner.get(("counts", 2), lambda: release.wait(5) and 22)

    working = threading.Thread(target=inner_maker)
    if inner_state == "being-worked-out":
        working.start()
        time.sleep(0.1)
    with app.app_context():
        made = outer.get(("headline", 2), lambda: f"{inner.get(('counts', 2), lambda: 22)} places")
        assert made == "21 places" and g.get(STALE)
    release.set()
    if working.is_alive():
        working.join()
    warmer.is_running = False
    with app.app_context():  # not kept: made again, of the new answers
        made = outer.get(("headline", 2), lambda: f"{inner.get(('counts', 2), lambda: 22)} places")
        assert made == "22 places" and not g.get(STALE)


def test_the_newest_answer_before_is_given_not_an_older_one_aside(tmp_path: Path) -> None:
    """Stranger 64: under writes one after the other, the answer set aside at one change was
    given while newer ones were kept since (a search index ten generations old, for minutes)."""
    from flask import g

    app, kept = _app(tmp_path), Kept()
    app.extensions[WARM_UP] = _WarmUp(running=True)  # writes one after the other: it runs
    with app.app_context():
        kept.get(("index", 1), lambda: "gen 1")
        kept.get(("other", 2), lambda: "other 2")  # gen 1's index aside
        setattr(g, WARMING, True)  # the warm-up works gen 2's out (its run not over)
        kept.get(("index", 2), lambda: "gen 2")
    with app.app_context():
        assert kept.get(("index", 3), lambda: "gen 3") == "gen 2" and g.get(STALE)


@pytest.mark.parametrize(
    ("reads", "kept"),
    [
        (["query at 1"], True),
        (["query at 2"], False),
        (["query at 1", "query at 2"], False),
        (["inner kept at 1"], True),
        (["inner kept at 2"], False),
    ],
    ids=lambda case: "+".join(case) if isinstance(case, list) else f"kept={case}",
)
def test_an_answer_read_from_another_generation_than_its_key_is_given_not_kept(
    tmp_path: Path, reads: list[str], kept: bool
) -> None:
    """Stranger 64: a composite answer (the figures) keyed by the generation its request read
    first, then made of queries run on the newest snapshot, was kept and validated with one
    generation's key while it held a count of the next write's. Made of reads of another
    generation than its key's (a query's snapshot, an answer kept for another generation), it
    is given, not kept, and the request's answer is validated by no one (``STALE``)."""
    from flask import g

    from endpoint.published import read_at, read_from

    app, outer, inner = _app(tmp_path), Kept(), Kept()

    def make() -> str:
        for read in reads:
            number = int(read[-1])
            if read.startswith("query"):
                read_at(number)  # what ``published.run`` notes of a query's snapshot
            else:
                inner.get(("counts", number), lambda: "counts")
        return "made"

    with app.app_context():
        assert outer.get(("figures", 1), make) == "made"
        assert bool(g.get(STALE)) is not kept
        # the generations it was read from (not its key's when it read none of it)
        assert read_from() == {int(read[-1]) for read in reads}
    with app.app_context():
        again = outer.get(("figures", 1), lambda: "made again")
        assert again == ("made" if kept else "made again")
        assert not g.get(STALE) and read_from() == {1}


def asked_while_made(
    app: Flask, kept: Kept, key: tuple[Any, ...], made: str = "made"
) -> tuple[Any, bool, float]:
    """What a reader of ``key`` gets while another reader works it out (its answer ``made``,
    once the first reader is let go): its answer, whether it was the one before (``STALE``),
    and the seconds it took."""
    from flask import g

    release, working = threading.Event(), threading.Event()

    def first_reader() -> None:
        with app.app_context():
            kept.get(key, lambda: working.set() or release.wait(5) and made)

    thread = threading.Thread(target=first_reader)
    thread.start()
    assert working.wait(5)
    try:
        with app.app_context():
            began = time.monotonic()
            answer = kept.get(key, lambda: "made twice")
            return answer, bool(g.get(STALE)), time.monotonic() - began
    finally:
        release.set()
        thread.join(timeout=10)


@pytest.mark.parametrize(
    ("history", "got"),
    [
        # stranger 65: under steady writes an answer read across a change was never kept, so
        # never given again: the readers of its view waited for the next one (12 to 61 s)
        (["view 1 read across a change"], "view 1 read across a change"),
        # a change dropped every answer aside but those of the generation just before
        (["view 1", "other 2", "other 3"], "view 1"),
        (
            ["view 1", "other 2", "view 2 read across a change", "other 3"],
            "view 2 read across a change",
        ),
        # the newest answer before, kept or given
        (["view 1", "view 2"], "view 2"),
        (["view 2 read across a change", "view 1"], "view 2 read across a change"),
    ],
    ids=["given-not-kept", "two-changes-on", "given-after-kept", "kept-newest", "given-newest"],
)
def test_the_newest_answer_given_before_is_given_while_another_works_it_out(
    tmp_path: Path, history: list[str], got: str
) -> None:
    """``history``: answers of the view, or of another question, each made at its generation;
    "read across a change" ones are made reading a newer generation too (``read_at``), so
    given, never kept. A reader of the view at generation 4, while another works it out, gets
    the newest answer of it before, at once."""
    from endpoint.published import read_at

    app, kept = _app(tmp_path, timeout=5.0), Kept()
    for answer in history:
        what, number = answer.split(" ")[0], int(answer.split(" ")[1])

        def make(answer: str = answer, number: int = number) -> str:
            if answer.endswith("read across a change"):
                read_at(number + 1)
            return answer

        with app.app_context():
            kept.get((what, number), make)
    assert asked_while_made(app, kept, ("view", 4))[:2] == (got, True)


@pytest.mark.parametrize(("behind", "got"), [(True, ("view 1", True)), (False, ("made", False))])
def test_the_first_reader_of_a_generation_published_beside_starts_the_warm_up(
    tmp_path: Path, behind: bool, got: tuple[str, bool]
) -> None:
    """Stranger 65: the first reader of the figures after a ``coworkmed publish`` beside the
    server worked them out (5 s) while the warm-up did not run; it now starts the warm-up and
    gets the one before at once. When the warm-up has run for that generation (it is not
    behind), the reader works out a question it did not."""
    from flask import g

    app, kept = _app(tmp_path, timeout=5.0), Kept()
    warmer = _WarmUp(running=False, behind=behind)
    app.extensions[WARM_UP] = warmer
    with app.app_context():
        setattr(g, WARMING, True)  # the warm-up works this question out
        kept.get(("view", 1), lambda: "view 1")
    with app.app_context():
        answer = kept.get(("view", 2), lambda: "made")
        assert (answer, bool(g.get(STALE))) == got
    assert warmer.starts == (1 if behind else 0)


@pytest.mark.parametrize(
    ("made_by", "aged", "got"),
    [
        ("the warm-up", True, ("gen 1", True)),
        ("a reader", False, ("gen 1", True)),
        ("a reader", True, ("gen 2", False)),
    ],
    ids=[
        "a-question-it-works-out-the-one-before",
        "one-it-does-not-a-recent-one-before",
        "one-it-does-not-an-old-one-its-reader-makes-it",
    ],
)
def test_while_the_warm_up_runs_a_question_it_does_not_work_out_is_made_by_its_reader(
    tmp_path: Path, made_by: str, aged: bool, got: tuple[str, bool]
) -> None:
    """Stranger 66: under writes one after the other the warm-up ran for good, and the readers
    of a question it does not work out (the API's headline in one language) were given its
    answer of before the first write, for minutes, 20 generations on. While the warm-up runs,
    the one before is given for the questions it works out; for another, while the one before
    is recent (set aside less than ``query_timeout`` ago); else its reader works it out (the
    others get the one before meanwhile: ``coming``)."""
    from flask import g

    app, kept = _app(tmp_path, timeout=0.5), Kept()
    app.extensions[WARM_UP] = _WarmUp(running=True)
    with app.app_context():
        setattr(g, WARMING, made_by == "the warm-up")
        kept.get(("headline", 1, "en"), lambda: "gen 1")
        setattr(g, WARMING, True)
        kept.get(("other", 2), lambda: "other 2")  # the new generation: gen 1 aside
    if aged:
        time.sleep(0.6)
    with app.app_context():
        answer = kept.get(("headline", 2, "en"), lambda: "gen 2")
        assert (answer, bool(g.get(STALE))) == got


def test_an_answer_aside_that_readers_ask_for_is_the_last_to_go(tmp_path: Path) -> None:
    """Stranger 66: readers asking for many distinct views pushed out the answer before of a
    view read every second (its readers then waited 10 to 26 s together): the answers aside
    went oldest set aside first, however often they were given."""
    from flask import g

    app, kept = _app(tmp_path, timeout=5.0), Kept(size=3)
    app.extensions[WARM_UP] = _WarmUp(running=True)
    with app.app_context():
        setattr(g, WARMING, True)
        for question in ("A", "B", "C"):
            kept.get((question, 1), lambda question=question: f"{question} 1")
        kept.get(("D", 2), lambda: "D 2")  # A, B and C aside
    with app.app_context():
        assert kept.get(("A", 2), lambda: "A 2") == "A 1"  # given: asked for
    with app.app_context():
        setattr(g, WARMING, True)
        kept.get(("E", 3), lambda: "E 3")  # D aside too: one too many, B (not A) goes
    with app.app_context():
        assert kept.get(("A", 3), lambda: "A 3") == "A 1" and g.get(STALE)
    with app.app_context():
        assert kept.get(("B", 3), lambda: "B 3") == "B 3" and not g.get(STALE)


#: (how long ago the answer before was set aside, in ``query_timeout``s; whether its kind of
#: question can be asked again: what its reader gets, and whether the question is held)
ASKED_AGAIN = [
    pytest.param(1.2, True, ("gen 1", True), True, False, id="past-the-timeout-given-and-held"),
    pytest.param(0.0, True, ("gen 1", True), True, False, id="recent-given-and-held"),
    pytest.param(
        1.2, False, ("gen 2", False), False, False, id="no-way-to-ask-again-its-reader-makes-it"
    ),
    pytest.param(
        2.4, True, ("gen 2", False), False, False, id="past-wanted-fresh-its-reader-makes-it"
    ),
    # stranger 69: one the warm-up had asked again once was given its answer before for good
    # (417 s), never held again
    pytest.param(
        1.2, True, ("gen 1", True), True, True, id="worked-out-by-the-warm-up-given-and-held"
    ),
    pytest.param(
        1.2, False, ("gen 1", True), False, True, id="worked-out-by-its-steps-given-not-held"
    ),
    # stranger 72: one the warm-up works out was given its answer before whatever its age
    pytest.param(
        2.4, True, ("gen 2", False), False, True, id="worked-out-by-the-warm-up-past-the-bound"
    ),
    pytest.param(
        2.4, False, ("gen 2", False), False, True, id="worked-out-by-its-steps-past-the-bound"
    ),
]


@pytest.mark.parametrize(("aged", "can", "got", "held", "warmed"), ASKED_AGAIN)
def test_a_question_given_its_answer_before_while_the_warm_up_runs_is_asked_again(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    aged: float,
    can: bool,
    got: tuple[str, bool],
    held: bool,
    warmed: bool,
) -> None:
    """Stop 47: readers of a question the warm-up does not work out waited up to 27 s under
    steady writes (each ``query_timeout``, one reader worked it out behind its queries). A
    question the warm-up can ask again (``again``) is given its answer before while it runs,
    for up to ``WANTED_FRESH`` timeouts, and held for it: it asks it again
    (``Kept.ask_again``), and its next reader gets the new answer, kept. One the warm-up
    worked out (``warmed``) is given its answer before while it runs, and held too when it
    can be asked again (the warm-up's steps work out their own each run)."""
    from flask import g

    from endpoint import published

    monkeypatch.setattr(published, "WANTED_FRESH", 2)
    now = {"generation": 1}
    kept: Kept = Kept(again={"headline": lambda lang: ask(lang)} if can else None)

    def ask(lang: str) -> str:
        return kept.get(("headline", now["generation"], lang), lambda: f"gen {now['generation']}")

    app, warmer = _app(tmp_path, timeout=0.5), _WarmUp(running=True)
    app.extensions[WARM_UP] = warmer
    with app.app_context():
        setattr(g, WARMING, warmed)  # a reader's question, or the warm-up's
        ask("en")
        now["generation"] = 2
        setattr(g, WARMING, True)
        kept.get(("other", 2), lambda: "other 2")  # the new generation: gen 1 aside
    time.sleep(aged * 0.5)
    with app.app_context():
        answer = ask("en")
        assert (answer, bool(g.get(STALE))) == got
    assert warmer.starts == (1 if held else 0)
    with app.app_context():
        setattr(g, WARMING, True)
        assert kept.ask_again() == (1 if held else 0)
        assert kept.ask_again() == 0  # asked once
    # asked again, it is no question the warm-up works out at each run (its answer before
    # would be given for as long as writes come: stranger 69, 70)
    assert warmed or not [q for q in kept._warmed if q[2] == "headline"]
    if not held and got[0] == "gen 1":
        return  # given the one before, left to the warm-up's steps (each run)
    with app.app_context():  # kept: no one makes it again
        assert kept.get(("headline", 2, "en"), lambda: "made twice") == "gen 2"
        assert not g.get(STALE)


def test_the_questions_held_for_the_warm_up_are_the_last_given_each_asked_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """At most ``WANTED_MOST`` questions are held, the last given (a crawler of filtered views
    does not make the warm-up ask hundreds again); those of another app's store are its own
    warm-up's; one the store cannot answer now, or whose asking fails otherwise, is logged,
    the others still asked."""
    from flask import g

    from endpoint import published

    monkeypatch.setattr(published, "WANTED_MOST", 4)  # for both apps
    asked: list[str] = []

    def ask(view: str) -> str:
        asked.append(view)
        if view == "D":
            raise QueryError(503, "D cannot be answered now")
        if view == "C":
            raise KeyError("a bug in asking C")
        return view

    kept = Kept(again={"view": ask})
    app, other = _app(tmp_path / "one"), _app(tmp_path / "two")
    for each in (app, other):
        each.extensions[WARM_UP] = _WarmUp(running=True)
        with each.app_context():
            setattr(g, WARMING, True)
            for view in "ABCDE":
                kept.get(("view", 1, view), lambda view=view: f"{view} at 1")
            kept.get(("other", 2), lambda: "other 2")  # the new generation: all aside
    with app.app_context():
        for view in "ABCDE":  # given the one before: held, A pushed out
            assert kept.get(("view", 2, view), lambda: "made") == f"{view} at 1"
    with other.app_context():  # held too: B pushed out
        assert kept.get(("view", 2, "A"), lambda: "made") == "A at 1"
    with app.app_context(), caplog.at_level("WARNING"):
        setattr(g, WARMING, True)
        assert kept.ask_again() == 3
    assert asked == ["E", "D", "C"]  # the last given first
    assert "D cannot be answered now" in caplog.text
    assert "view asked again failed" in caplog.text and "a bug in asking C" in caplog.text
    with other.app_context():
        setattr(g, WARMING, True)
        assert kept.ask_again() == 1
    assert asked[3:] == ["A"]


def test_an_answer_made_of_old_answers_before_is_as_old_as_they_are(tmp_path: Path) -> None:
    """Stranger 67 (F1): under writes one after the other, answers made again and again of
    answers before minutes old counted as new each time they were set aside, and readers were
    given answers 311 s old where the rule allows 120. An answer made of answers before is set
    aside as old as the oldest of them: past ``query_timeout``, its next reader works it out."""
    from flask import g

    app, kept = _app(tmp_path, timeout=0.5), Kept()
    app.extensions[WARM_UP] = _WarmUp(running=True)
    with app.app_context():
        setattr(g, WARMING, True)  # the warm-up works "part" out: given before, however old
        kept.get(("part", 1), lambda: "part 1")
        kept.get(("other", 2), lambda: "other 2")  # the new generation: part 1 aside
    time.sleep(0.6)  # older than query_timeout
    with app.app_context():  # a reader's "whole", made of the old part (given before)
        whole = kept.get(("whole", 2), lambda: "whole of " + kept.get(("part", 2), str))
        assert (whole, bool(g.get(STALE))) == ("whole of part 1", True)
    with app.app_context():
        setattr(g, WARMING, True)
        kept.get(("other", 3), lambda: "other 3")
    with app.app_context():  # set aside as old as its part: its reader works it out
        assert kept.get(("whole", 3), lambda: "whole 3") == "whole 3"
        assert not g.get(STALE)


@pytest.mark.parametrize(
    ("before", "reads", "given"),
    [
        # (the answer before: none / of one generation / made across a change / too old), the
        # generations the new one read, what is given
        ("whole", [1, 2], "doc 1"),
        ("whole", [2, 3], "doc 1"),  # three generations, none the one before's alone
        ("whole", [3], "doc made"),  # of one generation (the next): given as it is
        ("none", [1, 2], "doc made"),  # nothing better: given, not kept, set aside
        ("mixed", [1, 2], "doc made"),  # the one before disagrees with itself too: the newer
        ("too old", [1, 2], "doc made"),  # past what an answer before may be given for
    ],
)
def test_an_answer_whose_parts_disagree_gives_way_to_the_one_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, before: str, reads: list[int], given: str
) -> None:
    """Stranger 67 (F4): a document made while a change was published, or of answers before
    of other generations (the figures' headline of the new generation, its rows of the old),
    held two generations. The question's answer before, of one generation, is given instead
    while it may be given (``WANTED_FRESH`` × ``query_timeout``); the request reads from its
    generation alone."""
    from flask import g

    from endpoint.published import read_at, read_from

    app, kept = _app(tmp_path, timeout=10), Kept()

    def made(numbers: list[int], value: str) -> Any:
        def make() -> str:
            for number in numbers:
                read_at(number)  # a query's snapshot
            return value

        return make

    clock = [1000.0]
    monkeypatch.setattr("endpoint.published.time.monotonic", lambda: clock[0])
    with app.app_context():
        if before == "whole":
            assert kept.get(("doc", 1), made([1], "doc 1")) == "doc 1"
        elif before == "mixed":
            assert kept.get(("doc", 1), made([0, 1], "doc 0-1")) == "doc 0-1"
        elif before == "too old":
            kept.get(("doc", 1), made([1], "doc 1"))
            kept.get(("other", 2), made([2], "other"))  # gen 1's doc aside from now
            clock[0] += 10 * 4 + 1
    with app.app_context():
        assert kept.get(("doc", 2), made(reads, "doc made")) == given
        assert g.get(STALE)  # never validated
        assert read_from() == ({1} if given == "doc 1" else set(reads))
    with app.app_context():  # neither is kept for generation 2: its next reader makes it
        assert kept.get(("doc", 2), made([2], "doc 2")) == "doc 2"
        assert not g.get(STALE)


@pytest.mark.parametrize(
    ("door", "aged", "got"),
    [
        ("the warm-up runs", 0.0, "view 1"),
        ("the warm-up runs", 2.4, "view 2"),
        ("another reader works it out", 0.0, "view 1"),
        ("another reader works it out", 2.4, BEING_WORKED_OUT),
    ],
    ids=[
        "running-recent-given",
        "running-old-made",
        "worked-out-recent-given",
        "worked-out-old-waits",
    ],
)
def test_an_answer_before_is_as_old_as_the_state_it_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, door: str, aged: float, got: str
) -> None:
    """Stranger 70: an answer kept for a generation whose question no one asked again counted
    as the one before only from the moment it was set aside (a later generation's answers
    kept), and was given 138 to 192 s after its state was replaced, where the bound is
    ``WANTED_FRESH`` × ``query_timeout``; while another reader worked it out, an answer before
    of any age was given. An answer before is now as old as the time a newer generation was
    first asked for, through either door."""
    from flask import g

    from endpoint import published

    monkeypatch.setattr(published, "WANTED_FRESH", 2)
    app = _app(tmp_path, timeout=0.5)
    kept: Kept = Kept(again={"view": lambda: None})
    warm_up = app.extensions[WARM_UP] = _WarmUp(running=door == "the warm-up runs")
    with app.app_context():
        kept.get(("view", 1), lambda: "view 1")

        def refused() -> str:
            raise QueryError(503, "not now")

        with pytest.raises(QueryError):  # generation 2 asked for, none of its answers kept
            kept.get(("other", 2), refused)
    time.sleep(aged * 0.5)
    if door == "the warm-up runs":
        with app.app_context():
            answer = kept.get(("view", 2), lambda: "view 2")
            assert (answer, bool(g.get(STALE))) == (got, got == "view 1")
        assert warm_up.starts == (1 if got == "view 1" else 0)  # held for it while recent
        return
    try:
        answer, stale, _seconds = asked_while_made(app, kept, ("view", 2), made="view 2")
    except QueryError as waited:  # it waited for the one worked out, to the time limit
        answer, stale = waited.message, False
    assert (answer, stale) == (got, got == "view 1")


REQUEST_AGES = yaml.safe_load((Path(__file__).parent / "request-ages.yaml").read_text("utf-8"))


@pytest.mark.parametrize("case", REQUEST_AGES, ids=[case["name"] for case in REQUEST_AGES])
def test_a_reader_bounds_the_age_of_the_answer_before_it_is_given(
    tmp_path: Path, case: dict[str, Any]
) -> None:
    """Stranger 70: a request with ``Cache-Control: no-cache`` was given the answer before
    under writes (504 of 657 answers, up to 37 s behind), as any other; docs/serving.md says it
    asks for one made afresh. A reader's ``no-cache`` (``no-store``, ``Pragma: no-cache``)
    or ``max-age`` now bounds how old an answer before it accepts, through either door."""
    from flask import g

    app = _app(tmp_path, timeout=5.0)
    kept: Kept = Kept()
    app.extensions[WARM_UP] = _WarmUp(running=case["door"] == "the warm-up runs")
    with app.app_context():
        setattr(g, WARMING, True)  # the warm-up works this question out
        kept.get(("view", 1), lambda: "view 1")
        kept.get(("other", 2), lambda: "other 2")  # generation 2 asked for: view 1 aside
    time.sleep(case.get("aged", 0.0))
    release, working = threading.Event(), threading.Event()

    def first_reader() -> None:
        with app.app_context():
            setattr(g, WARMING, True)  # not given the one before: it works the new one out
            kept.get(("view", 2), lambda: working.set() or release.wait(5) and "view 2")

    thread = threading.Thread(target=first_reader)
    if case["door"] == "another works it out":
        thread.start()
        assert working.wait(5)
        threading.Timer(0.3, release.set).start()  # it ends while this reader waits
    try:
        with app.test_request_context("/observatory", headers=case["headers"]):
            answer = kept.get(("view", 2), lambda: "view 2")
            stale = bool(g.get(STALE))
    finally:
        release.set()
        if thread.is_alive():
            thread.join(timeout=10)
    expected = {"before": ("view 1", True), "current": ("view 2", False)}[case["got"]]
    assert (answer, stale) == expected


def _published_twice(app: Flask) -> None:
    """Generations 1 and 2 of the app's store, published one after the other now."""
    location = app.extensions["coworkmed.store"]
    for _ in range(2):
        with location.writer() as store:
            location.snapshot(store)


@pytest.mark.parametrize(("aged", "got"), [(0.0, "view 1"), (1.0, "view 2")])
def test_an_answer_before_is_as_old_as_its_store_says(
    tmp_path: Path, aged: float, got: str
) -> None:
    """Stranger 71: an answer before counted as replaced when a newer generation was first
    asked of its ``Kept``: one whose questions no one asked for minutes was given up to 302 s
    after its state was replaced (the bound is 120 s), and ``max-age=30`` got one 78 s old.
    Its age is now counted from the newer generation's publication, as its store's log says
    (``OxigraphLocation.replaced_at``), whoever published it."""
    from flask import g

    app = _app(tmp_path, timeout=0.5)  # given while the warm-up runs only while under 0.5 s
    kept: Kept = Kept()
    app.extensions[WARM_UP] = _WarmUp(running=True)
    _published_twice(app)
    with app.app_context():
        kept.get(("view", 1), lambda: "view 1")  # kept for generation 1, asked after 2 came
    time.sleep(aged)
    with app.app_context():
        answer = kept.get(("view", 2), lambda: "view 2")  # no one asked generation 2 before
        assert (answer, bool(g.get(STALE))) == (got, got == "view 1")


def test_the_maker_of_an_answer_of_a_held_generation_is_given_no_part_before(
    tmp_path: Path,
) -> None:
    """Stranger 71: the API's figures document of one state held a figure of a state 302 s
    older: its maker was given its parts' answers before. A maker reads its key's generation
    throughout (``reading_one``), and now gets that generation's parts, worked out, so a
    document's parts agree; its readers get the whole document before meanwhile."""
    from flask import g

    app = _app(tmp_path, timeout=30.0)
    app.extensions[WARM_UP] = _WarmUp(running=True)  # parts before would be given meanwhile
    documents, parts = Kept(), Kept()
    _published_twice(app)

    def document() -> str:
        from endpoint.published import generation

        return "document of " + parts.get(("part", generation()), lambda: f"part {generation()}")

    with app.app_context():
        setattr(g, WARMING, True)
        assert parts.get(("part", 1), lambda: "part 1") == "part 1"
    with app.app_context():
        assert documents.get(("document", 2), document) == "document of part 2"
        assert not g.get(STALE)
    with app.app_context():  # kept for generation 2: given again, whole
        assert documents.get(("document", 2), lambda: "made twice") == "document of part 2"


@pytest.mark.parametrize(("aged", "got"), [(0.0, "view 1"), (1.3, "view 2")])
def test_an_answer_before_of_a_question_the_warm_up_works_out_is_bounded_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aged: float, got: str
) -> None:
    """Stranger 72: while the warm-up ran, the questions it works out (the search, the home
    page's counts) were given their answer before whatever its age: under writes it came to
    them late, and they were given 160 to 257 s after their state was replaced, where every
    other answer before is bounded by ``WANTED_FRESH`` × ``query_timeout`` (120 s). Past
    that bound, their reader now waits for the new one or works it out."""
    from flask import g

    from endpoint import published

    monkeypatch.setattr(published, "WANTED_FRESH", 2)
    app = _app(tmp_path, timeout=0.5)  # bound: 1 s
    kept: Kept = Kept()
    app.extensions[WARM_UP] = _WarmUp(running=True)
    _published_twice(app)
    with app.app_context():
        setattr(g, WARMING, True)  # one of the warm-up's own questions
        kept.get(("view", 1), lambda: "view 1")
    time.sleep(aged)  # generation 2 was published before: the answer is that old, and more
    with app.app_context():
        answer = kept.get(("view", 2), lambda: "view 2")
        assert (answer, bool(g.get(STALE))) == (got, got == "view 1")
