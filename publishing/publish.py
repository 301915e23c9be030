"""Publishing a partner's submission as one explicit step: validate -> diff -> publish -> record.

A partner publishes to its own dataset, ``{base}dataset/{partner}``:

1. ``validate``: the submission is read with the partner's mapping and checked
   (``validation.submission``, or in a confined worker: ``validation.confined``);
2. ``diff``: what changed since the dataset's current version, record by record (added,
   removed, modified), both sides as the store gives them back;
3. ``publish``: its graph becomes the dataset's new current version in one write; per record
   (the ``publish_mode`` setting, ``publishing.per_record``), the records with errors are held
   back and their last published version stays; all or nothing, a file with an error is not
   published at all (``triplestore.versions.write`` and ``publish_version``: a new version
   graph, then one transaction on the catalogue, then a new snapshot). Readers see the old
   version or the new one, never a mix; a failure at any point leaves the published data as it
   was. ``publish`` is also how ``publishing.build`` writes each source of a build: the one
   path of a version into the store;
4. ``record``: every submission, published or rejected, is recorded in the graph
   ``{base}submissions`` (``templates/submission-record.ttl``: who, when, the file's checksum,
   the version it became, whether it conforms and its numbers of errors and warnings), in the
   same transaction as its publication.

``publish_submission`` runs the four and says what it did (``Publication``). A file
that is the dataset's current version already (the same sha256, read with the same mapping:
``unchanged_version``, from the version's own provenance) is not published and not recorded:
nothing is written and the answer says ``unchanged`` (``force`` publishes it all the same).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from core.names import shown_name
from core.namespaces import CWM, DCAT, PROV, SPDX
from core.problems import LoadError
from core.rdf_bytes import to_bytes
from core.rdf_templates import fill, ntriples
from core.settings import setting
from linking.places import Place
from loaders import provenance
from loaders.load import HeldBack, mapping_digest, sha256
from loaders.mapping import Mapping, load_mapping
from publishing.held_back import activity_of, held_back_ntriples
from publishing.partners import Partner
from publishing.per_record import Holding, holding, previous_records, record_rows, without
from publishing.published_places import read_published_places
from publishing.submissions import submissions_graph
from triplestore.versions import (
    StoreLocation,
    TripleStore,
    Unchanged,
    current_versions,
    locate,
    publish_version,
    write,
)
from validation.columns import template_mapping
from validation.confined import Confinement, Job, validate_confined
from validation.files import MAX_FILE_BYTES
from validation.findings import Report
from validation.submission import Progress, validate_submission

XSD = "http://www.w3.org/2001/XMLSchema#"
RECORD_TEMPLATE = Path(__file__).parent / "templates" / "submission-record.ttl"


@dataclass
class Publication:
    """What a publish did: the report, whether it was published, the version, the changes."""

    report: Report
    published: bool
    dataset: str
    version: str | None = None
    generation: int | None = None
    changes: dict[str, list[str]] = field(default_factory=dict)
    #: nothing published: the same file and mapping are the current version (``version``)
    unchanged: bool = False
    #: the records held back for their errors (``publishing.per_record``)
    held_back: list[HeldBack] = field(default_factory=list)

    def records(self) -> list[dict[str, Any]]:
        """Each record of the submission, by row: published or held back (with its errors,
        and whether its last published version stays)."""
        held = {h.identifier: h for h in self.held_back if h.identifier is not None}
        current = self.published or self.unchanged  # its records are the current version's
        rows = record_rows(self.report.ntriples)
        answer = [
            {"row": row, "identifier": key, "published": current and key not in held}
            | ({"sheet": sheet} if sheet else {})
            | (
                {"errors": held[key].errors, "old_version_kept": held[key].kept}
                if key in held
                else {}
            )
            for key, (row, sheet) in rows.items()
        ]
        answer += [
            {"row": h.row, "published": False, "errors": h.errors}
            for h in self.held_back
            if h.identifier is None
        ]
        return sorted(answer, key=lambda record: record["row"] or 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "published": self.published,
            "unchanged": self.unchanged,
            "held_back": [held.as_dict() for held in self.held_back],
            "records": self.records(),
            "dataset": self.dataset,
            "version": self.version,
            "generation": self.generation,
            "changes": {k: len(v) for k, v in self.changes.items()},
            "changed_records": self.changes,
        }


# ------------------------------------------------------------------------------ 1. validate


class OtherPartnersMapping(LoadError):
    """A mapping whose source names another partner: publishing with it would file what it
    reads as this partner's dataset and remove this partner's records (nothing is written)."""

    def __init__(self, owner: str, partner: str) -> None:
        super().__init__(
            f"the mapping is partner {owner}'s, not {partner}'s",
            "mapping-other-partner",
            owner=owner,
            partner=partner,
        )


def mapping_owner(mapping: Mapping) -> str | None:
    """The partner a mapping names as its source's (``source.partner.id``; None: none named)."""
    owner = mapping.source.get("partner", {}).get("id")
    return str(owner) if owner else None


