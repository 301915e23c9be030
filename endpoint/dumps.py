"""Dumps of the published graph and the DCAT catalogue that describes them.

``export`` writes, from the current snapshot, a dated pair of gzipped files: N-Quads (every
published graph, with its name) and Turtle (their union), each with its SHA-256 in
``SHA256SUMS``. The server lists them at ``/dumps/`` and serves them; ``/catalog`` is a DCAT
catalogue with one dataset per partner source (its current version), the whole graph as a
dataset whose distributions are the dumps, and the SPARQL endpoint as a data service.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import os
import re
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

import pyoxigraph as ox
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from core.locks import held
from core.namespaces import (
    CC,
    DCAT,
    DCTERMS,
    FOAF,
    IANA_MEDIA_TYPES,
    PREFIXES,
    RDF_TYPE,
    SPDX,
    VOID,
    XSD,
)
from core.rdf_templates import fill
from endpoint.execution import QueryError, QueryRequest
from endpoint.files import file_answer
from endpoint.protocol import expose
from endpoint.published import EXPORTER, generation, run, store_location
from endpoint.resource_page import licence_names
from endpoint.responses import error, rdf_answer, read_headers, reader_language
from endpoint.site import data_links
from endpoint.urls import external_url
from endpoint.views import catalogue_view, human_size, local_date, view_words, wants_page
from publishing.catalogue import combined_licence, is_share_alike
from triplestore.backends import TripleStore, locate
from triplestore.merge import reading_default
from triplestore.versions import StoreLocation, open_snapshot, published_graphs

blueprint = Blueprint("dumps", __name__)

#: dump kind -> (file suffix, media type)
KINDS = {"nquads": (".nq.gz", "application/n-quads"), "turtle": (".ttl.gz", "text/turtle")}
CHECKSUMS = "SHA256SUMS"


@dataclass(frozen=True)
class Dump:
    name: str
    kind: str
    size: int
    sha256: str


def _write_whole(path: Path, packed: bytes) -> None:
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(packed)
    os.replace(temporary, path)  # a half-written dump never shows under its name


@dataclass(frozen=True)
class Exported:
    """What ``export`` leaves: the dumps of what readers see now, and whether they were there
    already (``unchanged``: the dumps of this generation hold the same graph, nothing was
    written), and the dumps of older generations it removed (``pruned``)."""

    dumps: list[Dump]
    unchanged: bool
    pruned: list[str] = field(default_factory=list)


#: the lock file of a dumps folder: one export at a time writes there (the server's, a command's)
LOCK = ".export.lock"


def _folder_lock(folder: Path) -> AbstractContextManager[None]:
    """Hold the folder's export lock (released by the system if the exporter is killed)."""
    return held(folder / LOCK)


