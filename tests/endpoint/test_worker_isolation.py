"""``worker_isolation``: the server's query, update and upload workers are cut from the network
where the host allows it (a network namespace of their own, behind the text checks that refuse
SERVICE and LOAD). Where it does not, a worker ran with the host's network and nothing said so:
``auto`` now serves with a warning, ``required`` refuses to start (78). A host without
namespaces is made here for real: a user namespace whose limits allow no new user or network
namespace inside it (as Docker's default seccomp profile forbids them)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from coworkmed.serving import QUIET, free_port, start_serving, stop_serving

#: runs a command (its arguments last) where no namespace can be made
NO_NAMESPACES = (
    "unshare",
    "--user",
    "--map-root-user",
    "sh",
    "-c",
    "echo 0 > /proc/sys/user/max_net_namespaces && "
    'echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"',
    "sh",
)
#: host -> what runs the server there
HOSTS = {"this host": (), "a host without namespaces": NO_NAMESPACES}
WARNING = "cannot be cut from the network on this host"


@pytest.fixture(scope="module")
def no_namespaces() -> None:
    """Skip where even the user namespace that stands for such a host cannot be made."""
    tried = subprocess.run([*NO_NAMESPACES, "true"], capture_output=True, timeout=30)
    if tried.returncode != 0:
        pytest.skip(f"no user namespace can be made here: {tried.stderr.decode()[:200]}")


def _cut_off(within: tuple[str, ...]) -> bool:
    code = "from core.workers import workers_cut_off; print(workers_cut_off())"
    ran = subprocess.run(
        [*within, sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parents[2],
    )
    assert ran.returncode == 0, ran.stderr
    return ran.stdout.strip() == "True"


@pytest.mark.usefixtures("no_namespaces")
def test_the_probe_tells_the_two_hosts_apart() -> None:
    assert _cut_off(HOSTS["this host"]) is True
    assert _cut_off(HOSTS["a host without namespaces"]) is False


@pytest.mark.slow
@pytest.mark.usefixtures("no_namespaces")
@pytest.mark.parametrize("host", list(HOSTS))
def test_auto_serves_everywhere_and_says_when_workers_have_the_network(
    store_path: Path, host: str
) -> None:
    within = HOSTS[host]
    server, base = start_serving(store_path, {"COWORKMED_WORKER_ISOLATION": "auto"}, within=within)
    try:
        query = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
        request = urllib.request.Request(
            f"{base}/sparql?{query}", headers={"Accept": "application/sparql-results+json"}
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            assert json.load(answer)["boolean"] is True
    finally:
        status, said = stop_serving(server)
    assert status == 0, said
    assert (WARNING in said) is bool(within), said


@pytest.mark.usefixtures("no_namespaces")
def test_required_refuses_to_serve_where_workers_would_have_the_network(
    store_path: Path,
) -> None:
    command = [*NO_NAMESPACES, sys.executable, "-m", "coworkmed.cli", "serve"]
    command += ["--store", str(store_path), "--port", str(free_port())]
    env = {**os.environ, **QUIET, "COWORKMED_WORKER_ISOLATION": "required"}
    ended = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert ended.returncode == 78, ended.stderr
    assert "setting worker_isolation is required" in ended.stderr and WARNING in ended.stderr
    assert "Traceback" not in ended.stderr and "serving" not in ended.stdout


def test_required_serves_where_workers_are_cut_off(store_path: Path) -> None:
    server, _base = start_serving(store_path, {"COWORKMED_WORKER_ISOLATION": "required"})
    status, said = stop_serving(server)
    assert status == 0 and WARNING not in said, said


#: the ways a worker is started, each with the limits a server with ``worker_isolation =
#: required`` gives (``Limits.must_cut``), run where no namespace can be made: each must say
#: ``NoWorkers`` (a 503 in the server), never run with the host's network (the start-up check
#: passed, and a later worker could not be cut: the namespace limits reached, stranger 101)
REQUIRED_WAYS = {
    "a fresh worker": "run_confined(network_reachable, (), CUT, 30)",
    "a kept worker": "KeptWorker(CUT).call(network_reachable, (), 30)",
    "a query worker": (
        "QueryPool(Path(sys.argv[1]), BASE, 1, limits=CUT)"
        ".run(QueryRequest('ASK {}', {'boolean': 'json'}), 30)"
    ),
}
WAY_PROGRAM = """
import sys
from pathlib import Path
from core.workers import KeptWorker, Limits, NoWorkers, network_reachable, run_confined
from endpoint.execution import QueryError, QueryRequest
from endpoint.pool import QueryPool
BASE = {base!r}
CUT = Limits(must_cut=True)
try:
    print("ran", {way})
except NoWorkers as refused:
    print("NoWorkers", refused)
except QueryError as refused:
    print("QueryError", refused.status, refused.message)
print("auto:", run_confined(network_reachable, (), Limits(), 30))
"""


@pytest.mark.usefixtures("no_namespaces")
@pytest.mark.parametrize("way", list(REQUIRED_WAYS))
def test_a_worker_that_must_be_cut_and_cannot_does_not_run(store_path: Path, way: str) -> None:
    from core.workers import NOT_CUT_SAID
    from tests.backends import BASE

    code = WAY_PROGRAM.format(base=BASE, way=REQUIRED_WAYS[way])
    ran = subprocess.run(
        [*NO_NAMESPACES, sys.executable, "-c", code, str(store_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parents[2],
    )
    assert ran.returncode == 0, ran.stderr
    told, auto = ran.stdout.splitlines()
    assert NOT_CUT_SAID in told and told.startswith(("NoWorkers", "QueryError 503")), told
    # without ``must_cut`` (``auto``) it runs, with the host's network, and says so
    assert auto == "auto: True"
    assert "a worker could not be cut from the network on this host" in ran.stderr