#: the title of a dataset published from the template (``tables/template-dataset.yaml``)
TEMPLATE_DATASET_TABLE = Path(__file__).parent / "tables" / "template-dataset.yaml"


def template_dataset_title(partner_name: str) -> dict[str, str]:
    """The title, in the six languages, of a partner's dataset published from the template:
    it names the partner (they were all "Submission on the CoworkMed template")."""
    table = yaml.safe_load(TEMPLATE_DATASET_TABLE.read_text(encoding="utf-8"))
    return {lang: text.replace("{partner}", partner_name) for lang, text in table["title"].items()}


def partner_mapping(mapping_path: Path | None, partner: Partner, lang: str) -> Mapping:
    """The mapping the partner's submission is read with, its source being the partner's;
    ``OtherPartnersMapping`` for a mapping that names another partner, whichever door the
    submission came through (the command line, the API)."""
    if mapping_path is None:  # the template's mapping is every partner's
        mapping = template_mapping(lang)
        titled = {**mapping.source, "title": template_dataset_title(partner.name)}
        mapping = dataclasses.replace(mapping, source=titled)
    else:
        mapping = load_mapping(mapping_path)
        owner = mapping_owner(mapping)
        if owner not in (None, partner.id):
            raise OtherPartnersMapping(owner, partner.id)
    source = {
        **mapping.source,
        "id": partner.id,
        "partner": {"id": partner.id, "name": partner.name},
    }
    return dataclasses.replace(mapping, source=source)


def validate(
    path: Path,
    mapping: Mapping,
    store_path: StoreLocation | Path,
    base: str,
    lang: str = "en",
    max_bytes: int | None = None,
    confinement: Confinement | None = None,
    shown: str | None = None,
    progress: Progress | None = None,
    published: list[Place] | None = None,
) -> Report:
    """The report of ``path`` read with ``mapping``. With a ``confinement``, the file is read
    and validated in a confined worker (``validation.confined``), which returns the graph to
    publish; ``shown``: the file's name in the report's messages (default: its own);
    ``progress``: told the stages of a validation in this process; ``published``: the places
    other sources published, read by the caller (default: read from the store here)."""
    if published is None:
        published = read_published_places(store_path, base, mapping.source_id)
    if confinement is None:
        return validate_submission(
            path,
            lang=lang,
            base=base,
            max_bytes=MAX_FILE_BYTES if max_bytes is None else max_bytes,
            mapping=mapping,
            published=published,
            progress=progress,
        )
    limit = max_bytes or MAX_FILE_BYTES
    job = Job(path, lang, base, limit, mapping, published, shown or path.name)
    return validate_confined(job, confinement)


# ------------------------------------------------------------------------------ 2. diff


RECORD = re.compile(rb"^<[^>]*/(?:space|operator)/[^/>]+/([^/>]+)")


