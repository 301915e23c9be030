"""The scanner reads a text as the engine does, whatever spelling the grammar allows: texts
composed from pieces that strangers used to part the two readings, each run on pyoxigraph
(which fetches from a loopback listener, or writes a protected graph), and what the engine did
the scanner must have seen. Stranger 101 hid a SERVICE behind ``?a<?b)…#>``; stranger 102
behind ``false<…``, ``"a"@en<…`` and ``EXISTS{}<…``, and declared ``:`` by ``PREFIX:<iri>``,
which the scanner did not read (a LOAD it missed, the catalogue cleared)."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.sparql_reading import Unread, read_update
from core.sparql_text import (
    ambiguous_less_than,
    remote_access,
    resolve_reference,
    stray_quote,
)
from endpoint.execution import read_again
from tests.listener import Listener, listening
from triplestore.protected import ProtectedGraphs, ReadOtherwise, protected_update
from triplestore.protected import read_again as read_again_update

BASE = "https://w3id.org/coworkmed/id/"
CATALOG = f"{BASE}catalog"
#: the one SERVICE peer of the second reading's rules (the listener is not one)
PEER = "http://127.0.0.1:9/sparql"


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    with listening() as found:
        yield found


def _engine_fetches(text: str, listener: Listener, update: bool) -> bool:
    """Whether pyoxigraph, running ``text``, sent a request to ``listener``."""
    before = len(listener.heard)
    store = ox.Store()
    with contextlib.suppress(SyntaxError, OSError, RuntimeError, ValueError):
        if update:
            store.update(text)
        else:
            list(store.query(text))
    return len(listener.heard) > before


#: what may stand before the "<": an operand of each kind the grammar has
LEFT = ["?a", "1", '"a"', '"a"@en', '"a"@en-GB', "true", "false", "!true", "(2)", "EXISTS{}"]
LEFT += ["NOW()", "<urn:x>", "xsd:int", '"1"^^xsd:int', "-1", "[]", "<<(<urn:a> <urn:b> 1)>>"]
LEFT += ["1.e5", "1.E+5", ".5e1", "1.5"]
RIGHT = ["?b", "true", "(2)", "2", '"b"', "<urn:y>"]
#: an expression, around ``{expr}``; what it hides follows its ")"
EXPRESSIONS = ["FILTER({expr})", "BIND(({expr})AS?z)", "FILTER(({expr}))"]
HIDDEN = ["SERVICE#>\n<{url}/s>{{}}", "SERVICE:s#>\n{{}}", "SERVICE SILENT#>\n<{url}/s>{{}}"]


@st.composite
def hiding_queries(draw: st.DrawFn, url: str) -> str:
    expr = draw(st.sampled_from(LEFT)) + draw(st.sampled_from(["<", "<="]))
    expr += draw(st.sampled_from(RIGHT))
    hidden = draw(st.sampled_from(HIDDEN)).format(url=url)
    around = draw(st.sampled_from(EXPRESSIONS))
    inside = around.replace("{expr}", expr)[:-1]  # its ")" comes with what it hides
    return (
        f"PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> PREFIX : <{url}/>\n"
        f"SELECT * WHERE {{ {inside}){hidden} }}"
    )


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_service_the_engine_calls_is_never_hidden_by_a_less_than(
    listener: Listener, data: st.DataObject
) -> None:
    text = data.draw(hiding_queries(listener.url))
    if _engine_fetches(text, listener, update=False):
        assert ambiguous_less_than(text) is not None or remote_access(text) == "SERVICE", text


#: what opens a span the scanner and the engine may read apart: the scanner a string or an IRI,
#: the engine code (strangers 111, 112), each where an operand, a term or data stands
OPENERS = [
    "1<2#>'''",
    '1<2#>"""',
    "?s != <<(#>'''",
    '?s != <<(#>"""',
    "<<#>'''",
    '<<(#>"""',
    "''' '",
    '""" "',
    "'''\\q ' '",
    '"""\\u12 " "',
    "'a\\q'",
    "<a#>'''",
    "<(#>'''",
]
#: where the opener stands: an expression, VALUES, a BIND, and a block after a language tag
#: spelled as a keyword, which the scanner took for data, where it checked nothing (113)
PLACES = [
    "FILTER({open}\n)",
    "FILTER({open}\n",
    "VALUES ?x {{ {open}\n}}",
    "VALUES ?x {{ {open}\n",
    "BIND(({open}\n) AS ?z)",
    "VALUES ?x {{ {open} }}\n",
    'BIND("a"@values AS ?l) {{ FILTER({open}\n) }}',
    '?s ?p "a"@DATA {{ FILTER({open}\n) }}',
]
#: what closes the span for the scanner, on the line after the hidden call
CLOSERS = ["#'''", '#"""', "#\\q'''", '#\\q"""', "'''", '"""', "#"]
#: what ends the text after it
TAILS = ["", " } }", ") }", "}"]


