"""``coworkmed serve`` works out the first pages' answers as it starts (``endpoint.warm``): once
its warm-up has run, the home page, the observatory page and a search ask the store nothing."""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from core.problems import LoadError
from endpoint import published as published_module
from endpoint.app import create_app
from endpoint.execution import QueryError
from endpoint.warm import STEPS, WARMER, warm_up
from tests.backends import oxigraph_published


def test_after_the_warm_up_the_first_pages_ask_the_store_nothing(
    store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"  # a store of its own: the answers kept are per store
    shutil.copytree(store_path, store)
    app = create_app(oxigraph_published(store).config(query_workers=1))
    try:
        assert set(STEPS) >= {
            "home page figures",
            "observatory headline",
            "observatory figures",
            "search index",
        }
        warm_up(app).join(timeout=300)
        asked: list[str] = []

        def refuse(request: object, *args: object, **kwargs: object) -> None:
            asked.append(str(getattr(request, "sparql", request))[:120])
            raise QueryError(503, "the warm-up should have answered this")

        monkeypatch.setattr(published_module, "run", refuse)
        client = app.test_client()
        # the dashboard's figures too, as its page reads them (stranger 63: 10 to 80 s after
        # a write's warm-up at 15,000 spaces)
        pages = ("/?lang=el", "/observatory?lang=fr", "/search?q=fab&lang=it")
        for path in (*pages, "/api/observatory/figures?lang=hr"):
            answer = client.get(path)
            assert answer.status_code == 200, (path, asked)
        assert asked == []
    finally:
        app.extensions["coworkmed.pool"].close()


def test_pages_asked_while_the_warm_up_runs_wait_for_its_answers(
    store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Visitors who come during the warm-up (several at once, as after a restart behind a busy
    proxy) wait for the answers it is working out: no query is run twice. Before, each of
    them read the whole graph again, and the server held every copy at once."""
    store = tmp_path / "store"
    shutil.copytree(store_path, store)
    app = create_app(oxigraph_published(store).config(query_workers=2))
    asked: Counter[str] = Counter()
    lock = threading.Lock()
    run = published_module.run

    def counted(request: object, *args: object, **kwargs: object) -> object:
        with lock:
            asked[str(getattr(request, "sparql", request))] += 1
        time.sleep(0.05)  # every query a little slower: the visitors come while it runs
        return run(request, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(published_module, "run", counted)
    statuses: list[int] = []

    def visit(path: str) -> None:
        statuses.append(app.test_client().get(path).status_code)

    try:
        warming = warm_up(app)
        visitors = [
            threading.Thread(target=visit, args=(path,))
            for path in ("/observatory?lang=fr", "/search?q=fab", "/search?lang=el", "/") * 2
        ]
        for visitor in visitors:
            visitor.start()
        for thread in (*visitors, warming):
            thread.join(timeout=300)
        assert statuses == [200] * len(visitors)
        assert {query[:200]: n for query, n in asked.items() if n > 1} == {}
    finally:
        app.extensions["coworkmed.pool"].close()


#: a coworking space in France, as Turtle: a write that changes the French views' counts
LAB_X = (
    "<https://w3id.org/coworkmed/id/space/test/lab-x> a <https://w3id.org/coworkmed/def/Space> ; "
    "<https://w3id.org/coworkmed/def/country> "
    "<http://publications.europa.eu/resource/authority/country/FRA> ; "
    "<https://w3id.org/coworkmed/def/spaceKind> "
    "<https://w3id.org/coworkmed/code/space-kind/coworking> ; "
    '<http://www.w3.org/2000/01/rdf-schema#label> "Lab X" .'
)


def _write(
    client: FlaskClient,
    token: str,
    data: str = '<http://example.org/s> <http://example.org/p> "o" .',
) -> None:
    """A Graph Store PUT of a graph (of one triple unless ``data``, Turtle, says otherwise): a
    new generation."""
    written = client.put(
        "/store?graph=http://example.org/g",
        data=data,
        content_type="text/turtle",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert written.status_code == 201, written.data


#: the update token of the apps ``_writable`` makes
WARM_TOKEN = "warm token"


def _writable(store_path: Path, tmp_path: Path) -> tuple[Path, Flask]:
    """A copy of the samples' store, and an app on it that takes writes (``WARM_TOKEN``)."""
    store = tmp_path / "store"
    shutil.copytree(store_path, store)
    config = oxigraph_published(store).config(query_workers=1, update_token=WARM_TOKEN)
    return store, create_app(config)


def test_after_a_write_the_new_generations_pages_ask_the_store_nothing(
    store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warm-up runs again after each write of the server that succeeded: the first readers
    of the new generation do not wait for its answers (stranger 60: 33-73 s for the
    observatory after each PUT)."""
    store, app = _writable(store_path, tmp_path)
    token = WARM_TOKEN
    try:
        warm_up(app).join(timeout=300)
        client = app.test_client()
        # filtered views readers asked for before the write (stranger 63: such a view was
        # worked out for its first reader after the warm-up, 23-28 s at 15,000 spaces)
        views = ("/api/observatory/figures?country=FRA&lang=fr", "/observatory?country=ITA&lang=it")
        for view in views:
            assert client.get(view).status_code == 200, view
        _write(client, token)
        app.extensions[WARMER].wait(300)  # the run the write started
        asked: list[str] = []

        def refuse(request: object, *args: object, **kwargs: object) -> None:
            asked.append(str(getattr(request, "sparql", request))[:120])
            raise QueryError(503, "the warm-up should have answered this")

        monkeypatch.setattr(published_module, "run", refuse)
        # the dashboard's figures too, as its page reads them (stranger 63: 10 to 80 s after
        # a write's warm-up at 15,000 spaces)
        pages = ("/?lang=el", "/observatory?lang=fr", "/search?q=fab&lang=it")
        for path in (*pages, "/api/observatory/figures?lang=hr", *views):
            assert client.get(path).status_code == 200, (path, asked)
        assert asked == []
    finally:
        app.extensions["coworkmed.pool"].close()


@pytest.mark.parametrize(
    ("refusals", "status", "runs"),
    [(1, 503, 2), (2, 503, 3), (5, 503, 3), (1, 504, 1), (0, 503, 1)],
    ids=["busy-once", "busy-twice", "busy-always-three-rounds", "too-slow-not-again", "fine"],
)
def test_a_step_refused_for_now_is_worked_out_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, refusals: int, status: int, runs: int
) -> None:
    """Stranger 61: on a cold start under a burst, the warm-up's steps were refused (the query
    room full) and left to the readers; a step refused for now (503) is tried again."""
    from flask import Flask

    from endpoint import warm
    from endpoint.app import STOPPING_KEY
    from endpoint.execution import QueryError
    from triplestore.backends.oxigraph import OxigraphLocation

    app = Flask(__name__)
    app.extensions[STOPPING_KEY] = threading.Event()
    app.extensions["coworkmed.store"] = OxigraphLocation(tmp_path)
    calls: list[int] = []

    def step() -> None:
        calls.append(1)
        if len(calls) <= refusals:
            raise QueryError(status, "not now")

    monkeypatch.setattr(warm, "STEPS", {"a step": step, "another": lambda: None})
    monkeypatch.setattr(warm, "AGAIN_AFTER", 0.01)
    warm.Warmer(app)._steps()
    assert len(calls) == runs


def test_a_step_that_fails_otherwise_ends_its_run_and_the_next_run_comes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Review of stop 46: a step raising anything but QueryError (a store that vanished, a
    bug) ended the warm-up's thread without ending its run: it was running for good, so
    readers were given the answers of the generation before, and no later write ran the
    warm-up again."""
    from flask import Flask

    from endpoint import warm
    from endpoint.app import STOPPING_KEY
    from triplestore.backends.oxigraph import OxigraphLocation

    app = Flask(__name__)
    app.extensions[STOPPING_KEY] = threading.Event()
    app.extensions["coworkmed.store"] = OxigraphLocation(tmp_path)
    calls: list[int] = []

    def step() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("the store's folder went away")

    monkeypatch.setattr(warm, "STEPS", {"a step": step})
    warmer = warm.Warmer(app)
    warmer.start().join(timeout=30)
    assert not warmer.running()
    warmer.start().join(timeout=30)
    assert len(calls) == 2 and not warmer.running()


@pytest.mark.parametrize(
    ("changes", "fails", "started"),
    [(True, False, 1), (False, False, 0), (True, True, 1), (False, True, 0), (None, False, 0)],
    ids=[
        "a-new-generation",
        "nothing-changed",
        "failed-after-publishing",
        "failed-before",
        "generation-unreadable-after",
    ],
)
def test_a_write_counts_as_a_run_and_starts_one_as_it_ends(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    changes: bool | None,
    fails: bool,
    started: int,
) -> None:
    """Stranger 63: the warm-up started only once a write had answered; meanwhile the new
    generation showed, and its readers each worked its answers out (60 to 72 s at 15,000
    spaces). A write of the server counts as a run while it is under way (``Kept`` gives the
    answers before), and starts one as it ends when the generation changed."""
    from flask import Flask

    from endpoint import warm
    from endpoint.app import STOPPING_KEY

    class Location:
        def __init__(self) -> None:
            self.number: int | None = 3

        def generation(self) -> int:
            if self.number is None:
                raise LoadError("the store cannot be read")
            return self.number

        def place(self) -> str:
            return str(tmp_path)

    app = Flask(__name__)
    app.extensions[STOPPING_KEY] = threading.Event()
    app.extensions["coworkmed.store"] = location = Location()
    monkeypatch.setattr(warm, "STEPS", {})
    warmer = warm.Warmer(app)
    starts: list[int] = []
    monkeypatch.setattr(warmer, "start", lambda: starts.append(1))
    assert not warmer.running()
    expected = RuntimeError if fails else LoadError if changes is None else None
    with pytest.raises(expected) if expected else contextlib.nullcontext():
        with warmer.writing():
            assert warmer.running() and not starts
            if changes is None:  # the store unreadable once the write ends
                location.number = None
            elif changes:
                location.number = 4
            if fails:
                raise RuntimeError("the write failed")
    assert len(starts) == started and not warmer.running()


def test_after_its_run_a_view_it_did_not_work_out_gives_the_one_before_while_made(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Stranger 64 (finding 2): once the warm-up's run had ended, it dropped the answers of the
    generation before; a filtered view it had not worked out again was then worked out by its
    first reader while every other reader waited for it (up to ``query_timeout``). They get
    the one before at once, as while the run was under way; once the new one is kept, it is."""
    from flask import Flask, g

    from endpoint import warm
    from endpoint.app import STOPPING_KEY
    from endpoint.published import STALE, WARM_UP, Kept
    from tests.endpoint.test_kept_once import asked_while_made
    from triplestore.backends.oxigraph import OxigraphLocation

    app = Flask(__name__)
    app.extensions[STOPPING_KEY] = threading.Event()
    app.extensions["coworkmed.store"] = OxigraphLocation(tmp_path)
    app.config["COWORKMED"] = {"base": "https://w3id.org/coworkmed/id/", "query_timeout": 5.0}
    monkeypatch.setattr(OxigraphLocation, "_current", lambda self: (2, "t"))  # the store's now
    kept = Kept()
    monkeypatch.setattr(warm, "STEPS", {"the whole network": lambda: kept.get(("all", 2), str)})
    warmer = app.extensions[WARM_UP] = warm.Warmer(app)
    with app.app_context():
        kept.get(("view", 1, "FRA"), lambda: "FRA at 1")
        kept.get(("all", 1), lambda: "all at 1")
    warmer.start().join(timeout=30)  # generation 2's run: it works out the whole network only
    assert not warmer.running()
    answer, stale, seconds = asked_while_made(app, kept, ("view", 2, "FRA"), made="FRA at 2")
    assert answer == "FRA at 1"
    assert stale and seconds < 1
    with app.app_context():
        assert kept.get(("view", 2, "FRA"), lambda: "made twice") == "FRA at 2"
        assert not g.get(STALE)


def test_questions_given_an_answer_before_while_it_runs_are_asked_again(
    store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stop 47: under writes one after the other, the readers of a question the warm-up does
    not work out (the API's headline in one language, a filtered view beyond the last four,
    the map's points) waited up to 27 s: given the answer before while it was recent, then
    working the new one out themselves behind the warm-up's queries. Given the answer before
    while the warm-up runs, such a question is held for it, and it asks it again: once its
    run is over, the readers of each ask the store nothing."""
    from endpoint import warm

    store, app = _writable(store_path, tmp_path)
    token = WARM_TOKEN
    holding = threading.Event()
    steps = {"held while readers come": lambda: holding.wait(60), **warm.STEPS}
    try:
        warm_up(app).join(timeout=300)
        client = app.test_client()
        views = [
            f"/api/observatory/figures?{filters}lang={lang}"
            for filters in ("country=FRA&", "country=ITA&", "kind=coworking&")
            for lang in ("el", "hr")
        ]
        views += ["/api/observatory/figures?lang=es", "/api/observatory/points?country=ESP"]
        for view in views:  # asked once: each has an answer before after the write
            assert client.get(view).status_code == 200, view
        monkeypatch.setattr(warm, "STEPS", steps)  # the write's run waits for the readers
        _write(client, token)
        for view in views:  # while it runs: the answer before, at once
            answer = client.get(view)
            assert answer.status_code == 200, view
            assert "no-store" in answer.headers["Cache-Control"], view
        holding.set()
        app.extensions[WARMER].wait(300)
        asked: list[str] = []

        def refuse(request: object, *args: object, **kwargs: object) -> None:
            asked.append(str(getattr(request, "sparql", request))[:120])
            raise QueryError(503, "the warm-up should have asked this again")

        monkeypatch.setattr(published_module, "run", refuse)
        for view in views:
            answer = client.get(view)
            assert answer.status_code == 200, (view, asked)
            assert "no-store" not in answer.headers["Cache-Control"], view
        assert asked == []
    finally:
        holding.set()
        app.extensions["coworkmed.pool"].close()


class _Running:
    """A warm-up that is running for as long as ``is_running`` says (readers get answers
    before), and starts nothing."""

    def __init__(self) -> None:
        self.is_running = True

    def start(self) -> object:
        return None

    def running(self) -> bool:
        return self.is_running

    def behind(self, generation: int) -> bool:
        return False

    def writing(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()


@pytest.mark.parametrize(
    "view",
    [
        "/api/observatory/figures?country=FRA&lang=hr",
        "/api/observatory/figures?lang=el",
        "/api/observatory/figures?country=FRA&kind=coworking&lang=en",
    ],
)
def test_a_document_is_of_one_generation_while_the_new_one_is_worked_out(
    store_path: Path, tmp_path: Path, view: str
) -> None:
    """Stranger 67 (F4): right after a write, the API's document of a view held the headline
    of the new generation (kept already by the warm-up) and the figures of the one before
    (their answer before): two generations in one answer, every time. The document is one
    answer (``observatory.figures_document``), its parts of one generation: the figures'
    coverage counts the headline's places."""
    from flask import g

    from endpoint import observatory
    from endpoint.published import WARM_UP, WARMING

    store, app = _writable(store_path, tmp_path)
    token = WARM_TOKEN
    filters = {k: v for k, v in (p.split("=") for p in view.split("?")[1].split("&"))}
    lang = filters.pop("lang")

    def places(answer: dict[str, Any]) -> set[int]:
        counted = {f["coverage"]["places"] for f in answer["figures"] if f["coverage"]}
        return {answer["headline"]["places"], *counted}

    try:
        client = app.test_client()
        before = client.get(view)
        assert before.status_code == 200 and len(places(before.json)) == 1
        _write(client, token, LAB_X)
        app.extensions[WARM_UP] = _Running()
        with app.test_request_context():  # the warm-up has the new headline kept already
            setattr(g, WARMING, True)
            observatory.headline_texts(filters, lang)
        given = client.get(view)  # while it runs: the figures' answer before
        assert given.status_code == 200
        assert "no-store" in given.headers["Cache-Control"]
        assert len(places(given.json)) == 1, places(given.json)
    finally:
        app.extensions["coworkmed.pool"].close()


def _places(answer: dict[str, Any]) -> set[int]:
    """The places a figures document counts: its headline's and each figure's coverage (one
    number when all are of one generation)."""
    counted = {f["coverage"]["places"] for f in answer["figures"] if f["coverage"]}
    return {answer["headline"]["places"], *counted}


@pytest.mark.parametrize("lang", ["hr", "el"])
@pytest.mark.parametrize("write_at", ["between two steps", "amid a step's queries"])
def test_a_warm_up_run_reads_one_generation_while_writes_publish_others(
    store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write_at: str, lang: str
) -> None:
    """Stranger 68 (F1): under writes one after the other, a warm-up run's answers were each
    of the generation current as it asked, so a document read of them mixed several (260 of
    390 of the API's figures) and no run ever left a whole generation. A run reads the one it
    started on throughout (``published.AT``), its snapshot held: a document read of its
    answers is of that generation, then of the next once that one is worked out."""
    from flask import g

    from endpoint import observatory, warm
    from endpoint.published import WARM_UP, WARMING

    store, app = _writable(store_path, tmp_path)
    token = WARM_TOKEN
    view, filters = f"/api/observatory/figures?country=FRA&lang={lang}", {"country": "FRA"}
    client = app.test_client()
    written: list[int] = []

    def write() -> None:  # a write of another client: a thread of its own
        writer = threading.Thread(target=_write, args=(client, token, LAB_X))
        writer.start()
        writer.join(120)
        written.append(1)

    steps: dict[str, Callable[[], object]] = {
        "observatory headline": lambda: observatory.headline_texts(filters, lang),
        "observatory figures": lambda: observatory.figures(filters, lang),
    }
    if write_at == "between two steps":
        steps = {"observatory headline": steps["observatory headline"], "a write": write, **steps}
    else:  # after the figures' third query
        asked, run = [], published_module.run

        def run_then_write(request: Any) -> Any:
            if g.get(WARMING) and not written:
                asked.append(1)
                if len(asked) == 3:
                    write()
            return run(request)

        monkeypatch.setattr(published_module, "run", run_then_write)
        steps = dict(reversed(steps.items()))  # the figures first: the write amid them
    try:
        monkeypatch.setattr(warm, "STEPS", steps)
        warm.Warmer(app).start().join(300)
        assert written == [1]
        app.extensions[WARM_UP] = running = _Running()
        # of one generation: the run's, or (stranger 71: its maker is given no parts before)
        # the new one's, worked out by its reader
        given = client.get(view)
        assert given.status_code == 200
        assert len(_places(given.json)) == 1, _places(given.json)
        running.is_running = False
        after = client.get(view)  # the new generation's
        assert after.status_code == 200
        truth = client.get(view, headers={"Cache-Control": "no-cache"})
        assert _places(after.json) == _places(truth.json), "the new one's, whole"
        (now,) = _places(truth.json)
        assert _places(given.json) <= {now - 1, now}  # the write added one place
    finally:
        app.extensions["coworkmed.pool"].close()


def test_an_answer_made_of_answers_before_read_outside_it_is_not_kept(
    store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stranger 67 (F2): the figures of a view were kept, tagged with the new generation and
    304'd, with the coverage counts of a generation 16 writes older. ``figures`` read the
    view's coverage and headline before its kept answer's maker, which used them: given
    answers before there, it made and kept an answer of them as the new generation's. A maker
    now reads what it uses itself: once no answer before is given, the view is of its
    generation, whole."""
    from endpoint import observatory
    from endpoint.published import WARM_UP

    view = "/api/observatory/figures?country=FRA&lang=hr"

    # the figures' labels read of the store in the maker would be answers before too (then
    # nothing is kept): as when another view had them kept for the new generation already
    monkeypatch.setattr(observatory, "named", lambda found, lang: {})
    store, app = _writable(store_path, tmp_path)
    token = WARM_TOKEN
    try:
        client = app.test_client()
        first = view.replace("lang=hr", "lang=en")
        assert client.get(first).status_code == 200  # its parts kept: answers before later
        _write(client, token, LAB_X)
        copy = tmp_path / "copy"  # its answers kept apart: another store
        shutil.copytree(store, copy)
        fresh = create_app(oxigraph_published(copy).config(query_workers=1))
        try:
            truth = fresh.test_client().get(view)
        finally:
            fresh.extensions["coworkmed.pool"].close()
        warm = app.extensions[WARM_UP] = _Running()
        # while the warm-up runs: made of answers before (given, not kept), or, its generation
        # held, of that generation whole (stranger 71: a maker is given no parts before)
        given = client.get(view)
        assert given.status_code == 200
        warm.is_running = False
        again = client.get(view)
        for answer in (given, again):
            if "etag" in answer.headers:  # kept and tagged: then of its generation, whole
                assert answer.data == truth.data
            else:
                assert "no-store" in answer.headers["Cache-Control"]
    finally:
        app.extensions["coworkmed.pool"].close()


@pytest.mark.parametrize(
    ("since", "status"),
    [("its last date before the write", 412), ("a day later", 200)],
    ids=["changed-since-412", "unchanged-since-200"],
)
def test_if_unmodified_since_weighs_the_current_state_when_the_answer_is_one_before(
    store_path: Path, tmp_path: Path, since: str, status: int
) -> None:
    """Stranger 70 (F4): while answers before were given (``no-store``, no validators), a GET
    with ``If-Unmodified-Since`` of a date before a change got 200 with a later state (357
    times against 44 412s), where docs/serving.md says 412 once the answer changed after the
    date. Such an answer is named by no date: the condition is weighed against the store's
    current state."""
    from datetime import timedelta
    from email.utils import format_datetime, parsedate_to_datetime

    from endpoint.published import WARM_UP

    store, app = _writable(store_path, tmp_path)
    token = WARM_TOKEN
    view = "/api/observatory/figures?country=FRA&lang=hr"
    try:
        client = app.test_client()
        first = client.get(view)
        assert first.status_code == 200 and "Last-Modified" in first.headers
        time.sleep(1.1)  # the write's generation first seen a second later
        _write(client, token, LAB_X)
        app.extensions[WARM_UP] = _Running()  # answers before
        date = parsedate_to_datetime(first.headers["Last-Modified"])
        if since == "a day later":
            date += timedelta(days=1)
        answer = client.get(
            view, headers={"If-Unmodified-Since": format_datetime(date, usegmt=True)}
        )
        assert answer.status_code == status
        assert answer.headers["Cache-Control"] == "no-store"
    finally:
        app.extensions["coworkmed.pool"].close()


def test_the_home_page_given_its_counts_before_is_no_store(
    store_path: Path, tmp_path: Path
) -> None:
    """Stranger 71: while the warm-up ran, the home page showed counts of a state replaced
    130 s before with no Cache-Control at all, where every other answer before is no-store
    (it has no validators: no cached read)."""
    from endpoint.published import WARM_UP

    _store, app = _writable(store_path, tmp_path)
    token = WARM_TOKEN
    try:
        client = app.test_client()
        first = client.get("/?lang=en")
        assert first.status_code == 200 and "no-store" not in first.headers.get("Cache-Control", "")
        _write(client, token, LAB_X)
        warm = app.extensions[WARM_UP] = _Running()
        given = client.get("/?lang=en")  # the counts before, while the warm-up runs
        assert given.status_code == 200
        assert given.data == first.data
        assert given.headers.get("Cache-Control") == "no-store"
        warm.is_running = False
        after = client.get("/?lang=en")  # the new counts, made by its reader
        assert after.data != first.data
        assert "no-store" not in after.headers.get("Cache-Control", "")
    finally:
        app.extensions["coworkmed.pool"].close()


@pytest.mark.parametrize("path", ["/api/observatory/figures?lang=en", "/?lang=en"])
def test_an_answer_before_says_the_generation_it_shows(
    store_path: Path, tmp_path: Path, path: str
) -> None:
    """Stranger 83: after a publish, the dashboard's API gave the figures of the state before
    for about 1.5 s (while the warm-up worked out the new ones), and nothing said so but
    ``no-store``. Every answer read from the store names the generation it was read from."""
    from endpoint.published import WARM_UP

    _store, app = _writable(store_path, tmp_path)
    try:
        client = app.test_client()
        first = client.get(path)
        before = first.headers.get("Store-Generation")
        assert first.status_code == 200 and before is not None and before.isdigit()
        _write(client, WARM_TOKEN, LAB_X)
        now = str(app.extensions["coworkmed.store"].generation())
        assert now != before
        warm = app.extensions[WARM_UP] = _Running()
        given = client.get(path)  # the answer before, while the warm-up runs
        assert given.data == first.data and given.headers.get("Cache-Control") == "no-store"
        assert given.headers.get("Store-Generation") == before
        warm.is_running = False
        after = client.get(path)
        assert after.headers.get("Store-Generation") == now and after.data != first.data
    finally:
        app.extensions["coworkmed.pool"].close()