def record_digests(lines: Iterable[bytes]) -> dict[str, str]:
    """A digest of each record (its space and operator triples, not where it sits in the file)."""
    grouped: dict[str, list[bytes]] = defaultdict(list)
    for line in lines:
        match = RECORD.match(line)
        if match:
            grouped[match.group(1).decode("utf-8")].append(line.strip())
    return {key: hashlib.sha256(b"\n".join(sorted(ls))).hexdigest() for key, ls in grouped.items()}


def diff(before: dict[str, str], after: dict[str, str]) -> dict[str, list[str]]:
    """The records added, removed and modified from ``before`` to ``after`` (record digests)."""
    return {
        "added": sorted(after.keys() - before.keys()),
        "removed": sorted(before.keys() - after.keys()),
        "modified": sorted(k for k in after.keys() & before.keys() if after[k] != before[k]),
    }


def current_version(store: TripleStore, base: str, dataset: str) -> ox.NamedNode | None:
    """The current version graph of ``dataset`` (None: it was never published)."""
    return next(
        (v for v in current_versions(store, base) if v.value.startswith(f"{dataset}/")), None
    )


#: the file checksum and the mapping (PROV plan) of a version, as its load described it
#: (``loaders/templates/load.ttl``)
LOADED_FROM = """
SELECT ?sha256 ?plan WHERE { GRAPH $version {
  $version dcat:distribution/spdx:checksum/spdx:checksumValue ?sha256 ;
           prov:wasGeneratedBy/prov:used ?plan . ?plan a prov:Plan } }"""


def unchanged_version(
    store: TripleStore, base: str, dataset: str, file_sha256: str, plan: str
) -> str | None:
    """The current version of ``dataset`` when it was loaded from the same file (its sha256)
    with the same mapping (its plan, ``loaders.provenance.plan_iri``); None otherwise."""
    version = current_version(store, base, dataset)
    if version is None:
        return None
    sparql = f"PREFIX dcat: <{DCAT}> PREFIX spdx: <{SPDX}> PREFIX prov: <{PROV}>" + (
        LOADED_FROM.replace("$version", f"<{version.value}>")
    )
    for solution in store.query(sparql):
        if (
            solution["sha256"].value.lower() == file_sha256.lower()
            and solution["plan"].value == plan
        ):
            return version.value
    return None


def published_digests(store: TripleStore, version: ox.NamedNode | None) -> dict[str, str]:
    """The record digests of a version graph as the store gives it back (none: no version)."""
    if version is None:
        return {}
    triples = store.query(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{version.value}> {{ ?s ?p ?o }} }}"
    )
    return record_digests(to_bytes(triples, ox.RdfFormat.N_TRIPLES).splitlines())


#: what of a version graph says how and when it was made (``tables/version-provenance.yaml``)
PROVENANCE_TABLE = Path(__file__).parent / "tables" / "version-provenance.yaml"


@functools.cache
def _provenance_lines() -> list[re.Pattern[bytes]]:
    patterns: list[str] = yaml.safe_load(PROVENANCE_TABLE.read_text(encoding="utf-8"))
    return [re.compile(pattern.encode("utf-8")) for pattern in patterns]


def content_lines(ntriples: bytes, version: str) -> set[bytes]:
    """What the graph of the version ``version`` publishes: its lines, the version's own name
    replaced by ``VERSION``, without those that say how and when it was made
    (``PROVENANCE_TABLE``)."""
    name = version.rstrip("/").rsplit("/", 1)[-1].encode("utf-8")
    lines = (line.strip().replace(name, b"VERSION") for line in ntriples.splitlines())
    return {
        line
        for line in lines
        if line and not any(pattern.search(line) for pattern in _provenance_lines())
    }


