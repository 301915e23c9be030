"""A write waits a while for another process that holds the embedded store for writing
(``OxigraphLocation.lock_wait``, the ``store_lock_wait`` setting; lock-waits.yaml) rather than
being refused at once: stranger 70 saw 10 Graph Store PUTs refused (503) while a
``coworkmed publish`` beside the server held the store for 2.5 s."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml

from core.problems import StoreLocked
from core.settings import settings
from endpoint.app import create_app
from triplestore.backends import locate
from triplestore.backends.oxigraph import OxigraphLocation

CASES = yaml.safe_load((Path(__file__).parent / "lock-waits.yaml").read_text("utf-8"))
#: another process: opens the store's primary database for writing, says so, holds it
HOLDER = """
import sys, time
import pyoxigraph as ox
store = ox.Store(sys.argv[1])
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""
TOKEN = "lock-wait-token"
A_TERM = ox.NamedNode("urn:c")


@contextmanager
def held_by_another(path: Path, seconds: float) -> Iterator[None]:
    """The store at ``path`` held for writing by another process for ``seconds`` (from the
    moment it holds it), none when 0."""
    if not seconds:
        yield
        return
    (path / "snapshots").mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path / "primary"), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_a_writer_waits_for_another_process_that_holds_the_store(
    tmp_path: Path, case: dict[str, Any]
) -> None:
    location = OxigraphLocation(tmp_path / "store", lock_wait=case["wait"])
    with held_by_another(location.path, case["held"]):
        began = time.monotonic()
        try:
            with location.writer() as store:
                store.raw.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), A_TERM))
            got = "written"
        except StoreLocked:
            got = "locked"
        took = time.monotonic() - began
    assert got == case["got"]
    assert case.get("at_least", 0) <= took <= case["within"], took


def test_the_setting_reaches_the_store_the_server_and_the_commands_write() -> None:
    """``store_lock_wait`` (20 s unless set) is the wait of the store the settings name."""
    default = locate("/tmp/a-store", settings())
    assert isinstance(default, OxigraphLocation) and default.lock_wait == 20
    given = locate("/tmp/a-store", settings({"store_lock_wait": "0"}))
    assert isinstance(given, OxigraphLocation) and given.lock_wait == 0
    for wrong in ("-1", "inf", "nan", "soon"):
        with pytest.raises(ValueError):
            settings({"store_lock_wait": wrong})


@pytest.mark.parametrize(("wait", "status"), [(8, 201), (0, 503)], ids=["waits", "no-wait"])
def test_a_graph_store_put_waits_for_a_command_that_holds_the_store(
    store_path: Path, tmp_path: Path, wait: int, status: int
) -> None:
    """The server's own write, beside a process that holds the store for 1.5 s (a command's
    publish): written once it is let go, or, with no wait, 503 to try again."""
    path = tmp_path / "store"
    shutil.copytree(store_path, path)
    app = create_app(
        {"store": str(path), "update_token": TOKEN, "store_lock_wait": wait, "query_workers": 1}
    )
    try:
        with held_by_another(path, 1.5):
            answer = app.test_client().put(
                "/store",
                query_string={"graph": "https://example.org/lock-wait"},
                data="<urn:a> <urn:b> <urn:c> .\n",
                content_type="application/n-triples",
                headers={"Authorization": f"Bearer {TOKEN}"},
            )
    finally:
        app.extensions["coworkmed.pool"].close()
    assert answer.status_code == status, answer.get_data()
    if status == 503:
        assert answer.headers.get("Retry-After")
        # said without the store's folder or the engine's words (stranger 72)
        told = answer.get_data(as_text=True)
        assert "busy" in told and str(path) not in told and "lock" not in told.lower()
