"""The embedded Oxigraph store in a directory (the default backend).

The directory holds ``primary/`` (the read-write database, opened by one process at a time:
loads and publishing) and ``snapshots/<generation>/``, read-only checkpoints taken after each
publish (hard links, about a millisecond), with ``current`` naming the latest. Query processes
open the current snapshot: Oxigraph forbids reading a database that another process writes, but
a checkpoint is never written, so readers and the writer never share a database.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import shutil
import stat
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import pyoxigraph as ox

from core.locks import held
from core.problems import LoadError, StoreBusy, StoreLocked
from core.rdf_bytes import as_stored, to_bytes
from core.sparql_text import total_order
from core.workers import alive
from triplestore.backends import GraphName

#: how many snapshots are kept (readers move to the newest one at their next query)
KEEP_SNAPSHOTS = 3
#: the file that says the primary database was opened to be written and no snapshot has
#: published it since: a process killed between a commit and its snapshot leaves it, and the
#: next process that opens the store for serving publishes what was committed (``recover``)
PENDING = "pending"
#: what the engine says when another process (or this one) holds the primary database's lock
LOCKED = ("While lock file:", "lock hold by current process")
LOG = logging.getLogger(__name__)
#: the store's log of publications: one line per generation, its number and when it was
#: published (``time.time``), so that any process can tell since when a generation has been
#: replaced (``OxigraphLocation.replaced_at``: how old an answer of it given now is)
PUBLISHED_LOG = "published.log"
#: the lines the log keeps (``_note_published``)
PUBLISHED_KEPT = 1024
#: the bytes of the log read at most, its end (its lines are about 20 bytes: twice
#: ``PUBLISHED_KEPT`` of them fit; a log grown otherwise is not read whole, stranger 72)
PUBLISHED_READ = 128 * 1024
#: how often a writer asks again for a store another process holds for writing (``writer``)
LOCK_POLL = 0.2
#: the folder of the holds on snapshots (``OxigraphLocation.hold``): one empty file per hold,
#: ``<generation>.<pid>.<token>``; a snapshot a live process holds is not pruned
HOLDS = "holds"
#: the lock file pruning and holding take in turn: a snapshot is never pruned between a
#: hold's look at it and its file
HOLDS_LOCK = "holds.lock"
#: the file naming the current snapshot: its generation, then a token drawn when it was taken
#: (``identity``: a store removed and built again at the same place counts its generations from
#: 1 again, and a store put back from a copy may repeat numbers, each with other data; a token
#: names one snapshot's data wherever its number reappears: stranger 44)
CURRENT = "current"


#: what a store's folder holds (a folder holding other things and none of these is no store)
STORE_ENTRIES = frozenset(
    {CURRENT, PENDING, PUBLISHED_LOG, HOLDS, HOLDS_LOCK, "primary", "snapshots"}
)


def not_a_store(path: Path) -> str | None:
    """Why the folder ``path`` cannot be a store, or None (a store, or nothing there yet, or an
    empty folder): a file, or a folder of other files (stranger 74: a file named as the store
    was said to have "nothing published yet", and a store would be made among the files of a
    folder named by mistake)."""
    if path.is_symlink() and not path.exists():  # it led to a lock said busy (stranger 76)
        return "is a link that leads nowhere, or to itself"
    if not path.exists():
        return None
    if not path.is_dir():
        return "is not a folder: a store is a folder"
    entries = {entry.name for entry in path.iterdir()}
    if entries and not entries & STORE_ENTRIES:
        return "holds other files and no store: name a store's folder, or a new or empty one"
    return None


T = TypeVar("T")


def _in_total_order(run: Callable[[str], T], sparql: str) -> T:
    """``run`` of ``sparql`` with its ORDER BY in a total order (``core.sparql_text.total_order``:
    an update's sub-queries sort too, and a sort of numbers beside strings in one aborted its
    worker as a query's did); an operation that cannot be read is read again as it was written,
    so that its error points into the client's text."""
    ordered = total_order(sparql)
    try:
        return run(ordered)
    except SyntaxError:
        if ordered == sparql:
            raise
    return run(sparql)


class OxigraphStore:
    """A pyoxigraph ``Store`` behind the ``TripleStore`` interface (``raw`` is the store)."""

    def __init__(self, raw: ox.Store, marker: Path | None = None) -> None:
        """``marker``: the primary database's ``PENDING`` file, written before every change
        (None: a read-only snapshot)."""
        self.raw = raw
        self.marker = marker
        self._graphs: frozenset[GraphName] | None = None  # a snapshot's, once asked

    def _every_graph(self) -> frozenset[GraphName]:
        """The store's default graph and all its named graphs (kept for a read-only snapshot,
        which never changes)."""
        if self._graphs is not None:
            return self._graphs
        named: list[GraphName] = [*self.named_graphs()]
        graphs = frozenset([ox.DefaultGraph(), *named])
        if self.marker is None:
            self._graphs = graphs
        return graphs

    def _changing(self) -> None:
        """Mark the store as holding a change that no snapshot has published yet."""
        if self.marker is not None and not self.marker.exists():
            self.marker.write_text(str(os.getpid()), encoding="ascii")

    def close(self) -> None:
        """Let the database go (closed once no one else holds it)."""
        del self.raw

    def query(
        self,
        sparql: str,
        *,
        base_iri: str | None = None,
        default_graph: list[GraphName] | None = None,
        named_graphs: list[ox.NamedNode] | None = None,
        empty: list[ox.NamedNode] | None = None,
    ) -> Any:
        """pyoxigraph's ``Store.query`` (``empty`` is not read: a snapshot holds no graph apart
        from what it publishes, and a graph it does not hold is empty). A default graph that
        is the union of every graph of the store is asked as Oxigraph's union default graph:
        one index lookup per triple pattern instead of one per graph (several times faster on
        joins); the same solutions. (Readers of a snapshot query the merge
        ``triplestore.merge`` keeps, faster still and right: the union gives a SELECT row per
        graph holding a triple.)"""
        every = (
            self._every_graph() if default_graph is not None or named_graphs is not None else None
        )
        dataset: dict[str, Any] = {
            # new lists: pyoxigraph types its lists with blank nodes too (and lists are invariant)
            "default_graph": None if default_graph is None else [*default_graph],
            "named_graphs": None if named_graphs is None else [*named_graphs],
        }
        if every is not None and default_graph is not None and set(default_graph) == every:
            if named_graphs is None or set(named_graphs) == every - {ox.DefaultGraph()}:
                dataset = {"use_default_graph_as_union": True}
        return _in_total_order(
            lambda text: self.raw.query(text, base_iri=base_iri, **dataset), sparql
        )

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        self._changing()
        _in_total_order(lambda text: self.raw.update(text, base_iri=base_iri), sparql)

    def apply(self, sparql: str, graphs: list[str]) -> None:
        self._changing()
        _in_total_order(self.raw.update, sparql)

    def bulk_load(self, ntriples: bytes, graph: ox.NamedNode) -> None:
        self._changing()
        self.raw.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)

    def replace_graph(self, graph: ox.NamedNode | None, ntriples: bytes) -> None:
        """One transaction that leaves ``graph`` holding the triples of ``ntriples``: only
        the triples that differ are removed and added (none when the graph holds them
        already: no change at all). Replaced whole, the links of a one-triple write at 20,000
        spaces, 80,000 triples dropped and inserted again as one update's text, took 9 of
        its 18 s and most of its worker's 540 MB. Replaced whole also when blank nodes are
        in either (a blank node of the text is a new one: no triple holding one is the
        same), or the graph is not there yet."""
        name = ox.DefaultGraph() if graph is None else graph
        if graph is not None and not self.raw.contains_named_graph(graph):
            self._insert(graph, ntriples, replace=True)
            return
        new = as_stored(q.triple for q in ox.parse(ntriples, ox.RdfFormat.N_TRIPLES))
        old = {quad.triple for quad in self.raw.quads_for_pattern(None, None, None, name)}
        if any(_blank(triple) for triple in new | old):
            self._insert(graph, ntriples, replace=True)
            return
        gone, added = old - new, new - old
        if not gone and not added:
            return
        self._changing()
        self.raw.update(
            " ; ".join(
                f"{verb} DATA {{ {_in_graph(graph, triples)} }}"
                for verb, triples in (("DELETE", gone), ("INSERT", added))
                if triples
            )
        )

    def add_triples(self, graph: ox.NamedNode | None, ntriples: bytes) -> None:
        """Add the triples of ``ntriples`` to ``graph`` (created): no change at all when it
        holds each of them already, however its values are written (``as_stored``; a triple
        with a blank node is always a new one)."""
        name = ox.DefaultGraph() if graph is None else graph
        if graph is None or self.raw.contains_named_graph(graph):
            new = as_stored(q.triple for q in ox.parse(ntriples, ox.RdfFormat.N_TRIPLES))
            if not any(_blank(t) for t in new) and all(
                ox.Quad(t.subject, t.predicate, t.object, name) in self.raw for t in new
            ):
                return
        self._insert(graph, ntriples, replace=False)

    def _insert(self, graph: ox.NamedNode | None, ntriples: bytes, replace: bool) -> None:
        """One transaction: ``graph`` emptied first if ``replace``, created, given the triples."""
        data = ntriples.decode("utf-8")
        if graph is None:
            drop, insert = "DROP SILENT DEFAULT ;", f"INSERT DATA {{ {data} }}"
        else:
            name = f"<{graph.value}>"
            drop = f"DROP SILENT GRAPH {name} ;"
            insert = f"CREATE SILENT GRAPH {name} ; INSERT DATA {{ GRAPH {name} {{ {data} }} }}"
        self._changing()
        self.raw.update(f"{drop if replace else ''} {insert}")

    def named_graphs(self) -> list[ox.NamedNode]:
        return [g for g in self.raw.named_graphs() if isinstance(g, ox.NamedNode)]

    def contains_named_graph(self, graph: ox.NamedNode) -> bool:
        return self.raw.contains_named_graph(graph)

    def default_stand_in(self) -> str | None:
        """None: Oxigraph's default graph is a graph of its own."""
        return None

    def merge_is_current(self) -> bool:
        """True for a snapshot, and for the primary database when no change was made since its
        last snapshot (the ``PENDING`` mark)."""
        return self.marker is None or not self.marker.exists()

    def remove_graph(self, graph: ox.NamedNode) -> None:
        self._changing()
        self.raw.remove_graph(graph)

    def triples(self, graph: ox.NamedNode | None) -> Iterator[ox.Triple]:
        name = ox.DefaultGraph() if graph is None else graph
        return (quad.triple for quad in self.raw.quads_for_pattern(None, None, None, name))

    def foreign_graphs(self, graphs: Iterable[str]) -> list[str]:
        """None: every graph of the store is the service's (its hidden ones are protected)."""
        return []