def as_stored(ntriples: bytes) -> bytes:
    """``ntriples`` as an Oxigraph store gives it back (canonical numbers, dates...): a graph
    about to be published, compared with one the store holds."""
    memory = ox.Store()
    memory.bulk_load(ntriples, ox.RdfFormat.N_TRIPLES)
    triples = [quad.triple for quad in memory.quads_for_pattern(None, None, None, None)]
    return to_bytes(triples, ox.RdfFormat.N_TRIPLES)


def version_ntriples(store: TripleStore, version: ox.NamedNode) -> bytes:
    """The graph of a version, as N-Triples."""
    triples = store.query(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{version.value}> {{ ?s ?p ?o }} }}"
    )
    return to_bytes(triples, ox.RdfFormat.N_TRIPLES)


def content_digest(graph: bytes, version: str) -> str:
    """The digest of what ``graph`` (the version ``version``'s) publishes (``content_lines``),
    as an Oxigraph store gives it back: its load activity keeps it (``cwm:contentDigest``),
    since a store may rewrite values on the way in (Virtuoso: WKT geometries in single
    precision), so that the next submission compares with it, not with the store's values."""
    lines = sorted(content_lines(as_stored(graph), version))
    return hashlib.sha256(b"\n".join(lines)).hexdigest()


def digest_line(base: str, version: str, digest: str) -> bytes:
    """The triple that gives a version's content digest, on its load activity."""
    activity = activity_of(base, version)
    return f'<{activity}> <{CWM}contentDigest> "{digest}" .\n'.encode()


#: the content digest of a version, as its load activity gives it
DIGEST_LINE = re.compile(rb"<" + re.escape(CWM.encode()) + rb'contentDigest> "([0-9a-f]{64})" \.')
CONTENT_DIGEST = (
    "SELECT ?digest WHERE { GRAPH <$version> { <$activity> <$cwmcontentDigest> ?digest } }"
)


def same_content(
    store: TripleStore, base: str, dataset: str, graph: bytes, version: str
) -> str | None:
    """The current version of ``dataset`` when ``graph`` (the graph the version ``version``
    would be) publishes what it does already, whatever the bytes of the file it was read from
    (``content_digest``, or for a version published without one, ``content_lines`` of its
    graph as the store gives it back); None otherwise (or when the dataset was never
    published)."""
    current = current_version(store, base, dataset)
    if current is None:
        return None
    sparql = (
        CONTENT_DIGEST.replace("$version", current.value)
        .replace("$activity", activity_of(base, current.value))
        .replace("$cwm", CWM)
    )
    kept = [solution["digest"].value for solution in store.query(sparql)]
    if kept:
        given = DIGEST_LINE.search(graph)  # compose's
        digest = given.group(1).decode("ascii") if given else content_digest(graph, version)
        return current.value if digest in kept else None
    before = content_lines(version_ntriples(store, current), current.value)
    return current.value if content_lines(as_stored(graph), version) == before else None


def with_kept(store: TripleStore, base: str, dataset: str, held: list[HeldBack]) -> list[HeldBack]:
    """The held-back records ``held``, each saying whether the dataset's current version (what
    the store holds) has its last published version (``kept``): in every answer, published,
    unchanged or refused."""
    keys = {h.identifier for h in held if h.identifier is not None}
    _old, found = previous_records(store, current_version(store, base, dataset), keys)
    return _marked(held, found)


def _marked(held: list[HeldBack], found: set[str]) -> list[HeldBack]:
    """The held-back records, each saying whether its last published version is among
    ``found`` (the identifiers the current version holds)."""
    return [dataclasses.replace(h, kept=h.identifier in found) for h in held]


# ------------------------------------------------------------------------------ 3. publish


