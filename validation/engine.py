"""SHACL Core over Oxigraph, in bulk: the project's property shapes checked in the calling process.

pyshacl walks the data graph in rdflib node by node (for each shape, each focus node, each value);
on a submission that is 90% of a validation's time. Most of the project's property shapes use a
handful of value-level constraints (counts, datatype, node kind, class, ``sh:in``, pattern, length,
ranges, ``sh:or`` of those), so this module checks them itself: the focus nodes of a target class in
one query, the values of a path in one scan, and each distinct value tested once, as an rdflib term
by the rules pyshacl applies (actual datatypes, string forms, literal order), written here so that a
result is the one pyshacl gives without importing pyshacl at all when no shape is left to it (a
second of a cold command's start). A shape with anything else (another component, a path that is not
a property, a target other than a class) is left to pyshacl (``leftover_shapes``), which then runs
only when one of those shapes has a focus node in the submission.
``tests/validation/test_engine.py`` compares every result with plain pyshacl's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node, _toPythonMapping

from core.diskcache import fingerprint, remembered
from core.rdflib_terms import Converter, term_converter
from validation.shapes import SEVERITIES, Result, compiled_graph, readings_key

#: what a shape may say besides its constraints
DESCRIPTIVE = {
    SH.path, SH.name, SH.message, SH.severity, SH.description, SH.order, SH.group,
    SH.targetClass, RDF.type, RDFS.seeAlso, RDFS.comment, RDFS.label,
}  # fmt: skip
COUNTS = {SH.minCount: "MinCount", SH.maxCount: "MaxCount"}

#: a test of one value node: whether it conforms
Test = Callable[[Node, "Context"], bool]


class Context:
    """What value tests read from the submission: instances of a class (with subclasses)."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self._instances: dict[str, set[str]] = {}

    def instances(self, klass: str) -> set[str]:
        found = self._instances.get(klass)
        if found is None:
            query = f"SELECT DISTINCT ?x WHERE {{ ?x a/<{RDFS.subClassOf}>* <{klass}> }}"
            solutions = self.store.query(query)
            assert isinstance(solutions, ox.QuerySolutions)
            found = {_key(row["x"]) for row in solutions}
            self._instances[klass] = found
        return found