def _in_graph(graph: ox.NamedNode | None, triples: set[ox.Triple]) -> str:
    """``triples`` as the inside of an INSERT DATA or DELETE DATA, in ``graph``."""
    data = to_bytes(triples, ox.RdfFormat.N_TRIPLES).decode("utf-8")
    return data if graph is None else f"GRAPH <{graph.value}> {{ {data} }}"


def _blank(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode)


def _remove_graphs(database: Path, graphs: Sequence[ox.NamedNode]) -> None:
    """Remove ``graphs`` from the database in ``database`` (a checkpoint no reader has opened
    yet), closed again when done."""
    copy = ox.Store(str(database))
    for graph in graphs:
        copy.remove_graph(graph)
    copy.flush()
    del copy


@dataclass(frozen=True)
class OxigraphLocation:
    """The store directory ``path`` (created when first written); ``lock_wait``: the seconds
    ``writer`` waits for another process that holds it for writing (``store_lock_wait``)."""

    path: Path
    lock_wait: float = field(default=0.0, compare=False)  # one store, however long one waits
    #: each commit keeps the published default graph as one graph (``triplestore.merge``)
    keeps_merge: ClassVar[bool] = True

    def describe(self) -> str:
        return str(self.path)

    def place(self) -> str:
        """Its folder as named (a link moved to another store is still the same place)."""
        return str(self.path)

    def identity(self) -> str:
        """Its folder, resolved (two spellings of one path are one store; a link moved to
        another store names that store), and the token of its current snapshot (``CURRENT``;
        none for a snapshot taken before there were tokens): what is kept per generation keys
        on it, as the generation's number alone may name other data at another time."""
        return self.state()[0]

    def state(self) -> tuple[str, int]:
        """``identity`` and ``generation``, from one read of ``CURRENT`` (a reader asks both at
        each query)."""
        number, token = self._current()
        return f"{self.path.resolve()}#{token}", number

    def _current(self) -> tuple[int, str]:
        """The current snapshot's generation (0 when nothing was ever published) and token."""
        try:
            number, _, token = (self.path / CURRENT).read_text(encoding="ascii").partition(" ")
        except (FileNotFoundError, NotADirectoryError):
            return 0, ""
        return int(number), token.strip()

    def generation(self) -> int:
        """The generation of the current snapshot (0 when nothing was ever published)."""
        return self._current()[0]

    def reader(self) -> tuple[int, OxigraphStore]:
        """The current snapshot, read-only, and its generation."""
        generation = self.generation()
        if generation == 0:
            raise LoadError(
                f"{self.path}: nothing has been published in this store yet (run coworkmed build)"
            )
        return generation, self.reader_at(generation)

    def reader_at(self, generation: int) -> OxigraphStore:
        """Snapshot ``generation``, read-only (LoadError when it was pruned or never taken)."""
        snapshot = self.path / "snapshots" / str(generation)
        if not snapshot.is_dir():
            raise LoadError(f"{self.path}: snapshot {generation} is no longer kept")
        try:
            return OxigraphStore(ox.Store.read_only(str(snapshot)))
        except OSError as error:
            raise LoadError(f"{self.path}: cannot open snapshot {generation} ({error})") from None

    @contextmanager
    def hold(self, generation: int) -> Iterator[bool]:
        """Keep snapshot ``generation`` from being pruned until the block ends, whatever is
        published meanwhile (a reader that asks several queries of it reads one generation
        throughout: ``endpoint.published.AT``); whether it is kept (False: pruned already,
        never taken, or a store this process cannot write its hold in, read from a read-only
        folder)."""
        snapshot = self.path / "snapshots" / str(generation)
        if not snapshot.is_dir():
            yield False
            return
        hold = self.path / HOLDS / f"{generation}.{os.getpid()}.{uuid.uuid4().hex}"
        try:
            with _pruning(self.path):
                kept = snapshot.is_dir()  # not pruned since the look above
                if kept:
                    hold.parent.mkdir(exist_ok=True)
                    hold.touch()
        except OSError:  # its readers read the current one at each query, as without holds
            kept = False
        try:
            yield kept
        finally:
            if kept:
                hold.unlink(missing_ok=True)

    def open(self) -> OxigraphStore:
        """The primary database, read-write, open until the store is closed or dropped (one
        process at a time)."""
        try:
            (self.path / "snapshots").mkdir(parents=True, exist_ok=True)
            raw = ox.Store(str(self.path / "primary"))
        except OSError as error:
            said = str(error)
            busy = StoreLocked if any(words in said for words in LOCKED) else StoreBusy
            raise busy(
                f"{self.path}: cannot open the store for writing, it is busy or out of reach "
                f"({error}); if another process is loading or publishing, try again when it is done"
            ) from None
        return OxigraphStore(raw, self.path / PENDING)

    def _opened_within(self, wait: float) -> OxigraphStore:
        """``open``, asked again while another process holds the store for writing, for at
        most ``wait`` seconds (every ``LOCK_POLL``)."""
        deadline = time.monotonic() + wait
        while True:
            try:
                return self.open()
            except StoreLocked:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise
                time.sleep(min(LOCK_POLL, left))

    def replaced_at(self, generation: int) -> float | None:
        """When ``generation`` was replaced (``time.time``): the publication of the first later
        one, as the store's log has it (``PUBLISHED_LOG``, written by every process that
        publishes here); None when it is current, or older than the log."""
        later = (
            when for number, when in _publications(self.path / PUBLISHED_LOG) if number > generation
        )
        return next(later, None)

    def published(self, generation: int) -> None:
        """Nothing to do: every process reads the current generation from the directory."""

    def marker(self) -> Path:
        """The ``current`` pointer, which each snapshot replaces (``os.replace``)."""
        return self.path / CURRENT

    def pending(self) -> bool:
        """Whether the primary database may hold a change no snapshot published (a writer was
        killed between its commit and its snapshot, or is writing now)."""
        return (self.path / PENDING).exists()

    def unmark(self) -> None:
        (self.path / PENDING).unlink(missing_ok=True)

    @contextmanager
    def writer(self) -> Iterator[OxigraphStore]:
        """The primary database, open for the duration of the block; while another process
        holds it for writing (StoreLocked: a load, a publish), asked again for ``lock_wait``
        seconds before StoreLocked (stranger 70: a Graph Store PUT refused at once, 503, while
        a command published for 2.5 s)."""
        store = self._opened_within(self.lock_wait)
        try:
            yield store
        finally:
            store.close()  # closes the database now, releasing its lock for other processes

    def snapshot(self, store: OxigraphStore, unpublished: Sequence[ox.NamedNode] = ()) -> int:
        """Checkpoint the primary database as the next generation, without the ``unpublished``
        graphs (replaced dataset versions, which the primary keeps), make it current, prune the
        snapshots older than the last ``KEEP_SNAPSHOTS``. A snapshot then holds what is published
        and the graphs of its merge (``triplestore.merge``), whose ``{base}published`` readers
        query as their default graph; a query's own FROM may name no replaced version."""
        generation = self.generation() + 1
        snapshots = self.path / "snapshots"
        store.raw.flush()
        target = snapshots / str(generation)
        if target.exists():  # left by a snapshot cut short (the process was killed): never current
            shutil.rmtree(target)
        store.raw.backup(str(target))
        if unpublished:
            _remove_graphs(target, unpublished)
        pointer = self.path / f"{CURRENT}.tmp"
        pointer.write_text(f"{generation} {uuid.uuid4().hex}", encoding="ascii")
        os.replace(pointer, self.path / CURRENT)
        published = time.time()
        (self.path / PENDING).unlink(missing_ok=True)
        with _pruning(self.path):
            _note_published(self.path / PUBLISHED_LOG, generation, published)
            held = _held(self.path / HOLDS)
            for old in snapshots.iterdir():
                if not old.name.isdigit():
                    continue
                if int(old.name) <= generation - KEEP_SNAPSHOTS and int(old.name) not in held:
                    shutil.rmtree(old)
        return generation


