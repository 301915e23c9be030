"""Shared fixtures: the vocabulary is read once per session, and a store is built once from
the shipped samples for the tests that need published data."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Graph

from core import vocabulary
from coworkmed import quality, virtuoso
from coworkmed.cli import main
from loaders.load import mapping_files
from publishing.build import load_source, publish_vocabulary
from tests.backends import (
    BACKENDS,
    Published,
    VirtuosoSamples,
    empty_virtuoso_store,
    oxigraph_published,
    writable_copy,
)
from tests.real import DefaultBuild
from triplestore.versions import open_store

# the suites write far more often than a client may (write_rate); the rate tests set their own
os.environ.setdefault("COWORKMED_WRITE_RATE", "0")
# the suites' apps write no dumps in the background (dumps_refresh); the dumps tests set their own
os.environ.setdefault("COWORKMED_DUMPS_REFRESH", "0")

ROOT = Path(__file__).parents[1]
BASE = "https://w3id.org/coworkmed/id/"
#: beside the checkout: the W3C test manifests and the real partner files (not in the repository)
SHARED = ROOT.parent / "shared"
#: in CI (or with COWORKMED_REQUIRE_SHARED, which .ci/run sets) a test that needs ../shared fails
#: without it instead of being skipped
REQUIRE_SHARED = bool(os.environ.get("CI") or os.environ.get("COWORKMED_REQUIRE_SHARED"))
#: markers that put a test in the full suite only (`make test-all`), out of the fast tier
SLOW_KINDS = ("virtuoso", "browser", "shared")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tiers: a test run on the Virtuoso backend is marked ``virtuoso`` (and grouped on one xdist
    worker, which alone starts a Virtuoso server); ``virtuoso``, ``browser`` and ``shared`` tests
    are ``slow`` too, so that ``-m "not slow"`` is the fast tier."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_virtuoso = callspec is not None and "virtuoso" in callspec.params.values()
        if on_virtuoso or "virtuoso_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.virtuoso)
            item.add_marker(pytest.mark.xdist_group("virtuoso"))
        if any(item.get_closest_marker(kind) for kind in SLOW_KINDS):
            item.add_marker(pytest.mark.slow)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked ``shared(path)`` needs ``path`` under ../shared: skipped without it, or
    failed where it is required (CI)."""
    for marker in item.iter_markers("shared"):
        path = SHARED / marker.args[0]
        if path.exists():
            continue
        if REQUIRE_SHARED:
            pytest.fail(f"{path} is required here (CI): ../shared must be beside the checkout")
        pytest.skip(f"{path} is not beside this checkout")


@pytest.fixture(scope="session")
def shapes() -> Graph:
    return vocabulary.shapes_graph()


@pytest.fixture(scope="session")
def vocabulary_store() -> ox.Store:
    return quality.vocabulary_store()


@pytest.fixture(scope="session")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the vocabulary and the five samples of data/ (copy it before writing)."""
    path = tmp_path_factory.mktemp("store")
    store = open_store(path)
    publish_vocabulary(store)
    for mapping in mapping_files(ROOT / "examples" / "partners"):
        load_source(mapping, store, BASE, path)
    del store
    return path


@pytest.fixture(scope="session")
def virtuoso_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[virtuoso.Virtuoso]:
    """A Virtuoso server of the tests' own on loopback (skipped where Virtuoso is not installed,
    unless COWORKMED_REQUIRE_VIRTUOSO is set, as in CI). Its time limit is generous: a write the
    store stops at its limit on a loaded machine fails the test that made it (the tests of the
    store's limit run on a server of their own, ``test_external_store.short_limit_store``)."""
    if not virtuoso.available():
        if os.environ.get("COWORKMED_REQUIRE_VIRTUOSO"):
            pytest.fail("Virtuoso is required here: apt-get install virtuoso-opensource")
        pytest.skip("Virtuoso is not installed (Debian package virtuoso-opensource)")
    item = request._pyfuncitem  # the test that asked for the server first
    if "PYTEST_XDIST_WORKER" in os.environ and not any(
        mark.args == ("virtuoso",) for mark in item.iter_markers("xdist_group")
    ):
        pytest.fail(
            f"{item.nodeid} starts a Virtuoso server but is not in the virtuoso xdist group: "
            "mark it so that one worker alone runs a server (pytest_collection_modifyitems)"
        )
    folder = tmp_path_factory.mktemp("virtuoso")
    with virtuoso.running_virtuoso(folder, memory_mb=512, max_query_seconds=60) as server:
        yield server


@pytest.fixture(scope="session")
def virtuoso_samples(virtuoso_server: virtuoso.Virtuoso) -> VirtuosoSamples:
    return VirtuosoSamples(virtuoso_server)


@pytest.fixture(scope="session", params=BACKENDS)
def published(request: pytest.FixtureRequest, store_path: Path) -> Published:
    """The samples published on each backend in turn (read only: see ``writable``)."""
    if request.param == "oxigraph":
        return oxigraph_published(store_path)
    return request.getfixturevalue("virtuoso_samples").published


def _samples(request: pytest.FixtureRequest, published: Published) -> VirtuosoSamples | None:
    if published.backend == "oxigraph":
        return None
    return request.getfixturevalue("virtuoso_samples")


@pytest.fixture
def writable(
    request: pytest.FixtureRequest, published: Published, tmp_path: Path
) -> Iterator[Published]:
    """The samples on the backend of ``published``, for one test to change."""
    with writable_copy(published, tmp_path, _samples(request, published)) as store:
        yield store


@pytest.fixture(scope="module")
def writable_module(
    request: pytest.FixtureRequest,
    published: Published,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Published]:
    """The samples on the backend of ``published``, for one module's tests to change."""
    folder = tmp_path_factory.mktemp("writable")
    with writable_copy(published, folder, _samples(request, published)) as store:
        yield store


@pytest.fixture(params=BACKENDS)
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Published]:
    """An empty store on each backend in turn."""
    if request.param == "oxigraph":
        yield oxigraph_published(tmp_path / "store")
        return
    with empty_virtuoso_store(request.getfixturevalue("virtuoso_server")) as store:
        yield store


@pytest.fixture(scope="session")
def default_build(tmp_path_factory: pytest.TempPathFactory) -> DefaultBuild:
    """The default build, made once for the whole run: the xdist workers share it (the first
    to ask builds it under a lock, the others wait and read it). Read it only: a test that
    writes takes a copy (``writable_copy``)."""
    shared = tmp_path_factory.getbasetemp()
    if "PYTEST_XDIST_WORKER" in os.environ:
        shared = shared.parent  # one folder above every worker's own
    where = shared / "default-build"
    where.mkdir(exist_ok=True)
    built = DefaultBuild(where / "store", where / "dumps", where / "vocabulary", "")
    with (where / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        printed = where / "build-output.txt"
        if not printed.exists():
            runner = CliRunner()
            outputs = []
            for command in (
                ["build", "--data", str(ROOT / "data"), "--store", str(built.store)],
                ["export", "--store", str(built.store), "--output", str(built.dumps)],
                ["vocab", "docs", "--output", str(built.docs)],
            ):
                result = runner.invoke(main, command)
                assert result.exit_code == 0, result.output[-2000:]
                outputs.append(result.output)
            printed.write_text(outputs[0], encoding="utf-8")
    return DefaultBuild(built.store, built.dumps, built.docs, printed.read_text(encoding="utf-8"))