@pytest.fixture(scope="module")
def fetched(listener: Listener) -> list[str]:
    """Every combination (2,912) that makes the engine call the listener."""
    hidden = f"SERVICE <{listener.url}/s> {{ }}"
    found = []
    for opener, place, closer, tail in itertools.product(OPENERS, PLACES, CLOSERS, TAILS):
        text = f"SELECT * WHERE {{ {place.format(open=opener)} {hidden}\n{closer}{tail}\n}}"
        if _engine_fetches(text, listener, update=False):
            found.append(text)
    assert found  # the combinations still reach the engine's SERVICE
    return found


def test_a_service_the_engine_calls_is_seen_whatever_span_hides_it(fetched: list[str]) -> None:
    """Whatever the scanner reads as inert (a string, an IRI) where the engine reads code, the
    SERVICE the engine calls is seen by a check, or the text is refused as read two ways. Every
    combination is tried (2,912; the code before strangers 112 and 113 missed some of those
    that make the engine call the listener)."""
    for text in fetched:
        seen = remote_access(text) == "SERVICE"
        assert seen or ambiguous_less_than(text) or stray_quote(text), text


def test_the_second_reading_alone_refuses_every_service_the_engine_calls(
    fetched: list[str],
) -> None:
    """The second reading (rdflib's parser, ``endpoint.execution.read_again``) refuses each of
    the same texts by itself, the scanner's rules not asked: it sees the call to a host that is
    no peer, or cannot read the text. The scanner before stranger 112 missed 80 of them."""
    for text in fetched:
        assert read_again(text, None, (PEER,)) is not None, text


#: prologues, each spelling of a declaration of the empty prefix (``{u}``: where it points)
PROLOGUES = [
    "PREFIX : <{u}> ",
    "PREFIX:<{u}> ",
    "prefix:<{u}>",
    "PREFIX:\n<{u}> ",
    'VERSION "1.2" PREFIX:<{u}> ',
    "BASE <urn:b/> PREFIX:<{u}> ",
    "PREFIX load: <urn:x:> PREFIX:<{u}> ",
    "PREFIX : <urn:other/> PREFIX:<{u}> ",
    "PREFIX p: <urn:p/> PREFIXq:<urn:q/> PREFIX:<{u}> ",
]
PROLOGUES_THEN_VERSION = [f'{prologue}VERSION "1.2" ' for prologue in PROLOGUES[:3]]
LOADS = ["LOAD:", "load:x", "LOADSILENT:", "LOAD SILENT :x", "LOAD:x INTO GRAPH <urn:g>"]


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    prologue=st.sampled_from(PROLOGUES + PROLOGUES_THEN_VERSION),
    before=st.sampled_from(["", "INSERT DATA { <urn:a> <urn:b> 1 } ;\n"]),
    load=st.sampled_from(LOADS),
)
def test_a_load_the_engine_runs_is_seen(
    listener: Listener, prologue: str, before: str, load: str
) -> None:
    text = before + prologue.format(u=f"{listener.url}/") + load
    if _engine_fetches(text, listener, update=True):
        assert remote_access(text) == "LOAD", text
        with contextlib.suppress(Unread):  # unread: refused (``protected.read_again``)
            assert any(reading.loads for reading in read_update(text)), text