def publish(
    store: TripleStore,
    base: str,
    dataset: str,
    version: str,
    chunks: Iterable[bytes],
    record: str = "",
) -> int:
    """Write ``chunks`` (N-Triples) as the graph ``version`` and make it the current version of
    ``dataset``, with the submission ``record`` (an update, see ``record``) in the same
    transaction; return the version's number of triples. The store write of every publication:
    a submission's and each source of a build (``publishing.build``). A version graph is never
    written twice: when the store holds one of that name already (the same file read with the
    same mapping in the same second, ``loaders.provenance.version_id``), it is written only if
    it is the current version with the same content (nothing to write, the record still
    made); else ``SentAgainTooSoon`` is raised and nothing is written (it was skipped as "the
    same load", and said published, or the two written into one graph)."""
    if store.contains_named_graph(ox.NamedNode(version)):
        chunks = list(chunks)
        current = current_version(store, base, dataset)
        if current != ox.NamedNode(version) or (
            same_content(store, base, dataset, b"".join(chunks), version) is None
        ):
            raise SentAgainTooSoon(version)
    also_graphs = [submissions_graph(base)] if record else []
    return publish_version(
        store, base, dataset, version, chunks, also=record, also_graphs=also_graphs
    )


def publish_mode(mode: str | None = None) -> str:
    """The publish mode: ``mode`` if given, else the ``publish_mode`` setting."""
    return str(setting("publish_mode", mode))


def holds(report: Report, mode: str | None = None) -> tuple[Holding, bool]:
    """What the errors of ``report`` hold back, and whether anything can be published: not
    when an error holds the whole file back (all or nothing: any error), nor when every record
    is held back."""
    held = holding(report, publish_mode(mode))
    every = bool(held.held) and report.records <= len(held.keys)
    return held, not (held.whole or every)


def compose(
    store: TripleStore, base: str, dataset: str, report: Report, held: Holding
) -> tuple[bytes, list[HeldBack]]:
    """The graph to publish: the submission's without its held-back records, plus their last
    published version (from the dataset's current version), plus what the load held back on
    its provenance (``publishing.held_back``) and the digest of its content (``digest_line``);
    the held-back records, each saying whether its old version stays."""
    current = current_version(store, base, dataset)
    old, found = previous_records(store, current, held.keys)
    kept = _marked(held.held, found)
    said = held_back_ntriples(report, kept, report.load.graph, base) if report.load else b""
    graph = without(report.ntriples, held.keys) + b"\n" + old + b"\n" + said
    if report.load is None:
        return graph, kept
    version = report.load.graph
    return graph + digest_line(base, version, content_digest(graph, version)), kept


# ------------------------------------------------------------------------------ 4. record


def _sha256(path: Path) -> str:
    return sha256(path) if path.is_file() else "0" * 64


def _typed(value: object, datatype: str) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD + datatype))


def record(
    report: Report,
    partner: Partner,
    base: str,
    version: str | None,
    moment: str,
    shown: str | None = None,
) -> str:
    """The SPARQL update that records a submission in the ``{base}submissions`` graph
    (``templates/submission-record.ttl``, filled with RDF terms); ``shown``: the file's name
    as the partner sent it (an upload is read from a copy of our own naming)."""
    load = report.load
    digest = load.file_sha256 if load else _sha256(Path(report.file))
    activity = (
        f"{base}submission/{partner.id}/{moment.replace(':', '').replace('-', '')}-{digest[:8]}"
    )
    validation = ox.NamedNode(f"{activity}/report")
    generated = ([ox.NamedNode(version)] if version else []) + [validation]
    triples = fill(
        RECORD_TEMPLATE,
        activity=ox.NamedNode(activity),
        agency=ox.NamedNode(f"{base}agency/{partner.id}"),
        time=_typed(moment, "dateTime"),
        file=ox.Literal(shown_name(shown or Path(report.file).name)),
        checksum=_typed(digest, "hexBinary"),
        generated=generated,
        report=validation,
        conforms=_typed("true" if report.conforms else "false", "boolean"),
        errors=_typed(report.errors, "integer"),
        warnings=_typed(report.warnings, "integer"),
    )
    return f"INSERT DATA {{ GRAPH <{submissions_graph(base)}> {{\n{ntriples(triples)}}} }}"