def _note_published(log: Path, generation: int, when: float) -> None:
    """Add ``generation``, published at ``when`` (``time.time``), to the store's log of
    publications (``PUBLISHED_LOG``; under ``_pruning``'s lock): a first generation (a store
    built again in its folder) starts it afresh, and it keeps its last ``PUBLISHED_KEPT`` lines
    once it has twice as many. The generation is published already: a log that cannot be
    written (not a file, a full disk) is said in the server's log, not the publication's
    failure (its answers then count as replaced when first asked for again)."""
    # to the millisecond below: rounded to the nearest, it could say a generation was replaced
    # after a time read once it was (CI: .803 for a publication before .8029902)
    line = f"{generation} {math.floor(when * 1000) / 1000:.3f}\n"
    try:
        # a link, a device or a folder in its place is replaced by the log (a link to
        # /dev/zero was read for ever, stranger 72)
        regular = not log.is_symlink() and log.is_file()
        if generation <= 1 or not regular:
            lines = [line]
        else:
            with log.open("ab") as handle:
                ended = handle.tell() == 0 or _tail(log, 1) == b"\n"
                # a line cut short (a full disk, an edit) is ended first, not merged with this
                handle.write((line if ended else f"\n{line}").encode("ascii"))
            lines = _tail(log, PUBLISHED_READ).decode("ascii", "replace").splitlines(True)
            if len(lines) <= 2 * PUBLISHED_KEPT:
                return
            lines = lines[-PUBLISHED_KEPT:]
        partial = log.with_name(f"{log.name}.tmp")
        partial.write_text("".join(lines), encoding="ascii", errors="replace")
        os.replace(partial, log)
    except OSError as error:
        LOG.warning(
            "%s: generation %d not noted in the log of publications: %s", log, generation, error
        )


