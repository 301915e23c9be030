"""Confined workers (``core.workers``), for real: a loopback listener that must hear
nothing, a memory cap that must hold, crashes and time limits that must be told apart."""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from core.workers import (
    KeptWorker,
    Limits,
    WorkerCrashed,
    WorkerFailed,
    WorkerTimedOut,
    network_reachable,
    passed,
    run_confined,
)
from coworkmed.serving import process_family
from tests.engine_faults import MIXED_ZONES
from tests.listener import Listener, listening
from tests.runs import processes_marked, signal_every

ROOT = Path(__file__).parents[2]


@pytest.fixture
def listener() -> Iterator[Listener]:
    with listening() as found:
        yield found


def fetch(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=5) as answer:
        return str(answer.status)


def service_query(url: str) -> str:
    import pyoxigraph as ox

    store = ox.Store()
    return str(list(store.query(f"SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}")))


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1_048_576))


def allocate_after_passing(megabytes: int) -> int:
    """As a write's worker: its bounded part done (``passed``), then the allocation."""
    passed()
    return allocate(megabytes)


def sleep_for(seconds: float) -> None:
    import time

    time.sleep(seconds)


def segfault() -> None:
    ctypes.string_at(0)


def kill_self() -> None:
    """As an engine's abort: a signal to the calling thread (one sent to the process may come
    after the answer: a kept worker's call runs beside its main thread)."""
    signal.raise_signal(signal.SIGABRT)


def fail() -> None:
    raise ValueError("a value problem")


def sort_mixed_zones() -> None:
    import pyoxigraph as ox

    list(ox.Store().query(MIXED_ZONES))


def run_kept(
    function: Callable[..., Any], args: tuple[Any, ...], limits: Limits, timeout: float
) -> Any:
    """``run_confined``'s call, made in a ``KeptWorker`` at its second call: a kept worker
    must be as confined, bounded and told at every call as a fresh one is at its only one."""
    worker = KeptWorker(limits)
    try:
        assert worker.call(len, ("warm",), 30) == 4
        return worker.call(function, args, timeout)
    finally:
        worker.stop()


#: the two ways to run a function in a confined worker
RUNNERS = pytest.mark.parametrize("runner", [run_confined, run_kept], ids=["fresh", "kept"])


@pytest.mark.slow  # measured ~10 s a client
@pytest.mark.parametrize("reach", [fetch, service_query], ids=["urllib", "pyoxigraph-service"])
@RUNNERS
def test_a_confined_worker_reaches_no_host(
    listener: Listener, reach: object, runner: Callable[..., Any]
) -> None:
    with pytest.raises(OSError):
        runner(reach, (listener.url,), Limits(network=False), 30)
    assert listener.heard == []
    assert runner(network_reachable, (), Limits(network=False), 30) is False


@RUNNERS
def test_a_worker_allowed_the_network_reaches_it(
    listener: Listener, runner: Callable[..., Any]
) -> None:
    assert runner(fetch, (listener.url,), Limits(network=True), 30) == "200"
    assert listener.heard == ["/"]


@RUNNERS
def test_the_memory_cap_holds_and_only_the_worker_pays(runner: Callable[..., Any]) -> None:
    limits = Limits(memory=512 * 1_048_576)
    assert runner(allocate, (16,), limits, 30) == 16 * 1_048_576
    with pytest.raises(WorkerCrashed, match="memory"):
        runner(allocate, (2_048,), limits, 30)


@pytest.mark.parametrize(
    ("then_memory", "allowed"),
    [(0, True), (4_096 * 1_048_576, True), (512 * 1_048_576, False)],
    ids=["no cap once passed", "a larger cap once passed", "the same cap once passed"],
)
def test_once_passed_a_worker_has_the_memory_its_caller_gives(
    then_memory: int, allowed: bool
) -> None:
    """A write's change is capped at the query workers' memory; its publication, which grows
    with the store, has ``then_memory`` (stranger 60: under the query cap no write could be
    published at 20,000 spaces)."""
    limits = Limits(memory=512 * 1_048_576, then_memory=then_memory)
    work = (allocate_after_passing, (1_024,), limits, 30, 30)
    if allowed:
        assert run_confined(*work) == 1_024 * 1_048_576
    else:
        with pytest.raises(WorkerFailed, match="memory"):
            run_confined(*work)
    with pytest.raises(WorkerCrashed, match="memory"):  # before it passed, the cap holds
        run_confined(allocate, (1_024,), limits, 30)