# ------------------------------------------------------------------------------ the step


def _unchanged(
    store: TripleStore,
    base: str,
    dataset: str,
    report: Report,
    composed: Composed,
    mapping: Mapping,
) -> str | None:
    """The current version of ``dataset`` when ``report``'s submission would publish it again:
    the same file read with the same mapping (its provenance says so), or a graph with the same
    content (``same_content``: another file's bytes, the same records)."""
    if report.load is None:
        return None
    plan = provenance.plan_iri(base, mapping.source_id, mapping_digest(mapping))
    same = unchanged_version(store, base, dataset, report.load.file_sha256, plan)
    if same is not None:
        return same
    graph, _kept = composed.graph(store)
    return same_content(store, base, dataset, graph, report.load.graph)


@dataclass
class Composed:
    """``compose`` of one submission, made once for each current version of its dataset: a
    version graph is never written again, so the graph the check before the write composed
    (``_unchanged``) is the one the write would compose (its digest, a bulk load of the whole
    graph, made once); a publish that moved the current version meanwhile has it made again."""

    base: str
    dataset: str
    report: Report
    held: Holding
    made: dict[str | None, tuple[bytes, list[HeldBack]]] = field(default_factory=dict)

    def graph(self, store: TripleStore) -> tuple[bytes, list[HeldBack]]:
        current = current_version(store, self.base, self.dataset)
        key = None if current is None else current.value
        if key not in self.made:
            self.made[key] = compose(store, self.base, self.dataset, self.report, self.held)
        graph, kept = self.made[key]
        return graph, list(kept)


#: how a publication's change is written: ``(change, args)`` to ``change(store, *args)``
#: applied and published, giving what it returned and the new generation (``write`` in this
#: process by default; a server gives ``endpoint.writes.publication_in_worker``)
Writer = Callable[[Callable[..., Any], tuple[Any, ...]], tuple[Any, int]]


@dataclass
class Submitted:
    """A validated submission, as the write that publishes (or records) it reads it."""

    report: Report
    partner: Partner
    base: str
    dataset: str
    moment: str
    shown: str | None
    held: Holding
    publishable: bool
    mapping: Mapping
    force: bool


class SameVersion(Unchanged):
    """The submission is the current version of its dataset already: nothing is written."""

    def __init__(self, version: str, held_back: list[HeldBack]) -> None:
        super().__init__(version, held_back)  # as given: an exception is pickled by its args
        self.version, self.held_back = version, held_back


class SentAgainTooSoon(Unchanged, LoadError):
    """The version a publication would write has the name of one its store holds, with other
    content: the same file read with the same mapping in the same second (a version is named
    by the second and their checksums), another version published in between, or other
    records held back, or ``force``. Nothing is written; sent again, it is named anew
    (stranger 64: both were written into one version graph, each naming the other as the one
    before it)."""

    def __init__(self, version: str) -> None:
        LoadError.__init__(
            self,
            f"the version {version} was published a moment ago from this same file and "
            "mapping, with other content or another version since: this one would be "
            "published under its name; send it again in a second",
            "publish-again",
        )
        self.version = version


class NothingToRecord(Unchanged):
    """Nothing publishable, and no file to record: nothing is written."""

    def __init__(self, held_back: list[HeldBack]) -> None:
        super().__init__(held_back)
        self.held_back = held_back