def export(
    store: StoreLocation | Path | str,
    base: str,
    folder: Path,
    today: dt.date | None = None,
    keep: int | None = None,
) -> Exported:
    """Write today's dumps of what readers see now (named with the store generation) into
    ``folder``, unless dumps of this generation there hold the same graph already (the dumps
    are reproducible: gzip without a time or a name in its header, so the same graph gives the
    same bytes and checksum). With ``keep``, only the dumps of the newest ``keep`` generations
    stay (``prune``). Files an export killed half-way left (``*.part``) are removed."""
    location = locate(store)
    generation, snapshot = open_snapshot(location)
    # the snapshot read, by its token (a publish in between: none, and the dumps are made
    # again when the exporter next looks)
    identity = location.identity() if location.generation() == generation else ""
    graphs = published_graphs(snapshot, base)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"coworkmed-{(today or dt.date.today()).isoformat()}-g{generation}"
    quads = (
        ox.Quad(triple.subject, triple.predicate, triple.object, graph or ox.DefaultGraph())
        for graph in [None, *graphs]
        for triple in snapshot.triples(graph)
    )
    union = merged_triples(snapshot, reading_default(snapshot, base, graphs))
    written: dict[str, tuple[Iterable[Any], ox.RdfFormat, dict[str, str] | None]] = {
        "nquads": (quads, ox.RdfFormat.N_QUADS, None),
        "turtle": (union, ox.RdfFormat.TURTLE, PREFIXES),
    }
    with _folder_lock(folder):
        for left in folder.glob("coworkmed-*.part"):
            left.unlink()
        parts = {kind: folder / f"{stem}{KINDS[kind][0]}.part" for kind in written}
        # written as they are read, never whole in memory (the export's worker reached 1.4 GB
        # at 20,000 spaces when the quads, both serializations and their gzip were held)
        digests = {kind: packed_into(parts[kind], *written[kind]) for kind in written}
        same = {
            dump_.kind: dump_
            for dump_ in list_dumps(folder)
            if dump_generation(dump_.name) == generation and dump_.sha256 == digests[dump_.kind]
        }
        if set(same) == set(parts):
            for part in parts.values():
                part.unlink()
            pruned = prune(folder, keep) if keep is not None else []
            _write_sources(folder, generation, identity)
            return Exported([same[kind] for kind in parts], unchanged=True, pruned=pruned)
        for part in parts.values():
            os.replace(part, part.with_suffix(""))  # a half-written dump never shows
        sums = {dump.name: dump.sha256 for dump in list_dumps(folder)}
        sums.update({part.with_suffix("").name: digests[kind] for kind, part in parts.items()})
        # the older generations go before the new one is listed: a reader never sees the new
        # set beside more than ``keep`` generations (it saw them until the prune that followed)
        pruned = _older_than_kept(sums, keep) if keep is not None else []
        for name in pruned:
            (folder / name).unlink(missing_ok=True)
        _write_sums(folder, {name: sums[name] for name in sums if name not in pruned})
        _write_sources(folder, generation, identity)
        new = [dump for dump in list_dumps(folder) if dump.name.startswith(stem)]
    return Exported(new, unchanged=False, pruned=pruned)


def merged_triples(
    snapshot: TripleStore, default: list[ox.NamedNode | ox.DefaultGraph]
) -> Iterable[ox.Triple]:
    """The triples of the union of ``default``: read from the one graph that holds it (the
    merge each commit keeps, ``triplestore.merge``) as the store has them, else asked of the
    engine. A CONSTRUCT keeps every triple it gave, to give each once: 300 MB of the export's
    worker at 10,000 spaces, for a union the merge holds once already."""
    if len(default) == 1 and isinstance(default[0], ox.NamedNode):
        return snapshot.triples(default[0])
    construct = snapshot.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", default_graph=default)
    assert isinstance(construct, ox.QueryTriples)
    return construct


def packed_into(
    path: Path,
    data: Iterable[ox.Triple] | Iterable[ox.Quad],
    format: ox.RdfFormat,
    prefixes: dict[str, str] | None = None,
) -> str:
    """Write ``data`` in ``format`` gzipped into ``path`` as it is serialized, and give the
    file's SHA-256. Reproducible: no time nor name in the gzip header, so the same graph gives
    the same bytes and checksum."""
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed,
    ):
        output = cast(IO[bytes], packed)  # a binary file as pyoxigraph writes to one
        if prefixes is None:
            ox.serialize(data, output, format)
        else:
            ox.serialize(data, output, format, prefixes=prefixes)
    with path.open("rb") as written:
        return hashlib.file_digest(written, "sha256").hexdigest()


def _older_than_kept(sums: dict[str, str], keep: int) -> list[str]:
    """The dumps named in ``sums`` of all but the newest ``keep`` generations (by day and
    generation, as ``prune`` orders them; at least one is kept)."""
    ages = sorted({(dump_day(name), dump_generation(name)) for name in sums}, reverse=True)
    kept = set(list(dict.fromkeys(generation for _day, generation in ages))[: max(keep, 1)])
    return [name for name in sums if dump_generation(name) not in kept]


def _write_sums(folder: Path, sums: dict[str, str]) -> None:
    lines = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items()))
    _write_whole(folder / CHECKSUMS, lines.encode("ascii"))  # replaced whole, never half-written


def prune(folder: Path, keep: int) -> list[str]:
    """Remove the dumps of all but the newest ``keep`` generations (at least one is kept) and
    their checksums; the names removed."""
    kept = set(_generations(list_dumps(folder))[: max(keep, 1)])
    gone = [d.name for d in list_dumps(folder) if dump_generation(d.name) not in kept]
    for name in gone:
        (folder / name).unlink(missing_ok=True)
    if gone:
        _write_sums(folder, {d.name: d.sha256 for d in list_dumps(folder)})
    return gone


