"""Building the published graph from the partners' folders: each source's load becomes the new
current version of its dataset (``publishing.publish.publish``, the one path of a version into
the store), and the vocabulary is written beside it, one graph per file. The CLI's ``build``
and ``load`` are shells over this.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from core.namespaces import CWM, RDF_TYPE, SKOS
from core.vocabulary import CUBE_FILE, ONTOLOGY_FILE, codelist_files
from loaders import provenance
from loaders.load import LoadReport, mapping_digest, start_report, stream
from loaders.mapping import load_mapping
from loaders.readers import Row
from publishing.publish import publish, unchanged_version
from triplestore.versions import StoreLocation, TripleStore, locate, put_graph, take_snapshot


def load_source(
    mapping_path: Path,
    store: TripleStore,
    base: str,
    location: StoreLocation | Path | None = None,
    file: Path | None = None,
    now: Callable[[], dt.datetime] | None = None,
    on_row: Callable[[Row | None], None] | None = None,
    force: bool = False,
) -> LoadReport:
    """Load one source as the new current version of its dataset; all or nothing. With the
    store's ``location`` (a store directory or ``StoreLocation``), it is published at once as a
    new generation. When the dataset's current version was loaded from the same file with the
    same mapping, nothing is read or written (``report.unchanged``), unless ``force`` (the
    loader's code changed, say)."""
    clock = time.perf_counter()
    now = now or (lambda: dt.datetime.now(dt.UTC).replace(microsecond=0))
    mapping = load_mapping(mapping_path)
    path = mapping.file_path(file)
    report = start_report(mapping, path, base, now)
    dataset = provenance.dataset_iri(base, mapping.source_id)
    plan = provenance.plan_iri(base, mapping.source_id, mapping_digest(mapping))
    same = None if force else unchanged_version(store, base, dataset, report.file_sha256, plan)
    if same is not None:
        report.graph, report.unchanged = same, True
        if location is not None and locate(location).pending():  # a load killed before its
            take_snapshot(store, location, base)  # snapshot made it current: publish it now
        report.seconds = time.perf_counter() - clock
        return report
    chunks = stream(mapping, path, base, report, now, on_row)
    report.triples = publish(store, base, dataset, report.graph, chunks)
    if location is not None:
        take_snapshot(store, location, base)
    report.seconds = time.perf_counter() - clock
    return report


SKOS_SCHEME = ox.NamedNode(SKOS + "ConceptScheme")
A = ox.NamedNode(RDF_TYPE)


def vocabulary_graphs() -> dict[str, list[ox.Triple]]:
    """The ontology, the indicators cube's structure and each code list, by the graph that
    publishes them: the ontology's namespace, ``{namespace}cube``, each concept scheme's IRI."""
    graphs = {}
    for path in [ONTOLOGY_FILE, CUBE_FILE, *codelist_files()]:
        triples = [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
        schemes = [t.subject for t in triples if (t.predicate, t.object) == (A, SKOS_SCHEME)]
        if path in (ONTOLOGY_FILE, CUBE_FILE):  # the cube's file also holds a concept scheme
            name = CWM + ("cube" if path == CUBE_FILE else "")
        else:
            name = schemes[0].value
        graphs[name] = triples
    return graphs


def publish_vocabulary(store: TripleStore) -> int:
    """Write the ontology and the code lists in the store, one graph each (replacing what a
    previous build put there), so that queries can use their labels in every language; the next
    snapshot publishes them. Return the number of triples."""
    graphs = vocabulary_graphs()
    for name, triples in graphs.items():
        put_graph(store, name, triples)
    return sum(len(triples) for triples in graphs.values())