WRITES = [
    "CLEAR GRAPH :catalog",
    "DROP GRAPH :catalog",
    "INSERT DATA { GRAPH :catalog { <urn:e> <urn:p> 1 } }",
    "WITH :catalog INSERT { <urn:e> <urn:p> 2 } WHERE {}",
    "ADD DEFAULT TO :catalog",
    "COPY DEFAULT TO :catalog",
    # a language tag spelled as a keyword: the scanner read it as the word (stranger 113)
    'INSERT DATA { <urn:s> <urn:p> "a"@prefix GRAPH:catalog { <urn:e> <urn:p> 1 } }',
    'INSERT DATA { <urn:s> <urn:p> ("a"@prefix : <http://evil.example/>) . '
    "GRAPH :catalog { <urn:e> <urn:p> 1 } }",
    'INSERT DATA { <urn:s> <urn:p> "a"@base GRAPH :catalog { <urn:e> <urn:p> 1 } }',
]


@settings(max_examples=150, deadline=None)
@given(
    prologue=st.sampled_from(PROLOGUES),
    before=st.sampled_from(["", "INSERT DATA { <urn:a> <urn:b> 1 } ;\n"]),
    write=st.sampled_from(WRITES),
)
def test_an_update_the_engine_lets_write_a_protected_graph_is_refused(
    prologue: str, before: str, write: str
) -> None:
    text = before + prologue.format(u=BASE) + write
    store = ox.Store()
    catalog = ox.NamedNode(CATALOG)
    store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal("x"), catalog))
    before_update = set(store.quads_for_pattern(None, None, None, catalog))
    with contextlib.suppress(SyntaxError, OSError, RuntimeError, ValueError):
        store.update(text)
    if set(store.quads_for_pattern(None, None, None, catalog)) != before_update:
        assert protected_update(text, BASE, None) is not None, text
        with pytest.raises((ProtectedGraphs, ReadOtherwise)):  # the second reading, alone
            read_again_update(text, BASE, None)


#: bases with an authority, without one, with a query, a fragment, dot segments
BASES = [
    "https://w3id.org/coworkmed/id/",
    "https://w3id.org/coworkmed/id/x/y",
    "https://w3id.org",
    "https://w3id.org/coworkmed/id/a?q#f",
    "https://w3id.org/coworkmed/id/x/..",
    "urn:x:y",
    "urn:a/b/c",
    "mailto:x@y",
    "https:",
    "https:/x/y",
    "file:///a/b",
    # dot segments in the base: the engine keeps them (stranger 104)
    "http://h.example/a/./b/",
    "http://h/a/../b/",
    "https://w3id.org/coworkmed/def/../s/",
    "urn:a/./b/",
]
PIECES = [".", "..", "/", "//", "a", "catalog", "?", "#", ":", "%2e", "@", ";", "w3id.org", "id"]


@settings(max_examples=3000, deadline=None)
@given(base=st.sampled_from(BASES), pieces=st.lists(st.sampled_from(PIECES), max_size=7))
@example(base="https://x.example/", pieces=["//", "w3id.org", "/", "coworkmed", "/", "..", "/"])
@example(base="urn:a", pieces=["/", ".."])
@example(base="urn:a/b/c", pieces=["..", "/", "..", "//", "a"])
@example(base="https:/x/y", pieces=[".."])
@example(base="http://h.example/a/./b/", pieces=["..", "/", "a"])
def test_a_relative_iri_resolves_as_the_engine_resolves_it(base: str, pieces: list[str]) -> None:
    """Stranger 102: a reference with an authority keeps its dot segments for the engine (the
    scanner removed them, and a graph was written inside the vocabulary's namespace), and an
    IRI without one loses its "/" at a ".." with nothing before it."""
    reference = "".join(pieces)
    try:
        engine = next(iter(ox.Store().query(f"BASE <{base}> SELECT (<{reference}> AS ?x) {{}}")))
    except SyntaxError:
        return  # no IRI the engine takes
    assert resolve_reference(base, reference) == engine[0].value, (base, reference)
