"""The published default graph, kept as one hidden named graph of the store (issue #20).

SPARQL says the default graph readers query is the RDF merge of the published graphs (a triple
held by two graphs is one triple). Asked as a list of graphs (or Oxigraph's union default
graph) it is neither fast (a join costs one index lookup per graph: 15-country-per-100k took
18 s instead of 0.1 s on the real build) nor right (a SELECT row per graph holding a triple).
So the merge is kept in the store itself, in the graph ``merge_graph(base)``, M:

- it is updated at each ``triplestore.versions.commit``, incrementally, by SPARQL updates the
  store runs (``keep_merged``), before the snapshot: a snapshot (hard links) copies it for free;
- dataset version graphs never change once written: the state graph S names those M holds; a
  version that became current is added to M, one no longer current has its triples removed
  from M unless another published graph holds them;
- every other published graph (and the store's default graph) may change in place: the graph K
  holds their union as of the last commit, and the difference with it is applied to K and M
  (a cost in the size of these graphs, not of the data);
- without a state, or with one naming a version graph the store no longer holds, M, K and S are
  rebuilt from scratch (the first commit after an upgrade).

The hidden graphs (``HIDDEN``) are not published graphs: readers use M as their default graph
only (``reading_default``); only the server writes them (``triplestore.protected``).
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from core import sparql_text
from triplestore.backends import TripleStore

#: the hidden graphs, by role (``{base}``: the data base): the merge readers query (M), the
#: union of the graphs that change in place (K), what M holds (S), and the triples that left
#: K during a commit (empty between commits)
HIDDEN = {
    "merge": "{base}published",
    "mutable": "{base}published-mutable",
    "state": "{base}published-state",
    "removed": "{base}published-removed",
}
#: the update templates (``merge-*.ru``), beside the catalogue's
TEMPLATES = Path(__file__).parent / "templates"


def merge_graph(base: str) -> str:
    """The graph readers query as their default graph: the merge of what is published."""
    return HIDDEN["merge"].format(base=base)


def hidden_graphs(base: str) -> frozenset[str]:
    """The IRIs of the graphs this module keeps (never published themselves)."""
    return frozenset(name.format(base=base) for name in HIDDEN.values())


def versions_prefix(base: str) -> str:
    return f"{base}dataset/"


def reading_default(
    store: TripleStore, base: str, published: Sequence[ox.NamedNode]
) -> list[ox.NamedNode | ox.DefaultGraph]:
    """The default graph a reader's query runs over: M when the store holds it as of what it
    publishes, else (a store never committed with a data base, an external store, a primary
    database changed since its last commit) the store's default graph and the published graphs
    (slower, and a triple held by several graphs then gives several SELECT rows)."""
    merge = ox.NamedNode(merge_graph(base))
    if store.merge_is_current() and store.contains_named_graph(merge):
        return [merge]
    return [ox.DefaultGraph(), *published]


def default_pattern(store: TripleStore) -> str:
    """The triple pattern of the store's default graph in the service's own updates: the bare
    ``?s ?p ?o`` where the store has one (Oxigraph); on an external store, the graph standing in
    for it (``SparqlLocation.default_graph``: a pattern naming no graph in an update without a
    dataset matches every graph of Virtuoso)."""
    stand_in = store.default_stand_in()
    return "?s ?p ?o" if stand_in is None else f"GRAPH <{stand_in}> {{ ?s ?p ?o }}"


def _values(graphs: Sequence[ox.NamedNode]) -> str:
    return " ".join(str(graph) for graph in graphs)


def _update(name: str, **values: str) -> str:
    """The update template ``merge-<name>.ru`` filled with IRIs and lists of IRIs (written as
    N-Triples terms by the callers)."""
    text = (TEMPLATES / f"merge-{name}.ru").read_text(encoding="utf-8")
    return string.Template(text).substitute(values)


def _held(store: TripleStore, base: str) -> list[ox.NamedNode] | None:
    """The version graphs M holds, as the state says (None: no state)."""
    state, merge = HIDDEN["state"].format(base=base), merge_graph(base)
    rows = store.query(
        f"SELECT ?kept ?v WHERE {{ GRAPH <{state}> {{ <{merge}> <{state}#kept> ?kept "
        f"OPTIONAL {{ <{merge}> <{state}#holds> ?v }} }} }}"
    )
    found = list(rows)
    if not found:
        return None
    return sorted({row["v"] for row in found if row["v"] is not None}, key=str)


def keep_merged(store: TripleStore, base: str, published: Sequence[ox.NamedNode]) -> str:
    """Bring M, K and S up to date with the ``published`` graphs of ``store`` (and its default
    graph), in one update run by the store; return what was done: "kept" (incrementally) or
    "rebuilt"."""
    prefix = versions_prefix(base)
    hidden = hidden_graphs(base)
    graphs = [g for g in published if g.value not in hidden]
    versions = [g for g in graphs if g.value.startswith(prefix)]
    mutable = [g for g in graphs if not g.value.startswith(prefix)]
    merge, state = ox.NamedNode(merge_graph(base)), HIDDEN["state"].format(base=base)
    terms = {
        "merge": str(merge),
        "mutable": str(ox.NamedNode(HIDDEN["mutable"].format(base=base))),
        "state": str(ox.NamedNode(state)),
        "removed": str(ox.NamedNode(HIDDEN["removed"].format(base=base))),
        "kept": str(ox.NamedNode(f"{state}#kept")),
        "changing": _values(mutable),
        "versions": _values(versions),
        "held": " ".join(f"{merge} <{state}#holds> {g} ." for g in versions),
        "default": default_pattern(store),
    }
    held = _held(store, base)
    ok = held is not None and all(store.contains_named_graph(g) for g in held)
    if held is None or not ok:
        store.apply(_update("rebuild", **terms), sorted(hidden))
        return "rebuilt"
    current = set(versions)
    steps = [_update("mutable", **terms)]
    steps += [_update("drop-version", **terms, version=str(g)) for g in held if g not in current]
    steps += [_update("add-version", **terms, version=str(g)) for g in versions if g not in held]
    steps.append(_update("state", **terms))
    store.apply(" ;\n".join(steps), sorted(hidden))
    return "kept"


def own_dataset(sparql: str) -> bool:
    """Whether the query ``sparql`` sets its own dataset (a FROM or FROM NAMED clause, in any
    case, glued to what precedes it too; ``core.sparql_text.dataset_clauses``): pyoxigraph
    would replace it by a dataset given with the query."""
    return sparql_text.dataset_clauses(sparql) is not None