#: the file of a dumps folder that names, for each generation it holds dumps of, the snapshot
#: they were made from: a line "generation token", the token a digest of the store's
#: ``identity`` then (which holds its path: the folder may be served as it is by another web
#: server). A store built again in its place counts its generations from 1 again: the dumps
#: of the old g6 are not the new g6's (stranger 44). A folder written before has none.
SOURCE = "SOURCE"


def source_token(identity: str) -> str:
    """What ``SOURCE`` says of the snapshot of ``identity``."""
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()


def _sources(folder: Path) -> dict[int, str]:
    """``SOURCE``'s tokens by generation (none for a folder without the file)."""
    try:
        lines = (folder / SOURCE).read_text(encoding="ascii").splitlines()
    except FileNotFoundError:
        return {}
    pairs = (line.split(" ", 1) for line in lines if " " in line)
    return {int(number): token.strip() for number, token in pairs if number.isdigit()}


def _write_sources(folder: Path, generation: int, identity: str) -> None:
    """``SOURCE`` with ``generation`` made from the snapshot of ``identity``, and only the
    generations whose dumps are still in the folder."""
    held = {dump_generation(d.name) for d in list_dumps(folder)}
    sources = {n: t for n, t in _sources(folder).items() if n in held}
    sources[generation] = source_token(identity) if identity else ""
    lines = "".join(f"{n} {t}\n" for n, t in sorted(sources.items()))
    _write_whole(folder / SOURCE, lines.encode("ascii"))


#: a dump's name: its day and the generation it was made from
DUMP_NAME = re.compile(r"^coworkmed-(\d{4}-\d{2}-\d{2})-g(\d+)\.")


def dump_generation(name: str) -> int:
    """The store generation a dump was made from (0 for a name without one)."""
    named = DUMP_NAME.match(name)
    return int(named.group(2)) if named else 0


def dump_day(name: str) -> str:
    """The day a dump was written (ISO 8601), or "" for a name without one."""
    named = DUMP_NAME.match(name)
    return named.group(1) if named else ""


def _age(path: Path) -> tuple[str, int, str]:
    """Order dumps by day, then generation (g10 after g9), then name (a rebuilt store starts
    its generations again: its dumps are still the newest)."""
    return (dump_day(path.name), dump_generation(path.name), path.name)


def _generations(dumps: list[Dump]) -> list[int]:
    """The generations of ``dumps`` (newest first), each once, in that order."""
    return list(dict.fromkeys(dump_generation(d.name) for d in dumps))


def list_dumps(folder: Path) -> list[Dump]:
    """The dumps of a folder, newest first, with their checksums from SHA256SUMS."""
    sums = {}
    if (folder / CHECKSUMS).is_file():
        for line in (folder / CHECKSUMS).read_text(encoding="ascii").splitlines():
            digest, _, name = line.partition("  ")
            sums[name] = digest
    dumps = []
    for path in sorted(folder.glob("coworkmed-*.gz"), key=_age, reverse=True):
        kind = _kind_of(path.name)
        if kind and path.name in sums and path.is_file():
            dumps.append(Dump(path.name, kind, path.stat().st_size, sums[path.name]))
    return dumps


@dataclass(frozen=True)
class Served:
    """The one set of dumps the server lists and describes: those of the store's current
    ``generation`` when they are written (``current``), else, while they are being written,
    the newest complete set (``dumps``, of generation ``of``, written on ``day``)."""

    dumps: list[Dump]
    of: int
    day: str
    generation: int

    @property
    def current(self) -> bool:
        return bool(self.dumps) and self.of == self.generation


