"""pyshacl over one part of a submission, with the compiled shapes, keeping only the results.

pyshacl validates on an rdflib graph, as the project requires. This adapter gives it the
compiled shapes (``validation.shapes``), loaded once per process, and skips two things of its
own that cost more than the validation on a submission with thousands of warnings: the report
graph (a ``Validator`` subclass keeps the results as they come) and the sentence it writes for
each result (patched out of ``ConstraintComponent`` while it runs, under a lock). The graph is
parsed by pyoxigraph (twice as fast as rdflib's parser). A test compares every result with
plain pyshacl's on the same data (``tests/validation/test_engine.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from rdflib import Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from core.rdflib_terms import ntriples_graph
from core.workers import preload
from validation.engine import leftover_shapes
from validation.shapes import SEVERITIES, Result

preload("pyshacl", "validation.pyshacl_run")

_SHAPES: Graph | None = None


def shapes_for_worker() -> Graph:
    """The compiled shapes, loaded once per process the way pyshacl's entry point loads them."""
    global _SHAPES
    if _SHAPES is None:
        from pyshacl.monkey import rdflib_bool_patch, rdflib_bool_unpatch
        from pyshacl.rdfutil import load_from_source

        rdflib_bool_patch()
        try:
            graph = ntriples_graph(leftover_shapes().encode("utf-8"))
            _SHAPES = load_from_source(graph, multigraph=True, do_owl_imports=False)
        finally:
            rdflib_bool_unpatch()
    return _SHAPES


def _plain_term(value: object) -> Node:
    """pyshacl's result triples point at (graph, node) pairs; the node."""
    node = value[1] if isinstance(value, tuple) else value
    assert isinstance(node, Node), "pyshacl's result triples hold rdflib terms"
    return node


def _collecting_validator() -> type:
    import pyshacl

    class Collecting(pyshacl.Validator):
        """pyshacl, keeping its results as they come instead of building a report graph (which
        costs more than the validation when a submission has thousands of warnings)."""

        @classmethod
        def create_validation_report(cls, sg: object, conforms: bool, results: list) -> tuple:
            return results, ""

    return Collecting


_QUIET = threading.Lock()


@contextmanager
def _without_descriptions() -> Iterator[None]:
    """pyshacl writes a sentence for each result for its text report, which costs a third of
    the time on a submission with thousands of warnings; the engine does not use it."""
    from pyshacl.constraints.constraint_component import ConstraintComponent

    with _QUIET:
        original = ConstraintComponent.make_v_result_description
        # the patch is the point: pyshacl has no option to skip the descriptions
        ConstraintComponent.make_v_result_description = lambda *_args, **_kwargs: ""  # type: ignore[method-assign]
        try:
            yield
        finally:
            ConstraintComponent.make_v_result_description = original  # type: ignore[method-assign]


def rdflib_graph(ntriples: bytes) -> Graph:
    """An rdflib graph of N-Triples, parsed by pyoxigraph (twice as fast as rdflib's parser)."""
    return ntriples_graph(ntriples)


def validate_part(ntriples: bytes) -> list[Result]:
    """pyshacl over one part of a submission (N-Triples), with the shapes that
    ``validation.engine`` leaves to it."""
    from pyshacl.graph_abstraction import DataGraph
    from pyshacl.rdfutil import load_from_source

    data = rdflib_graph(ntriples)
    graph = DataGraph.from_rdflib(load_from_source(data, multigraph=True, do_owl_imports=False))
    options = {"inference": "none", "advanced": False, "inplace": True}
    validator = _collecting_validator()(graph, shacl_graph=shapes_for_worker(), options=options)
    with _without_descriptions():
        _conforms, raw, _text = validator.run()
    results = []
    for _description, _node, triples in raw:
        fields: dict[Node, Node] = {}
        for _subject, predicate, value in triples:
            fields.setdefault(predicate, _plain_term(value))
        path, value = fields.get(SH.resultPath), fields.get(SH.value)
        component = str(fields.get(SH.sourceConstraintComponent, "")).rsplit("#", 1)[-1]
        shown = None if value is None else value.n3()
        detail = f"sh:{component}" + (f" on <{path}>" if path is not None else "")
        results.append(
            Result(
                str(fields[SH.focusNode]),
                str(path) if isinstance(path, URIRef) else None,
                shown,
                str(fields[SH.sourceShape]),
                SEVERITIES.get(str(fields.get(SH.resultSeverity)), "error"),
                detail + (f", value {shown}" if shown else ""),
            )
        )
    return results