def _tail(path: Path, most: int) -> bytes:
    """The last ``most`` bytes of the file at ``path`` (all of it when shorter)."""
    with path.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(0, size - most))
        return handle.read(most)


#: the stores whose logs are remembered at most (``_publications``)
PUBLICATIONS_READ = 64
#: the publications last read of each store's log: its path -> (its size and time, the times)
_PUBLICATIONS: dict[Path, tuple[tuple[int, int], list[tuple[int, float]]]] = {}


def _publications(log: Path) -> list[tuple[int, float]]:
    """The store's publications as its log (``PUBLISHED_LOG``) has them, oldest first: read
    again only when the file changed."""
    try:
        found = log.lstat()
        if not stat.S_ISREG(found.st_mode):  # a link, a device, a folder: no log of ours
            return []
        stamp = (found.st_size, found.st_mtime_ns)
        read = _PUBLICATIONS.get(log)
        if read is not None and read[0] == stamp:
            return read[1]
        text = _tail(log, PUBLISHED_READ).decode("ascii", "replace")
    except OSError:  # none, or a file that cannot be read: no times known
        return []
    times = []
    for line in text.splitlines():
        number, _, when = line.partition(" ")
        if number.isdigit():
            with contextlib.suppress(ValueError):
                times.append((int(number), float(when)))
    if len(_PUBLICATIONS) >= PUBLICATIONS_READ:
        _PUBLICATIONS.clear()  # stores read once (tests): read again when asked again
    _PUBLICATIONS[log] = (stamp, times)
    return times


def _pruning(path: Path) -> AbstractContextManager[None]:
    """The store's lock between pruning snapshots and holding one (``HOLDS_LOCK``)."""
    return held(path / HOLDS_LOCK)


def _held(holds: Path) -> set[int]:
    """The generations a live process holds (``OxigraphLocation.hold``); the holds of a process
    that is gone (killed in a run) are removed."""
    found: set[int] = set()
    for hold in holds.glob("*.*.*") if holds.is_dir() else ():
        generation, pid, _token = hold.name.split(".", 2)
        if generation.isdigit() and pid.isdigit() and alive(int(pid)):
            found.add(int(generation))
        else:
            hold.unlink(missing_ok=True)
    return found