def served_dumps(folder: Path, generation: int, store: str | None = None) -> Served:
    """The dumps to list for a store at ``generation``: that generation's complete set (one
    dump of each kind) if there is one, else the newest complete set (an older generation's,
    while the current one's are being written); none if there is no complete set. ``store``:
    the served store's ``identity``: the dumps of its generation made from another snapshot
    are not its (``SOURCE``: they were listed as its own and never written again)."""
    sets: dict[int, dict[str, Dump]] = {}
    for dump_ in list_dumps(folder):  # newest first: the newest day of a generation wins
        sets.setdefault(dump_generation(dump_.name), {}).setdefault(dump_.kind, dump_)
    complete = [of for of, kinds in sets.items() if set(kinds) == set(KINDS) and of]
    if store is not None:
        # none of a generation the store has not reached (another store's, at a place now
        # holding a store with fewer publishes: stranger 45), nor of its own number made from
        # another snapshot
        complete = [of for of in complete if of <= generation]
        made_from = _sources(folder).get(generation)
        if made_from is not None and made_from != source_token(store):
            complete = [of for of in complete if of != generation]
    of = generation if generation in complete else next(iter(complete), 0)  # newest first
    if not of:
        return Served([], 0, "", generation)
    dumps = [sets[of][kind] for kind in KINDS]
    return Served(dumps, of, max(dump_day(d.name) for d in dumps), generation)


def _folder() -> Path:
    return Path(current_app.config["COWORKMED"]["dumps"])


def served() -> Served:
    """The dumps the app lists and describes now (``served_dumps`` at the store's generation);
    when they are not the current generation's, the app's exporter is woken (if it has one)."""
    listed = served_dumps(_folder(), generation(), store_location().identity())
    exporter = current_app.extensions.get(EXPORTER)
    if not listed.current and exporter is not None:
        exporter.wake()
    return listed


def dumps_state(listed: Served, lang: str) -> str:
    """What the page says of the dumps listed: their generation and day, and, while the
    current generation's are being written, that these are the previous ones."""
    if not listed.dumps:
        return ""
    words = view_words(lang)
    said = words["dumps_generation"].format(of=listed.of, day=local_date(listed.day, lang))
    if listed.current:
        return said
    return f"{said} {words['dumps_behind'].format(generation=listed.generation)}"


#: dump kind -> the format's name for readers
FORMAT_NAMES = {"nquads": "N-Quads (gzip)", "turtle": "Turtle (gzip)"}


def dump_rows(dumps: list[Dump], lang: str) -> list[dict[str, str]]:
    """The dumps for the page: link, format, size (kB, MB) and date in ``lang``, checksum."""
    rows = []
    for dump_ in dumps:
        day = DUMP_NAME.match(dump_.name)
        rows.append(
            {
                "name": dump_.name,
                "url": url_for("dumps.dump", name=dump_.name),
                "format": FORMAT_NAMES[dump_.kind],
                "size": human_size(dump_.size, lang),
                "date": local_date(day.group(1), lang) if day else "",
                "sha256": dump_.sha256,
            }
        )
    return rows


def rights(described: list[ox.Triple]) -> tuple[str, list[str]]:
    """The licence of the dumps (the combined database) and every dataset's attribution."""
    made = whole_rights(ox.NamedNode("urn:x-dumps"), described)
    licence = next((_text(t.object) for t in made if t.predicate.value.endswith("license")), "")
    return licence, [_text(t.object) for t in made if t.predicate.value.endswith("Name")]


@blueprint.get("/dumps/")
def dumps_index() -> Response:
    lang = reader_language()
    try:
        listed = served()
        licence, attributions = rights(source_descriptions())
    except QueryError as problem:
        return error(problem.status, problem.message)
    body = render_template(
        "dumps.html",
        lang=lang,
        words=view_words(lang),
        rows=dump_rows(listed.dumps, lang),
        state=dumps_state(listed, lang),
        checksums=url_for("dumps.dump", name=CHECKSUMS),
        licence=licence,
        share_alike=is_share_alike(licence),
        attributions=attributions,
    )
    return read_headers(Response(body, mimetype="text/html"))


#: the stable name of the newest dump of each kind (a redirect to it): ``latest.nq.gz``...
LATEST = {f"latest{suffix}": kind for kind, (suffix, _media) in KINDS.items()}