@pytest.mark.parametrize(
    ("function", "signal_number"),
    [(segfault, signal.SIGSEGV), (kill_self, signal.SIGABRT)],
    ids=["segfault", "abort"],
)
@RUNNERS
def test_a_crash_is_told_with_its_signal(
    function: object, signal_number: int, runner: Callable[..., Any]
) -> None:
    with pytest.raises(WorkerCrashed) as crashed:
        runner(function, (), Limits(), 30)
    assert crashed.value.signal == signal_number


@RUNNERS
def test_an_engine_panic_is_told_in_the_engines_words(runner: Callable[..., Any]) -> None:
    """A worker the engine aborted was told as an allocation past the memory cap (stranger
    50): its panic's message comes back; a plain abort has none."""
    with pytest.raises(WorkerCrashed) as crashed:
        runner(sort_mixed_zones, (), Limits(), 30)
    assert crashed.value.signal == signal.SIGABRT
    assert crashed.value.fault == (
        "user-provided comparison function does not correctly implement a total order"
    )
    with pytest.raises(WorkerCrashed) as aborted:
        runner(kill_self, (), Limits(), 30)
    assert aborted.value.fault is None


@RUNNERS
def test_a_worker_past_its_time_is_stopped(runner: Callable[..., Any]) -> None:
    with pytest.raises(WorkerTimedOut, match="0.5 s"):
        runner(sleep_for, (30,), Limits(), 0.5)


@RUNNERS
def test_an_exception_comes_back_as_itself(runner: Callable[..., Any]) -> None:
    with pytest.raises(ValueError, match="a value problem"):
        runner(fail, (), Limits(), 30)


#: calls that end a kept worker, and what each is told
ENDING_CALLS = [
    pytest.param((segfault, ()), WorkerCrashed, id="segfault"),
    pytest.param((kill_self, ()), WorkerCrashed, id="abort"),
    pytest.param((allocate, (2_048,)), WorkerCrashed, id="memory"),
    pytest.param((sleep_for, (30,)), WorkerTimedOut, id="time limit"),
]


@pytest.mark.parametrize(("ending", "told"), ENDING_CALLS)
def test_a_kept_worker_is_kept_until_a_call_ends_it(
    ending: tuple[Any, ...], told: type[WorkerFailed]
) -> None:
    """One process answers call after call (an exception is only an answer); a call that
    ends it is told, and the next call has a fresh worker, as confined."""
    worker = KeptWorker(Limits(memory=512 * 1_048_576))
    try:
        assert worker.call(len, ("a",), 30) == 1
        first = worker.pid
        with pytest.raises(ValueError, match="a value problem"):
            worker.call(fail, (), 30)
        assert worker.call(os.getpid, (), 30) == first
        with pytest.raises(told):
            worker.call(*ending, 1)
        assert worker.pid is None
        again = worker.call(os.getpid, (), 30)
        assert again != first
        assert worker.call(network_reachable, (), 30) is False
        with pytest.raises(WorkerCrashed, match="memory"):
            worker.call(allocate, (2_048,), 30)
    finally:
        worker.stop()
    assert worker.pid is None


