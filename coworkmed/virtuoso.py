"""A private Virtuoso Open Source 7 server on loopback, for the tests, the benchmarks and trying
the external-store backend: its own database folder and ports, an account allowed to update,
stopped (with everything it started) when the block ends.

Debian's ``virtuoso-opensource`` package provides ``virtuoso-t`` and ``isql-vt``.
"""

from __future__ import annotations

import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from triplestore.backends.sparql import SparqlLocation

SERVER = "virtuoso-t"
CLIENT = "isql-vt"
#: where Debian puts the server's own web files (its /sparql pages need them)
WEB_ROOT = "/var/lib/virtuoso-opensource-7/vsp"

INI = """\
[Database]
DatabaseFile       = {folder}/virtuoso.db
ErrorLogFile       = {folder}/virtuoso.log
LockFile           = {folder}/virtuoso.lck
TransactionFile    = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
[TempDatabase]
DatabaseFile       = {folder}/virtuoso-temp.db
TransactionFile    = {folder}/virtuoso-temp.trx
[Parameters]
ServerPort         = 127.0.0.1:{sql_port}
DisableUnixSocket  = 1
NumberOfBuffers    = {buffers}
MaxDirtyBuffers    = {dirty}
DirsAllowed        = .
CheckpointInterval = 60
TransactionAfterImageLimit = {after_image}
[HTTPServer]
ServerPort         = 127.0.0.1:{http_port}
ServerRoot         = {web_root}
ServerThreads      = 10
MaxKeepAlives      = 10
EnabledGzipContent = 0
[SPARQL]
ResultSetMaxRows           = 2000000
MaxQueryExecutionTime      = {max_seconds}
MaxQueryCostEstimationTime = 0
"""

#: the account the service writes with: SPARQL updates and Graph Store writes on every graph
GRANTS = """\
DB.DBA.USER_CREATE('{user}', '{password}');
GRANT SPARQL_UPDATE TO "{user}";
DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{user}', 15);
"""


def available() -> bool:
    """Whether Virtuoso is installed here."""
    return shutil.which(SERVER) is not None and shutil.which(CLIENT) is not None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Virtuoso:
    """A running server: its HTTP address, its SQL port and the service's account."""

    folder: Path
    http_port: int
    sql_port: int
    user: str = "coworkmed"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12), repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def sparql(self) -> str:
        """Virtuoso's own public query endpoint."""
        return f"{self.url}/sparql"

    def location(self, timeout: float = 30.0, namespace: str | None = None) -> SparqlLocation:
        """The service's view of this server as its store."""
        return SparqlLocation(
            query_url=self.sparql,
            update_url=f"{self.url}/sparql-auth",
            graph_store_url=f"{self.url}/sparql-graph-crud-auth",
            user=self.user,
            password=self.password,
            timeout=timeout,
            namespace=namespace or SparqlLocation.namespace,
        )

    def settings(self) -> dict[str, str]:
        """The same as settings (``core.settings``) for ``create_app`` or the environment."""
        location = self.location()
        return {
            "store": location.query_url,
            "store_update_url": location.update_url,
            "store_graph_store_url": location.graph_store_url,
            "store_user": location.user,
            "store_password": location.password,
        }

    def sql(self, statements: str) -> None:
        """Run SQL as the database administrator (its password never leaves loopback)."""
        subprocess.run(
            [CLIENT, f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={statements}"],
            check=True,
            capture_output=True,
            timeout=60,
        )


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"virtuoso-t stopped at start (exit {process.returncode}): {tail}")
        try:
            with urllib.request.urlopen(f"{url}?query=ASK%7B%7D", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise RuntimeError(f"virtuoso-t did not answer at {url} within {seconds:g} s")


#: the address space Virtuoso's process may map, in megabytes, past the memory it is given:
#: a query can make it grow without bound (a chain of 32 doubling CONCATs took it past 21 GB
#: and the host's memory with it, stranger 108); capped, it is the store that fails, not the
#: host. Its own ``MaxQueryMem`` did not bound that growth (a chain of 24 ended the process)
ADDRESS_SPACE_MARGIN = 3072


def _capped(megabytes: int) -> Callable[[], None]:
    """What a child process runs before it starts: cap its address space at ``megabytes``."""

    def cap() -> None:
        limit = megabytes * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return cap


def after_image_limit(memory_mb: int) -> int:
    """The most one transaction may write to Virtuoso's roll-forward log, in bytes: about the
    memory given, at most 2 GB (a 32-bit setting). Virtuoso's default, 50 MB, aborts the merge
    of a 100,000-space inventory (``triplestore.merge``: one update) with SR325."""
    return min(2_000_000_000, memory_mb * 1_000_000)


@contextmanager
def running_virtuoso(
    folder: Path, memory_mb: int = 1024, max_query_seconds: int = 60
) -> Iterator[Virtuoso]:
    """Start Virtuoso with its database in ``folder`` (created), on two free loopback ports,
    with about ``memory_mb`` of page buffers and its address space capped
    (``ADDRESS_SPACE_MARGIN``); stop it when the block ends. (Its own estimate of a query's
    cost, ``MaxQueryCostEstimationTime``, is off: it refused a join of 40 patterns sharing no
    variable asked over every graph, but not the same join over the one graph this service
    asks, which then ran on past its time limit: stranger 108, measured in this session.)"""
    folder.mkdir(parents=True, exist_ok=True)
    server = Virtuoso(folder.resolve(), free_port(), free_port())
    buffers = max(2000, memory_mb * 1024 // 8 * 2 // 3)  # 8 KB pages, 2/3 of the memory
    (folder / "virtuoso.ini").write_text(
        INI.format(
            folder=server.folder,
            sql_port=server.sql_port,
            http_port=server.http_port,
            buffers=buffers,
            dirty=buffers * 3 // 4,
            web_root=WEB_ROOT,
            max_seconds=max_query_seconds,
            after_image=after_image_limit(memory_mb),
        ),
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [SERVER, "+foreground", "+configfile", str(server.folder / "virtuoso.ini")],
        cwd=server.folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=_capped(2 * memory_mb + ADDRESS_SPACE_MARGIN),
    )
    try:
        _wait_for(server.sparql, process, server.folder / "virtuoso.log", 90)
        server.sql(GRANTS.format(user=server.user, password=server.password))
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