@blueprint.get("/dumps/<name>")
def dump(name: str) -> BaseResponse:
    """A dump or the checksums: conditional, with HTTP Range (a broken download resumes). A
    dump's tag is its SHA-256, strong: its bytes never change under its name, so a resume by
    tag (If-Range) holds, and the tag is the same whatever the request's language or the
    store's generation since (stranger 92: a weak tag of the generation, which If-Range never
    matches, and which changed at every write). ``latest.nq.gz`` and ``latest.ttl.gz`` lead to
    the newest dump of their kind; a dump removed since (``dumps_keep``) is gone (410), and
    says which one replaced it: harvesters keep the URLs of the catalogue (DCAT, VoID)."""
    folder = _folder()
    if name in LATEST:
        return _newest(served(), LATEST[name], f"the newest {FORMAT_NAMES[LATEST[name]]} dump")
    listed = {d.name: d for d in list_dumps(folder)}
    max_age = current_app.config["COWORKMED"]["cache_max_age"]
    if name == CHECKSUMS and (folder / name).is_file():
        answer = file_answer((folder / name).resolve(), "text/plain", max_age)
    elif name in listed:
        path, sha256 = (folder / name).resolve(), listed[name].sha256
        answer = file_answer(path, "application/gzip", max_age, tag=sha256)
    else:
        return _not_listed(name)
    expose(answer)  # a page on another origin may read its tag and Content-Range
    return answer


def _not_listed(name: str) -> BaseResponse:
    """The answer for a name no dump listed has: 410 for a dump of an older generation (a
    harvester's kept URL), leading to the newest of its kind; else 404, which no cache keeps
    (it may be a dump being written, listed once whole)."""
    newest = replacing(name)
    if newest is not None:
        what = f"{name} is not served (the dumps of older generations are removed: dumps_keep)"
        return _led_to(newest, f"{what}; the newest of its kind", 410)
    answer = error(404, f"no dump is named {name}")
    answer.headers["Cache-Control"] = "no-cache"
    return answer


def replacing(name: str) -> str | None:
    """The name of the newest dump of ``name``'s kind when ``name`` is a dump of an older
    generation (``_removed``), else None: its distribution IRI in an older catalogue is gone
    (410) as its file is (stranger 94, F7: the file was 410, the IRI 404)."""
    kind = _kind_of(name)
    if kind is None:
        return None
    now = served()
    newest = _newest_of(now, kind) if _removed(name, now) else None
    return None if newest is None else newest.name


def _removed(name: str, listed: Served) -> bool:
    """Whether ``name`` may be a dump this server listed and removed since: one of a real day
    and of a generation older than the dumps ``listed`` now (stranger 94: a name of a day that
    is not, of a generation to come, or of the one being written, was said removed, 410)."""
    named = DUMP_NAME.match(name)
    if named is None:
        return False
    try:
        day = dt.date.fromisoformat(named.group(1))
    except ValueError:
        return False
    return bool(listed.dumps) and dump_generation(name) < listed.of and day <= dt.date.today()


def _kind_of(name: str) -> str | None:
    """The kind of dump ``name`` names by its suffix, if any."""
    return next((kind for kind, (suffix, _m) in KINDS.items() if name.endswith(suffix)), None)


def _newest(listed: Served, kind: str, what: str, status: int = 302) -> BaseResponse:
    """The way to the newest dump of ``kind`` among those ``listed``: a redirect (302: it
    changes with the next generation's dumps), or ``status`` (410 for a dump removed) that
    links to it (``Link: rel="latest-version"``, RFC 5829); 404 while there is none."""
    newest = _newest_of(listed, kind)
    if newest is None:
        abort(404)
    return _led_to(newest.name, what, status)


def _newest_of(listed: Served, kind: str) -> Dump | None:
    """The newest dump of ``kind`` among those ``listed`` (they come newest first)."""
    return next((d for d in listed.dumps if d.kind == kind), None)


def _led_to(newest: str, what: str, status: int) -> BaseResponse:
    """The way to the dump ``newest``: a redirect (302), or ``status`` (410) that links to it
    (``Link: rel="latest-version"``)."""
    url = url_for("dumps.dump", name=newest)
    if status == 302:
        return redirect(url, 302)
    answer = error(status, f"{what} is {external_url('dumps.dump', name=newest)}")
    answer.headers["Link"] = f'<{url}>; rel="latest-version"'
    return answer


# ------------------------------------------------------------------------------ DCAT