def apply_submission(
    store: TripleStore, submitted: Submitted
) -> tuple[bool, dict[str, list[str]], list[HeldBack]]:
    """Publish ``submitted`` on ``store`` opened for writing, under the write lock (in a worker
    of its own for a server: ``Writer``), or record it refused: whether it was published, the
    records changed, the records held back. Its checks read the store under the same lock as
    its write: two identical submissions at once were both checked against the version before
    either was written, and both published (stranger 63). Raises ``SameVersion`` or
    ``NothingToRecord`` (``Unchanged``: no new generation)."""
    base, dataset, report = submitted.base, submitted.dataset, submitted.report
    held = submitted.held
    held.held = with_kept(store, base, dataset, held.held)  # in every answer
    if not submitted.publishable:
        if not Path(report.file).is_file():
            raise NothingToRecord(held.held)
        rejected = record(report, submitted.partner, base, None, submitted.moment, submitted.shown)
        store.apply(rejected, [submissions_graph(base)])
        return False, {}, held.held
    assert report.load is not None  # publishable: checked by the caller
    version = report.load.graph
    composed = Composed(base, dataset, report, held)
    current = current_version(store, base, dataset)  # the write changes nothing before it
    if not submitted.force and current is not None:
        same = _unchanged(store, base, dataset, report, composed, submitted.mapping)
        if same is not None:
            raise SameVersion(same, held.held)
    before = published_digests(store, current)
    graph, kept = composed.graph(store)
    recorded = record(report, submitted.partner, base, version, submitted.moment, submitted.shown)
    publish(store, base, dataset, version, [graph], recorded)
    # both sides as the store gives them back: stores rewrite some values on the way in
    # (Oxigraph: canonical numbers; Virtuoso 7: WKT geometries), so compare like with like
    return True, diff(before, published_digests(store, ox.NamedNode(version))), kept


def publish_submission(
    path: Path,
    partner: Partner,
    store_path: StoreLocation | Path,
    base: str,
    mapping_path: Path | None = None,
    lang: str = "en",
    max_bytes: int | None = None,
    confinement: Confinement | None = None,
    shown: str | None = None,
    force: bool = False,
    mode: str | None = None,
    progress: Progress | None = None,
    writer: Writer | None = None,
    published_places: Callable[[str], list[Place]] | None = None,
) -> Publication:
    """Validate ``path`` as ``partner``'s submission; publish its conforming records (per
    record) or the whole file if it has no error (``mode``: all or nothing; default: the
    ``publish_mode`` setting); record it either way (see the module's docstring; ``validate``
    for ``confinement`` and ``shown``). A file that is the current version already (the same
    file, read with the same mapping) is neither published nor recorded: nothing is written
    (``unchanged``), unless ``force``. ``progress``: told how far the checks have gone (not
    from a confined worker). ``writer``: how the write is made (``Writer``; by default in this
    process); ``published_places``: the places other sources than the one named published, as
    the caller reads them (default: read from the store in this process)."""
    mapping = partner_mapping(mapping_path, partner, lang)
    others = published_places(mapping.source_id) if published_places is not None else None
    report = validate(
        path, mapping, store_path, base, lang, max_bytes, confinement, shown, progress, others
    )
    dataset = provenance.dataset_iri(base, partner.id)
    moment = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    held, publishable = holds(report, mode)
    if publishable and report.load is None:
        raise LoadError("the submission produced no graph; nothing published")
    submitted = Submitted(
        report, partner, base, dataset, moment, shown, held, publishable, mapping, force
    )
    location = locate(store_path)
    if writer is None:
        writer = functools.partial(_write_here_in_process, location, base)
    try:
        (published, changes, kept), generation = writer(apply_submission, (submitted,))
    except SameVersion as same:
        return Publication(
            report,
            False,
            dataset,
            same.version,
            location.generation(),
            unchanged=True,
            held_back=same.held_back,
        )
    except NothingToRecord as nothing:
        return Publication(report, False, dataset, held_back=nothing.held_back)
    if not published:
        return Publication(report, False, dataset, held_back=kept)
    version = report.load.graph if report.load else None
    return Publication(report, True, dataset, version, generation, changes, held_back=kept)


def _write_here_in_process(
    location: StoreLocation, base: str, change: Callable[..., Any], args: tuple[Any, ...]
) -> tuple[Any, int]:
    """The default ``Writer``: ``write`` in this process."""
    return write(location, lambda store: change(store, *args), base)