PROGRAM = """
import sys, time
sys.path.insert(0, {root!r})
from core.workers import Limits, run_confined
print("started", flush=True)
run_confined(time.sleep, (120,), Limits(memory=512 * 2**20), timeout=300)
"""


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM])
def test_a_worker_ends_when_its_program_is_killed(stop: int, tmp_path: Path) -> None:
    """Regression: the worker of a program killed in the middle of a long task ran on until
    the task's end (the fork server ended, its busy child did not). (The killed program
    leaves its fork server's folder: in the test's own temporary folder.)"""
    marker = f"coworkmed-worker-test-{uuid.uuid4()}"
    env = {**os.environ, "WORKER_TEST_MARKER": marker, "TMPDIR": str(tmp_path)}
    code = PROGRAM.format(root=str(ROOT))
    program = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE)
    assert program.stdout is not None and program.stdout.readline() == b"started\n"
    deadline = time.monotonic() + 30
    # the program, its fork server and the worker
    while len(processes_marked(marker)) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(processes_marked(marker)) >= 3
    program.send_signal(stop)
    program.wait()
    program.stdout.close()
    deadline = time.monotonic() + 10
    while processes_marked(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_marked(marker) == []


def note_pid_and_sleep(path: str, seconds: float) -> None:
    """In a worker: write its pid to ``path`` (whole, once there: a reader that saw the file
    as it was made read it empty, CI of stop 48), then sleep."""
    part = Path(f"{path}.part")
    part.write_text(str(os.getpid()))
    part.replace(path)
    time.sleep(seconds)


#: a program that starts a worker of one kind (``{kind}``) while another worker, made the way
#: the dump exporter made its own, keeps the fork server running; killed, its worker must end
HELD_PROGRAM = """
import sys, time
sys.path.insert(0, {root!r})
from core.workers import Limits, owned_process, run_confined, worker_context
from tests.core.test_workers import note_pid_and_sleep
from validation.pipeline import pool

holder = worker_context().Process(target=time.sleep, args=(120,), daemon=True)
holder.start()
print(holder.pid, flush=True)
work = ({pid_file!r}, 120)
if {kind!r} == "confined":
    run_confined(note_pid_and_sleep, work, Limits(memory=512 * 2**20), timeout=300)
elif {kind!r} == "owned":
    process = owned_process(note_pid_and_sleep, work, "owned")
    process.start()
    process.join()
else:
    pool(1).submit(note_pid_and_sleep, *work).result()
"""


def running(pid: int) -> bool:
    """Whether process ``pid`` is there and not a zombie (an orphan's end, which this machine's
    first process does not always collect)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != b"Z"


@pytest.mark.parametrize("kind", ["confined", "owned", "validation pool"])
def test_a_worker_ends_with_its_program_while_another_keeps_the_fork_server(
    kind: str, tmp_path: Path
) -> None:
    """Regression (stranger 52): a worker followed its parent, the fork server, and a dump
    export kept the fork server running: a server killed during a long SPARQL Update left the
    update running 85-100 s, and it committed unseen. Each kind of worker ends with the
    program that asked for it, whatever else holds the fork server."""
    pid_file = tmp_path / "worker.pid"
    code = HELD_PROGRAM.format(root=str(ROOT), pid_file=str(pid_file), kind=kind)
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    program = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE)
    assert program.stdout is not None
    holder = int(program.stdout.readline())
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        worker = int(pid_file.read_text())
        program.kill()
        program.wait()
        deadline = time.monotonic() + 10
        while running(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not running(worker), f"the {kind} worker outlived its program"
    finally:
        program.kill()
        program.wait()
        program.stdout.close()
        with contextlib.suppress(ProcessLookupError):
            os.kill(holder, signal.SIGKILL)


#: a program that hears the stop signals (as the server does) and runs a long confined worker,
#: its fork server started by ``start_fork_server`` (the server) or at the first worker (a
#: command)
GROUP_PROGRAM = """
import signal, sys
sys.path.insert(0, {root!r})
from core.workers import Limits, WorkerFailed, run_confined, start_fork_server
from tests.core.test_workers import note_pid_and_sleep

for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(number, lambda *_: None)
if {server!r}:
    start_fork_server()
try:
    run_confined(note_pid_and_sleep, ({pid_file!r}, 120), Limits(memory=512 * 2**20), timeout=300)
except WorkerFailed:
    print("the worker ended", flush=True)
"""


def _started(code: str, pid_file: Path, group: bool = False) -> tuple[subprocess.Popen[bytes], int]:
    """Program ``code`` started (``group``: in a process group of its own), its temporary
    folder beside ``pid_file``, once its worker has written its pid there: it and the pid."""
    env = {**os.environ, "TMPDIR": str(pid_file.parent)}
    program = subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        stdout=subprocess.PIPE,
        process_group=0 if group else None,
    )
    deadline = time.monotonic() + 60
    while not pid_file.exists() and time.monotonic() < deadline and program.poll() is None:
        time.sleep(0.05)
    if not pid_file.exists():  # no worker: the program ended, or is stuck (not left running)
        program.kill()
        output, _ = program.communicate()
        pytest.fail(f"no worker wrote its pid (the program said {output!r})")
    return program, int(pid_file.read_text())


def _to_the_group(program: int, number: int) -> None:
    """A terminal's Ctrl-C, ``kill -TERM -PGID``."""
    os.killpg(program, number)


#: how a stop signal is sent to a program and the processes it started
SENT = {"to the group": _to_the_group, "to every process": signal_every}


@pytest.mark.parametrize(
    "number", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda n: signal.Signals(n).name
)
@pytest.mark.parametrize("sent", SENT)
@pytest.mark.parametrize("server", [True, False], ids=["server", "command"])
def test_a_stop_signal_to_the_group_reaches_a_servers_workers_through_it_only(
    server: bool, sent: str, number: int, tmp_path: Path
) -> None:
    """Regression (stranger 54): Ctrl-C at a terminal, or SIGTERM or SIGHUP to the process
    group, ended the server's workers with the server's own signal: a running update answered
    400. Regression (stranger 55): so did systemd's default stop, SIGTERM to every process of
    the service. A server's workers (and the fork server) are not reached; a command's are, as
    before: Ctrl-C on `coworkmed validate` ends its work at once."""
    pid_file = tmp_path / "worker.pid"
    code = GROUP_PROGRAM.format(root=str(ROOT), pid_file=str(pid_file), server=server)
    program, worker = _started(code, pid_file, group=True)
    assert program.stdout is not None
    try:
        every = process_family(program.pid)  # it, its resource tracker, fork server and worker
        SENT[sent](program.pid, number)
        deadline = time.monotonic() + (2 if server else 10)
        while running(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert running(worker) is server
        # a SIGHUP to the group ended the resource tracker (stranger 56)
        assert not server or [pid for pid in every if not running(pid)] == []
        assert program.poll() is None or not server
    finally:
        program.kill()
        program.wait()
        program.stdout.close()
    deadline = time.monotonic() + 10
    while running(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not running(worker)  # and it ends with its program


#: a server's program whose validation worker sleeps; SIGUSR1 makes the program itself send its
#: worker SIGTERM (as a pool's ``terminate`` does)
TERMINATING_PROGRAM = """
import os, signal, sys
sys.path.insert(0, {root!r})
from core.workers import start_fork_server
from tests.core.test_workers import note_pid_and_sleep
from validation.pipeline import pool

start_fork_server()
pid_file = {pid_file!r}
signal.signal(signal.SIGUSR1, lambda *_: os.kill(int(open(pid_file).read()), signal.SIGTERM))
try:
    pool(1).submit(note_pid_and_sleep, pid_file, 120).result()
except Exception as error:
    print(type(error).__name__, flush=True)
"""


def test_a_servers_worker_takes_sigterm_from_its_server_alone(tmp_path: Path) -> None:
    """A server's worker ignores SIGTERM from anyone but its server (systemd's default stop,
    stranger 55), and still ends on its server's own (a process pool's ``terminate``)."""
    pid_file = tmp_path / "worker.pid"
    code = TERMINATING_PROGRAM.format(root=str(ROOT), pid_file=str(pid_file))
    program, worker = _started(code, pid_file)
    try:
        os.kill(worker, signal.SIGTERM)  # from another process
        time.sleep(1)
        assert running(worker)
        program.send_signal(signal.SIGUSR1)  # from its server
        said = program.communicate(timeout=30)[0]
        assert said == b"BrokenProcessPool\n"
        assert not running(worker)
    finally:
        program.kill()
        program.communicate()


#: modules of the program that may make a process themselves, and what makes it end with the
#: program: every other one asks ``core.workers`` (``owned_process``, ``run_confined``)
PROCESS_MAKERS = {
    "core/workers.py": "owned_process, and started_worker for the query pool and run_confined",
    "validation/pipeline.py": "its workers start in _start_worker",
}
PROCESS_CALL = re.compile(r"\.Process\(|ProcessPoolExecutor\(|\bfork\(")


def test_no_module_makes_a_worker_that_could_outlive_the_program() -> None:
    """The exporter had made its worker itself, and that worker kept the fork server, and with
    it every other worker, alive after its server was killed (stranger 52)."""
    packages = [path for path in ROOT.iterdir() if (path / "__init__.py").exists()]
    making = sorted(
        str(source.relative_to(ROOT))
        for package in packages
        if package.name not in {"tests", "bench"}
        for source in package.rglob("*.py")
        if PROCESS_CALL.search(source.read_text(encoding="utf-8"))
    )
    assert making == sorted(PROCESS_MAKERS)


#: what the query engine draws at random: each must differ from run to run
RANDOM = "SELECT (STRUUID() AS ?u) (STR(UUID()) AS ?v) (STR(RAND()) AS ?r) {}"


def draw() -> tuple[str, ...]:
    import pyoxigraph as ox

    row = next(iter(ox.Store().query(RANDOM)))
    return tuple(term.value for term in row)


def test_workers_draw_their_own_random_values() -> None:
    """Regression (a stranger saw STRUUID() repeat): each worker is a fork, and pyoxigraph's
    generator is per thread; a forked main thread drew what the fork server would have."""
    draws = [run_confined(draw, (), Limits(network=True), 60) for _ in range(4)]
    values = [value for row in draws for value in row]
    assert len(set(values)) == len(values), draws


def test_query_workers_draw_their_own_random_values(store_path: Path) -> None:
    from endpoint.execution import QueryRequest
    from endpoint.pool import QueryPool

    pool = QueryPool(store_path, "https://w3id.org/coworkmed/id/", workers=2)
    try:
        request = QueryRequest(RANDOM, {"solutions": "tsv"})
        # two workers and the light lane, each asked more than once
        answers = [pool.run(request, 60).body for _ in range(6)]
        assert len(set(answers)) == len(answers), answers
    finally:
        pool.close()