SOURCES = f"""CONSTRUCT {{
  ?d a <{DCAT}Dataset> ; <{DCTERMS}title> ?title ; <{DCTERMS}description> ?description ;
     <{DCTERMS}publisher> ?publisher ; <{DCTERMS}license> ?licence ;
     <{DCTERMS}modified> ?modified ; <{DCAT}hasCurrentVersion> ?v ;
     <{DCTERMS}rightsHolder> ?holder ; <{CC}attributionName> ?attribution ;
     <{DCTERMS}source> ?origin ; <{DCAT}distribution> ?original ; <{DCTERMS}spatial> ?area .
  ?publisher a <{FOAF}Agent> ; <{FOAF}name> ?publisherName .
  ?holder a <{FOAF}Agent> ; <{FOAF}name> ?holderName .
  ?original a <{DCAT}Distribution> ; <{DCTERMS}title> ?fileName ; <{DCAT}accessURL> ?origin ;
     <{DCTERMS}license> ?licence ; <{SPDX}checksum> ?checksum .
  ?checksum a <{SPDX}Checksum> ; <{SPDX}algorithm> ?algorithm ; <{SPDX}checksumValue> ?sha256 .
}} WHERE {{
  {{ ?d <{DCAT}hasCurrentVersion> ?v . }}
  UNION
  {{ ?d a <{DCAT}Dataset> ; <{CC}attributionName> ?given . }}
  OPTIONAL {{ ?d <{DCTERMS}title> ?title }}
  OPTIONAL {{ ?d <{DCTERMS}description> ?description }}
  OPTIONAL {{ ?d <{DCTERMS}modified> ?modified }}
  OPTIONAL {{ ?d <{DCTERMS}publisher> ?publisher .
             OPTIONAL {{ ?publisher <https://schema.org/name> ?schemaName }}
             OPTIONAL {{ ?publisher <{FOAF}name> ?foafName }}
             BIND (COALESCE(?schemaName, ?foafName) AS ?publisherName) }}
  OPTIONAL {{ ?d <{DCTERMS}license> ?licence }}
  OPTIONAL {{ ?d <{DCTERMS}rightsHolder> ?holder . ?holder <{FOAF}name> ?holderName }}
  OPTIONAL {{ ?d <{CC}attributionName> ?stated }}
  # a source the catalogue table does not describe (a partner's) is credited to its publisher,
  # as the observatory credits it (observatory/attribution.rq): stranger 85
  BIND (COALESCE(?stated, ?publisherName) AS ?attribution)
  OPTIONAL {{ ?d <{DCTERMS}spatial> ?area }}
  OPTIONAL {{
    ?d <{DCTERMS}source> ?origin ; <{DCAT}distribution> ?original .
    ?original <{DCTERMS}title> ?fileName ; <{SPDX}checksum> ?checksum .
    ?checksum <{SPDX}algorithm> ?algorithm ; <{SPDX}checksumValue> ?sha256 .
  }}
}}"""
#: the templates of the catalogue (``catalog*.ttl``)
TEMPLATES = Path(__file__).parent / "templates"


def source_descriptions() -> list[ox.Triple]:
    """What the store says of its datasets (``SOURCES``): each partner source and the territory
    reference, with licence and attribution."""
    sources = run(QueryRequest(SOURCES, {"graph": "ntriples"}, max_rows=1_000_000)).body
    return [quad.triple for quad in ox.parse(sources, format=ox.RdfFormat.N_TRIPLES)]