def _key(node: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    # a tuple of types: isinstance with a union type (``A | B``) is many times slower
    return node.value if isinstance(node, _VALUE_KEYED) else str(node)


#: the kinds of term whose key is their value (the others': their N-Triples text)
_VALUE_KEYED = (ox.NamedNode, ox.BlankNode)


# -- value tests, each as pyshacl decides it (pyshacl/constraints/core) --------------------------

LANG_STRING = RDF.langString


def _datatype(rule: Node) -> Test:
    def test(value: Node, _context: Context) -> bool:
        if not isinstance(value, Literal):
            return False
        if value.datatype == rule:
            return getattr(value, "ill_typed", None) is not True and _actual(value, rule)
        if rule == RDFS.Literal:
            return True
        if rule == RDFS.Datatype:
            return value.datatype is not None
        if value.datatype is None and value.language is None and rule == XSD.string:
            return _actual(value, rule)
        if rule == LANG_STRING and value.language:
            return _actual(value, rule)
        return False

    return test


#: the Python value a well-typed literal of each datatype has in rdflib; a datatype not here
#: is not checked further (SHACL's "actual datatype", as pyshacl decides it: a datetime is also
#: a date and a bool an int in Python, as there)
PYTHON_VALUES: dict[Node, type | tuple[type, ...]] = {
    XSD.string: (str, bytes),
    RDF.langString: (str, bytes),
    XSD.integer: int,
    XSD.float: float,
    XSD.decimal: Decimal,
    XSD.boolean: bool,
    XSD.date: dt.date,
    XSD.time: dt.time,
    XSD.dateTime: dt.datetime,
}


def _actual(value: Literal, rule: Node) -> bool:
    expected = PYTHON_VALUES.get(rule)
    return expected is None or isinstance(value.value, expected)


NODE_KINDS = {
    BNode: {SH.BlankNode, SH.BlankNodeOrLiteral, SH.BlankNodeOrIRI},
    Literal: {SH.Literal, SH.BlankNodeOrLiteral, SH.IRIOrLiteral},
    URIRef: {SH.IRI, SH.IRIOrLiteral, SH.BlankNodeOrIRI},
}


def _node_kind(rule: Node) -> Test:
    return lambda value, _context: rule in NODE_KINDS[type(value)]


def _class(rule: Node) -> Test:
    def test(value: Node, context: Context) -> bool:
        return not isinstance(value, Literal) and str(value) in context.instances(str(rule))

    return test


def _in(members: list[Node]) -> Test:
    allowed = set(members)
    return lambda value, _context: value in allowed


def _text(value: Node) -> str:
    """A value node as string constraints read it: a string literal's text, else its lexical
    form or IRI."""
    if isinstance(value, Literal) and value.value is not None:
        if value.datatype in (None, RDF.langString, XSD.string):
            return str(value.value)
    return str(value)


def _pattern_text(rule: Literal, flags: Literal | None) -> Callable[[str], bool]:
    """``sh:pattern`` on a value's text."""
    options = 0
    if flags is not None:
        written = str(flags.value).lower()
        options = (re.I if "i" in written else 0) | (re.M if "m" in written else 0)
    source = str(rule.value) if rule.value is not None and len(rule.value) > 1 else str(rule)
    matcher = re.compile(source, options)
    return lambda text: bool(matcher.search(text))


def _min_length_text(rule: Literal) -> Callable[[str], bool]:
    """``sh:minLength`` on a value's text."""
    least = int(rule.value)
    return lambda text: least == 0 or len(text) >= least


def _on_text(on_text: Callable[[str], bool], blank: bool) -> Test:
    """A string constraint on a value node: ``on_text`` of its text; ``blank``: what a blank
    node gets (no text: it fails a pattern, and a length of at least 0 only)."""
    return lambda value, _context: blank if isinstance(value, BNode) else on_text(_text(value))


#: Python values rdflib orders by their own ``<`` when comparing bounds (rdflib's literal
#: order would force an order on datetimes and times of different time zones)
BY_VALUE = (dt.datetime, dt.time)


def compare(value: Literal, bound: Literal) -> int:
    """-1, 0 or 1 as ``value`` is below, equal to or above ``bound``; TypeError when they
    cannot be compared (a number with a date)."""
    if value.eq(bound):
        return 0
    if isinstance(value.value, BY_VALUE):
        return 0 if value.value == bound.value else 1 if value.value > bound.value else -1
    return 1 if value > bound else -1


def _range(rule: Literal, accept: Callable[[int], bool]) -> Test:
    bound_is_text = isinstance(rule.value, str)

    def test(value: Node, _context: Context) -> bool:
        if not isinstance(value, Literal) or isinstance(value.value, str) != bound_is_text:
            return False
        try:
            return accept(compare(value, rule))
        except (TypeError, NotImplementedError):
            return False

    return test


RANGES: dict[Node, tuple[str, Callable[[int], bool]]] = {
    SH.minInclusive: ("MinInclusive", lambda c: c >= 0),
    SH.minExclusive: ("MinExclusive", lambda c: c > 0),
    SH.maxInclusive: ("MaxInclusive", lambda c: c <= 0),
    SH.maxExclusive: ("MaxExclusive", lambda c: c < 0),
}


class Unsupported(Exception):
    """A shape this engine leaves to pyshacl."""


#: a pyoxigraph value node
OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
#: a value test's verdict straight from a pyoxigraph term where the term's kind settles it (an
#: IRI, a plain string), None where the rdflib term must be made (a number's actual datatype)
Quick = Callable[[OxTerm, "Context"], bool | None]
#: a value test: the component's name, the test, and its quick verdict
ValueTest = tuple[str, Test, Quick]


def _unknown(_value: OxTerm, _context: Context) -> bool | None:
    return None


#: one constraint of a shape as read from the shapes graph (plain data, kept on disk between
#: runs with the plan): its predicate, its rule (an sh:in's members; an sh:or's alternatives,
#: each a tuple of constraints) and, for sh:pattern, the shape's sh:flags
Constraint = tuple[URIRef, Any, Literal | None]

#: the predicates whose rule must be a literal for this engine (else: left to pyshacl)
LITERAL_RULES = {SH.pattern, SH.minLength, *RANGES}


def _constraints(graph: Graph, shape: Node, skip: set[Node]) -> tuple[Constraint, ...]:
    """The value-level constraints of ``shape`` as data; ``Unsupported`` for any constraint
    this engine does not check."""
    found: list[Constraint] = []
    for predicate, rule in graph.predicate_objects(shape):
        if predicate in skip or predicate == SH.flags:
            continue
        if not isinstance(predicate, URIRef) or predicate not in BUILDERS:
            raise Unsupported(f"{shape}: {predicate}")
        if predicate in LITERAL_RULES and not isinstance(rule, Literal):
            raise Unsupported(f"{shape}: {predicate} {rule}")
        flags = graph.value(shape, SH.flags) if predicate == SH.pattern else None
        read: Any = rule
        if predicate == SH["in"]:
            read = tuple(Collection(graph, rule))
        elif predicate == SH["or"]:
            read = tuple(_alternative(graph, member) for member in Collection(graph, rule))
        found.append((predicate, read, flags if isinstance(flags, Literal) else None))
    return tuple(found)


def _alternative(graph: Graph, member: Node) -> tuple[Constraint, ...]:
    """The constraints of one member of an sh:or (value-level only)."""
    kinds = set(graph.predicates(member))
    if kinds & (set(COUNTS) | {SH.path, SH.targetClass, SH.property}):
        raise Unsupported(f"sh:or member {member}")
    return _constraints(graph, member, {RDF.type})


def _value_tests(constraints: Iterable[Constraint]) -> tuple[ValueTest, ...]:
    """The constraints as (component, test, quick verdict)."""
    return tuple(BUILDERS[predicate](rule, flags) for predicate, rule, flags in constraints)


def _pattern(rule: Literal, flags: Literal | None) -> ValueTest:
    matches = _pattern_text(rule, flags)
    test = _on_text(matches, False)
    return "Pattern", test, _quick_text(matches, test)


def _min_length(rule: Literal, _flags: Literal | None) -> ValueTest:
    long_enough = _min_length_text(rule)
    test = _on_text(long_enough, int(rule.value) == 0)
    return "MinLength", test, _quick_text(long_enough, test)


def _ranged(predicate: Node) -> Callable[[Literal, Literal | None], ValueTest]:
    name, accept = RANGES[predicate]
    return lambda rule, _flags: (name, _range(rule, accept), _quick_range(rule, accept))


def _or(alternatives: tuple[tuple[Constraint, ...], ...], _flags: Literal | None) -> ValueTest:
    tested = [_value_tests(constraints) for constraints in alternatives]

    def test(value: Node, context: Context) -> bool:
        return any(all(t(value, context) for _n, t, _q in tests) for tests in tested)

    def quick(value: OxTerm, context: Context) -> bool | None:
        verdicts = [[q(value, context) for _n, _t, q in tests] for tests in tested]
        if any(None in verdict for verdict in verdicts):
            return None
        return any(all(verdict) for verdict in verdicts)

    return "Or", test, quick


#: how each constraint this engine checks is made into a value test, by its predicate
BUILDERS: dict[Node, Callable[[Any, Literal | None], ValueTest]] = {
    SH.datatype: lambda rule, _f: ("Datatype", _datatype(rule), _quick_datatype(rule)),
    SH.nodeKind: lambda rule, _f: ("NodeKind", _node_kind(rule), _quick_node_kind(rule)),
    SH["class"]: lambda rule, _f: ("Class", _class(rule), _quick_class(rule)),
    SH["in"]: lambda rule, _f: ("In", _in(list(rule)), _quick_in(list(rule))),
    SH.pattern: _pattern,
    SH.minLength: _min_length,
    **{predicate: _ranged(predicate) for predicate in RANGES},
    SH["or"]: _or,
}


# -- quick verdicts on pyoxigraph terms: the same as the tests above give on rdflib terms -------

XSD_STRING, LANG_STRING_IRI = str(XSD.string), str(RDF.langString)
#: datatype rules a literal of another datatype may still satisfy (rdflib's plain literals)
LENIENT_DATATYPES = {RDFS.Literal, RDFS.Datatype, XSD.string, RDF.langString}
OX_NODE_KINDS = {
    ox.BlankNode: NODE_KINDS[BNode],
    ox.Literal: NODE_KINDS[Literal],
    ox.NamedNode: NODE_KINDS[URIRef],
}


def _is_text(value: ox.Literal) -> bool:
    """A plain or language-tagged string (its rdflib value is its text)."""
    return value.datatype.value in (XSD_STRING, LANG_STRING_IRI)


def _quick_datatype(rule: Node) -> Quick:
    # what the verdict depends on, decided once per shape rather than once per value
    wanted = str(rule)
    numeric = PLAIN_NUMBERS.get(wanted)
    string, lang_string = rule == XSD.string, rule == RDF.langString
    lenient = rule in LENIENT_DATATYPES

    day = wanted == XSD_DATE
    # a datatype rdflib reads no value of: any literal of it is well typed (``_actual``)
    unread = rule not in PYTHON_VALUES

    def quick(value: OxTerm, _context: Context) -> bool | None:
        if type(value) is not ox.Literal:
            return False
        datatype = value.datatype.value
        if datatype == wanted:
            if string or (numeric is not None and numeric.fullmatch(value.value)):
                return True
            if day and _plain_date(value.value):
                return True
            if unread and _unread(datatype):
                return True
        elif not lenient:
            return False
        if lang_string and value.language:
            return True
        return None

    return quick


XSD_DATE = str(XSD.date)
#: a day written plainly, which rdflib reads as a ``datetime.date`` when it is a real day
PLAIN_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _plain_date(lexical: str) -> bool:
    """Whether an xsd:date's lexical form is a real day written plainly (rdflib's value of it
    is that date: well typed, its actual datatype); anything else goes to rdflib."""
    if not PLAIN_DATE.fullmatch(lexical):
        return False
    try:
        dt.date.fromisoformat(lexical)
    except ValueError:
        return False
    return True


def _unread(datatype: str) -> bool:
    """Whether rdflib reads no Python value from literals of ``datatype`` (no converter, as
    for geo:wktLiteral): their rdflib term is their lexical form as is, never ill typed."""
    return URIRef(datatype) not in _toPythonMapping and datatype not in TEXT_NORMALISED


#: datatypes whose lexical forms rdflib rewrites (whitespace) even without a converter
TEXT_NORMALISED = {str(XSD.normalizedString), str(XSD.token)}


def _quick_node_kind(rule: Node) -> Quick:
    return lambda value, _context: rule in OX_NODE_KINDS[type(value)]


def _quick_class(rule: Node) -> Quick:
    klass = str(rule)

    def quick(value: OxTerm, context: Context) -> bool | None:
        if isinstance(value, ox.Literal | ox.Triple):
            return False
        return value.value in context.instances(klass)

    return quick


def _quick_in(members: list[Node]) -> Quick:
    iris = {str(member) for member in members if isinstance(member, URIRef)}
    return lambda value, _context: value.value in iris if isinstance(value, ox.NamedNode) else None


def _quick_text(on_text: Callable[[str], bool], test: Test) -> Quick:
    """A string constraint on an IRI or a string (their text is their own value: an rdflib
    term's text is the same), or on a blank node (``test`` on its rdflib term)."""

    def quick(value: OxTerm, context: Context) -> bool | None:
        if isinstance(value, ox.NamedNode) or (isinstance(value, ox.Literal) and _is_text(value)):
            return on_text(value.value)
        if isinstance(value, ox.BlankNode):
            return test(BNode(value.value), context)
        if isinstance(value, ox.Literal) and _unread(value.datatype.value):
            return on_text(value.value)  # its rdflib term's text: the lexical form as is
        return None

    return quick


XSD_INTEGER, XSD_DECIMAL = str(XSD.integer), str(XSD.decimal)
#: lexical forms of xsd:integer and xsd:decimal that rdflib reads as an int or a Decimal
#: without fail (well typed, their actual datatype); anything else goes to rdflib
PLAIN_NUMBERS = {
    XSD_INTEGER: re.compile(r"-?[0-9]+"),
    XSD_DECIMAL: re.compile(r"-?[0-9]+(?:\.[0-9]+)?"),
}


def _plain_number(value: ox.Literal) -> Decimal | None:
    """The number an integer or decimal literal in a plain lexical form holds, else None."""
    form = PLAIN_NUMBERS.get(value.datatype.value)
    return Decimal(value.value) if form is not None and form.fullmatch(value.value) else None


def _quick_range(rule: Literal, accept: Callable[[int], bool]) -> Quick:
    """A range on a number both written plainly (the bound and the value): compared as numbers,
    as rdflib compares them; anything else goes to rdflib."""
    bound = (
        None
        if rule.datatype is None
        else _plain_number(ox.Literal(str(rule), datatype=ox.NamedNode(str(rule.datatype))))
    )

    def quick(value: OxTerm, _context: Context) -> bool | None:
        if not isinstance(value, ox.Literal):
            return False
        number = _plain_number(value) if bound is not None else None
        if number is None or bound is None:
            return None
        return accept(0 if number == bound else 1 if number > bound else -1)

    return quick


@dataclass(frozen=True)
class Rules:
    """One property shape as read from the shapes graph: plain data, kept on disk between
    runs (``_read_plan``)."""

    shape: str
    path: URIRef
    severity: str
    classes: tuple[str, ...]
    counts: tuple[tuple[str, int], ...]  # (component, bound): MinCount, MaxCount
    constraints: tuple[Constraint, ...]


@dataclass(frozen=True)
class Check(Rules):
    """One property shape, as this engine runs it: its rules, and their value tests."""

    tests: tuple[ValueTest, ...] = ()


def _rules(graph: Graph, shape: Node) -> Rules:
    path = graph.value(shape, SH.path)
    if not isinstance(path, URIRef):
        raise Unsupported(f"{shape}: path {path}")
    predicates = set(graph.predicates(shape))
    if predicates & {SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.deactivated}:
        raise Unsupported(f"{shape}: target or deactivation")
    if (shape, RDF.type, RDFS.Class) in graph:
        raise Unsupported(f"{shape}: implicit class target")
    counts = tuple(
        (name, int(value.value))
        for predicate, name in COUNTS.items()
        for value in graph.objects(shape, predicate)
        if isinstance(value, Literal)
    )
    constraints = _constraints(graph, shape, DESCRIPTIVE | set(COUNTS))
    severity = SEVERITIES.get(str(graph.value(shape, SH.severity)), "error")
    classes = tuple(str(c) for c in graph.objects(shape, SH.targetClass))
    return Rules(str(shape), path, severity, classes, counts, constraints)


#: in ``plan``'s target classes: a shape left to pyshacl has a target other than a class
ANY_TARGET = "*"


@cache
def plan() -> tuple[tuple[Check, ...], str, tuple[str, ...]]:
    """The checks this engine runs; the shapes left to pyshacl (N-Triples: the compiled shapes
    with the targets of the checked ones removed); the target classes of those left."""
    checks, done, classes = _plan()
    graph = Graph()
    for triple in compiled_graph():
        if not (triple[1] == SH.targetClass and triple[0] in done):
            graph.add(triple)
    return checks, graph.serialize(format="nt"), classes


@cache
def _plan() -> tuple[tuple[Check, ...], frozenset[Node], tuple[str, ...]]:
    """``plan`` but for the shapes left to pyshacl, which only pyshacl reads: the checks, the
    shapes whose targets the checks cover, and the target classes of the shapes left. What it
    reads from the shapes is kept on disk between runs (``_read_plan``): reading it from the
    compiled shapes was a third of a cold ``coworkmed validate`` of 15 rows."""
    rules, done, classes = remembered(
        "engine-plan", fingerprint(readings_key(), Path(__file__)), _read_plan
    )
    checks = tuple(Check(**vars(r), tests=_value_tests(r.constraints)) for r in rules)
    return checks, done, classes


def _read_plan() -> tuple[tuple[Rules, ...], frozenset[Node], tuple[str, ...]]:
    graph = compiled_graph()
    rules: list[Rules] = []
    left: set[str] = set()
    done: set[Node] = set()
    for shape in set(graph.subjects(SH.targetClass, None)):
        try:
            if isinstance(shape, BNode):  # its name is not kept: ``plan`` could not find it
                raise Unsupported(f"{shape}: a blank node")
            if (shape, SH.path, None) in graph:
                rules.append(_rules(graph, shape))
            elif set(graph.predicates(shape)) - DESCRIPTIVE:
                raise Unsupported(f"{shape}: a node shape with constraints")
            done.add(shape)
        except Unsupported:
            left.update(str(c) for c in graph.objects(shape, SH.targetClass))
    if any(
        (None, t, None) in graph for t in (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    ):
        left.add(ANY_TARGET)
    return tuple(sorted(rules, key=lambda r: r.shape)), frozenset(done), tuple(sorted(left))


def leftover_shapes() -> str:
    """The compiled shapes pyshacl still checks (``plan``)."""
    return plan()[1]


def needs_pyshacl(store: ox.Store) -> bool:
    """Whether a shape left to pyshacl may have a focus node in ``store``: an instance of one
    of its target classes, or any other kind of target at all."""
    _checks, _done, classes = _plan()
    context = Context(store)
    return any(c == ANY_TARGET or context.instances(c) for c in classes)


def may_need_pyshacl(ntriples: bytes) -> bool:
    """``needs_pyshacl`` for a part of a submission still being read, from its N-Triples
    without loading them into a store: whether a node is typed with a target class of a shape
    left to pyshacl (or the part says which classes are subclasses: then it loads them)."""
    _checks, _done, classes = _plan()
    if ANY_TARGET in classes:
        return True
    if str(RDFS.subClassOf).encode() in ntriples:
        store = ox.Store()
        store.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES)
        return needs_pyshacl(store)
    return any(_typed(klass).search(ntriples) for klass in classes)


@cache
def _typed(klass: str) -> re.Pattern[bytes]:
    rdf_type, target = re.escape(str(RDF.type).encode()), re.escape(klass.encode())
    return re.compile(rb"<" + rdf_type + rb">\s+<" + target + rb">")


#: the values of a submission's nodes on one path (pyoxigraph terms, each once, in order)
Values = dict[str, list[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]]


def run(store: ox.Store) -> list[Result]:
    """Every result of the checks this engine runs, over the submission in ``store``."""
    return [result for group in run_groups(store) for result in group]


def run_groups(store: ox.Store) -> list[list[Result]]:
    """The results of each check this engine runs, in order of focus node."""
    checks, _done, _classes = _plan()
    context = Context(store)
    term = term_converter()
    values: dict[URIRef, tuple[Values, list[OxTerm]]] = {}
    groups: list[list[Result]] = []
    #: the focus nodes of each set of target classes, in order
    ordered: dict[tuple[str, ...], list[str]] = {}
    for check in checks:
        if check.path not in values:
            values[check.path] = _path_values(store, check.path)
        found, distinct = values[check.path]
        focus_nodes: set[str] = set()
        for klass in check.classes:
            focus_nodes |= context.instances(klass)
        # each test run once per distinct value of the path (most values recur: kinds,
        # statuses, towns, counts), on the rdflib term pyshacl would see
        failing = [
            (name, _failing(test, quick, distinct, context, term))
            for name, test, quick in check.tests
        ]
        if check.classes not in ordered:
            ordered[check.classes] = sorted(focus_nodes)
        groups.append(_results(check, found, ordered[check.classes], failing, term))
    return groups


def _failing(
    test: Test, quick: Quick, distinct: list[OxTerm], context: Context, term: Converter
) -> set[OxTerm]:
    """The values among ``distinct`` that fail a test: its quick verdict, else the test on
    the rdflib term."""
    bad = set()
    for value in distinct:
        verdict = quick(value, context)
        if verdict is None:
            verdict = test(term(value), context)
        if not verdict:
            bad.add(value)
    return bad


def _path_values(store: ox.Store, path: URIRef) -> tuple[Values, list[OxTerm]]:
    """The values of each node on ``path`` (each once, in order), and every distinct value."""
    by_subject: Values = defaultdict(list)
    for quad in store.quads_for_pattern(None, ox.NamedNode(str(path)), None):
        subject = quad.subject
        # _key, inlined: a subject is an IRI or a blank node (their text), or an RDF-star triple
        key = str(subject) if type(subject) is ox.Triple else subject.value
        by_subject[key].append(quad.object)
    # most nodes have one value on a path: only those with more need their repeats removed
    found = {k: v if len(v) == 1 else list(dict.fromkeys(v)) for k, v in by_subject.items()}
    distinct = list(dict.fromkeys(value for nodes in found.values() for value in nodes))
    return found, distinct


def _results(
    check: Check,
    found: Values,
    focus_nodes: Iterable[str],
    failing: list[tuple[str, set[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]]],
    term: Callable[[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple], Node],
) -> list[Result]:
    results: list[Result] = []
    add = results.append
    path, shape, severity = str(check.path), check.shape, check.severity
    counts = [
        (name == "MinCount", bound, f"sh:{name}ConstraintComponent on <{path}>")
        for name, bound in check.counts
    ]
    failed = [(name, bad) for name, bad in failing if bad]
    if not failed and len(counts) == 1 and counts[0][:2] == (True, 1):
        # a value missing, the most common check, with no value that fails: the nodes
        # without a value, in one pass (the loop below takes every focus node in turn)
        detail = counts[0][2]
        return [
            Result(focus, path, None, shape, severity, detail)
            for focus in focus_nodes
            if focus not in found
        ]
    nothing: list[OxTerm] = []
    for focus in focus_nodes:
        nodes = found.get(focus, nothing)
        for at_least, bound, detail in counts:
            if (len(nodes) < bound) if at_least else (len(nodes) > bound):
                add(Result(focus, path, None, shape, severity, detail))
        for name, bad in failed:
            for value in nodes:
                if value in bad:
                    shown = term(value).n3()
                    detail = f"sh:{name}ConstraintComponent on <{path}>, value {shown}"
                    add(Result(focus, path, shown, shape, severity, detail))
    return results
