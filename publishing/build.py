"""Building the published graph from the partners' folders: each source is checked as
``coworkmed validate`` checks it, and its load (per record: without the records that have
errors, whose last published version stays) becomes the new current version of its dataset
(``publishing.publish.publish``, the one path of a version into the store), and the vocabulary
is written beside it, one graph per file. The CLI's ``build`` and ``load`` are shells over
this.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from core.namespaces import CWM, RDF_TYPE, SKOS
from core.problems import LoadError
from core.vocabulary import CUBE_FILE, ONTOLOGY_FILE, codelist_files
from linking.places import PLACES, published_places
from loaders import nuts, provenance
from loaders.load import LoadReport, mapping_digest, start_report
from loaders.mapping import Mapping, load_mapping
from publishing import catalogue
from publishing.held_back import held_in_version
from publishing.publish import (
    compose,
    holds,
    publish,
    publish_mode,
    same_content,
    unchanged_version,
    with_kept,
)
from triplestore.versions import (
    StoreLocation,
    TripleStore,
    locate,
    put_graph,
    query,
    take_snapshot,
)
from validation.findings import Report
from validation.submission import Progress, validate_submission


def load_source(
    mapping_path: Path,
    store: TripleStore,
    base: str,
    location: StoreLocation | Path | None = None,
    file: Path | None = None,
    now: Callable[[], dt.datetime] | None = None,
    force: bool = False,
    mode: str | None = None,
) -> LoadReport:
    """Load one source as the new current version of its dataset (``load_checked``'s load
    report)."""
    return load_checked(mapping_path, store, base, location, file, now, force, mode).load


@dataclass
class Checked:
    """A source's load: what the loaders read (``load``, with the records held back) and the
    checks' report (``report``: the same checks as ``coworkmed validate``)."""

    load: LoadReport
    report: Report | None  # None: unchanged, nothing read


def load_checked(
    mapping_path: Path,
    store: TripleStore,
    base: str,
    location: StoreLocation | Path | None = None,
    file: Path | None = None,
    now: Callable[[], dt.datetime] | None = None,
    force: bool = False,
    mode: str | None = None,
    lang: str | None = None,
    progress: Progress | None = None,
) -> Checked:
    """Load one source as the new current version of its dataset, after the checks that
    ``coworkmed validate`` runs (``validation.submission``: table, SHACL, across records).
    Per record (``mode``; default: the ``publish_mode`` setting), its records with errors are
    held back and their last published version stays; all or nothing, a source with an error
    is not published (``load.published`` is False). A file that cannot be read raises
    LoadError. With the store's ``location`` (a store directory or ``StoreLocation``), it is
    published at once as a new generation. When the dataset's current version was loaded from
    the same file with the same mapping, nothing is read or written (``load.unchanged``),
    nor when the graph it would publish has the records of the current version (other bytes:
    ``publishing.publish.same_content``), unless ``force`` (the loader's code changed, say).
    The report is in ``lang`` (default: the mapping's language); ``progress``: told how far
    the checks have gone (``validation.submission.Progress``)."""
    clock = time.perf_counter()
    now = now or (lambda: dt.datetime.now(dt.UTC))  # to the microsecond: it names the version
    mapping = load_mapping(mapping_path)
    path = mapping.file_path(file)
    started = start_report(mapping, path, base, now)
    dataset = provenance.dataset_iri(base, mapping.source_id)
    plan = provenance.plan_iri(base, mapping.source_id, mapping_digest(mapping))
    same = None if force else unchanged_version(store, base, dataset, started.file_sha256, plan)
    before = held_in_version(store, ox.NamedNode(same)) if same is not None else []
    if before and publish_mode(mode) == "all-or-nothing":
        same = None  # a file with errors, published per record before: checked, and refused
    if same is not None:  # (stranger 76: said unchanged, 0 errors, exit 0, all or nothing)
        started.graph, started.unchanged, started.published = same, True, False
        started.held_back = with_kept(store, base, dataset, before)
        if location is not None and locate(location).pending():  # a load killed before its
            take_snapshot(store, location, base)  # snapshot made it current: publish it now
        started.seconds = time.perf_counter() - clock
        return Checked(started, None)
    report = _check(mapping, path, store, base, now, lang or mapping.locale.language, progress)
    if not report.readable or report.load is None:
        trouble = next((f for f in report.findings if f.severity == "error"), None)
        if trouble is None:
            raise LoadError(f"{path}: cannot be read")
        # in the report's language: its sentence, then its detail (a library's words last)
        reason = "\n".join(part for part in (trouble.message, trouble.detail) if part)
        failed = LoadError(reason, trouble.code)
        failed.language = report.language
        raise failed
    load = report.load
    load.errors = report.errors
    held, publishable = holds(report, mode)
    load.published = publishable
    if not publishable:  # nothing published: what the store holds of each held-back record
        load.held_back = with_kept(store, base, dataset, held.held)
    else:  # compose says which held-back records keep their last published version
        graph, load.held_back = compose(store, base, dataset, report, held)
        same = None if force else same_content(store, base, dataset, graph, load.graph)
        if same is not None:  # other bytes, the same records: nothing to publish
            load.graph, load.unchanged, load.published = same, True, False
            load.seconds = time.perf_counter() - clock
            return Checked(load, report)
        load.triples = publish(store, base, dataset, load.graph, [graph])
        if location is not None:
            take_snapshot(store, location, base)
    load.seconds = time.perf_counter() - clock
    return Checked(load, report)


#: a source's file is not capped by size when it is loaded (a submission's upload is)
UNCAPPED = 1 << 62


def _check(
    mapping: Mapping,
    path: Path,
    store: TripleStore,
    base: str,
    now: Callable[[], dt.datetime],
    lang: str,
    progress: Progress | None = None,
) -> Report:
    """The checks of ``coworkmed validate`` on a source, compared with what the other sources
    published in ``store``; the report holds the graph."""
    published = published_places(query(store, base, PLACES), base, mapping.source_id)
    return validate_submission(
        path,
        lang=lang,
        base=base,
        max_bytes=UNCAPPED,
        mapping=mapping,
        published=published,
        now=now,
        progress=progress,
    )


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


def territory_graph(base: str) -> str:
    """The graph of the NUTS regions of the network's countries."""
    return f"{base}territory"


def publish_territory(store: TripleStore, base: str, countries: tuple[str, ...]) -> int:
    """Write the NUTS regions of the network's countries (levels 0 to 3, with their population,
    area, typologies and names: ``loaders.nuts``) in the graph ``{base}territory``, replacing
    what a previous build put there; the next snapshot publishes them. Return the number of
    triples."""
    triples = nuts.territory_triples(countries) + catalogue.territory_description(base)
    put_graph(store, territory_graph(base), triples)
    return len(triples)


#: the graph of what the data folder's catalogue table says of its sources
SOURCES_GRAPH = "sources"


def publish_sources(store: TripleStore, data: Path, base: str) -> int:
    """Write what ``data``'s catalogue table (``publishing.catalogue``) says of its sources —
    licence, rights holder, attribution, origin and checksum of each file — in the graph
    ``{base}sources`` (replacing what a previous build put there); the next snapshot publishes
    it. Return the number of triples (0, and nothing written, for a folder without a table)."""
    triples = catalogue.catalogue_triples(data, base)
    if triples:
        put_graph(store, base + SOURCES_GRAPH, triples)
    return len(triples)