def _text(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    return "" if isinstance(term, ox.Triple) else term.value


def whole_rights(node: ox.NamedNode, described: list[ox.Triple]) -> list[ox.Triple]:
    """The licence and attributions of the combined database ``node`` (the whole graph, a dump,
    the VoID dataset) from its datasets' ``described`` ones: the licence that governs the
    combination (``publishing.catalogue.combined_licence``: ODbL as soon as one source is ODbL)
    and every dataset's attribution, which the combination keeps owing."""
    licences = {_text(t.object) for t in described if t.predicate.value == DCTERMS + "license"}
    attributions = sorted(
        {_text(t.object) for t in described if t.predicate.value == CC + "attributionName"}
    )
    made = [
        ox.Triple(node, ox.NamedNode(CC + "attributionName"), ox.Literal(text))
        for text in attributions
    ]
    if (licence := combined_licence(licences)) is not None:
        made.append(ox.Triple(node, ox.NamedNode(DCTERMS + "license"), ox.NamedNode(licence)))
    return made


def catalogue(base: str, endpoint: str, exported: Served, dump_url: str) -> list[ox.Triple]:
    """The DCAT catalogue (DCAT-AP 3, checked against shapes/dcat-ap.ttl, written in
    ``templates/catalog*.ttl``): one dataset per partner source (from the store) and the whole
    graph, each with a distribution through the SPARQL endpoint; the dumps as distributions of
    the whole graph, each with the day it was written (``dcterms:modified``) and the store
    generation it holds (``owl:versionInfo``); the endpoint as a data service."""
    triples = source_descriptions()
    terms = {
        "catalog": ox.NamedNode(f"{base}catalog"),
        "whole": ox.NamedNode(f"{base}dataset"),
        "service": ox.NamedNode(f"{base}service/sparql"),
        "network": ox.NamedNode(f"{base}agency/coworkmed"),
        "endpoint": ox.NamedNode(endpoint),
    }
    made = fill(TEMPLATES / "catalog.ttl", **terms)
    kind = (ox.NamedNode(RDF_TYPE), ox.NamedNode(DCAT + "Dataset"))
    described = {t.subject for t in triples if t.predicate.value == DCTERMS + "description"}
    listed = sorted(
        {
            t.subject
            for t in triples
            if (t.predicate, t.object) == kind and isinstance(t.subject, ox.NamedNode)
        },
        key=str,
    )
    for dataset in [*listed, terms["whole"]]:
        distribution = ox.NamedNode(f"{dataset.value}/sparql")
        made += fill(
            TEMPLATES / "catalog-dataset.ttl", **terms, dataset=dataset, distribution=distribution
        )
        if dataset not in described and dataset != terms["whole"]:
            made += fill(TEMPLATES / "catalog-description.ttl", dataset=dataset)
    made += whole_rights(terms["whole"], triples)
    for dump_ in exported.dumps:
        made += whole_rights(ox.NamedNode(f"{base}dump/{dump_.name}"), triples)
        made += fill(
            TEMPLATES / "catalog-dump.ttl",
            whole=terms["whole"],
            distribution=ox.NamedNode(f"{base}dump/{dump_.name}"),
            url=ox.NamedNode(dump_url + dump_.name),
            mediaType=ox.NamedNode(IANA_MEDIA_TYPES + KINDS[dump_.kind][1]),
            byteSize=ox.Literal(str(dump_.size), datatype=ox.NamedNode(XSD + "nonNegativeInteger")),
            sha256=ox.Literal(dump_.sha256, datatype=ox.NamedNode(XSD + "hexBinary")),
            modified=ox.Literal(exported.day, datatype=ox.NamedNode(XSD + "date")),
            version=ox.Literal(f"g{exported.of}"),
            note=ox.Literal(
                f"The published graph at store generation {exported.of}, "
                f"exported on {exported.day}.",
                language="en",
            ),
        )
    return triples + made


#: prefixes of the Turtle descriptions (VoID, DCAT)
DESCRIPTION_PREFIXES = {
    "cc": CC,
    "dcat": DCAT,
    "dcterms": DCTERMS,
    "spdx": SPDX,
    "void": VOID,
    "xsd": XSD,
    "foaf": FOAF,
}


def catalogue_triples() -> list[ox.Triple]:
    """The catalogue this app serves at ``/catalog``."""
    return catalogue(
        current_app.config["COWORKMED"]["base"],
        external_url("sparql.sparql"),
        served(),
        external_url("dumps.dumps_index"),
    )


@blueprint.get("/catalog")
def catalog() -> Response:
    """The DCAT catalogue: RDF for RDF clients, a page for browsers (``?format=html``)."""
    if not wants_page():
        return rdf_answer("the catalogue", catalogue_triples, DESCRIPTION_PREFIXES)
    lang = reader_language()
    try:
        listed = served()
        datasets = catalogue_view(catalogue_triples(), lang)
        licence, attributions = rights(source_descriptions())
    except QueryError as problem:
        return error(problem.status, problem.message)
    body = render_template(
        "catalog.html",
        lang=lang,
        words=view_words(lang),
        datasets=datasets,
        dumps=dump_rows(listed.dumps, lang),
        dumps_state=dumps_state(listed, lang),
        data_links=data_links(lang),
        licence=licence,
        licence_names=licence_names(lang),  # "CC BY 4.0", not its IRI (stranger 90)
        attributions=attributions,
    )
    return read_headers(Response(body, mimetype="text/html"))
