"""Worker processes: where untrusted text and files are parsed, so that a crash costs nothing.

Every worker starts from one fork server per program (multiprocessing's "forkserver": safe from
a threaded server, and a worker is a fork of an already-loaded interpreter, about 20 ms, instead
of a new one, 130 ms and more under load). The fork server is shared by every kind of worker, so
it loads what all of them need: each kind names its modules with ``preload`` when it is imported
(query workers, validation workers), and this module names none of them.

A worker is **confined** (``confined_thread``) before it touches anything untrusted:

- its memory is capped (``RLIMIT_AS``): an allocation past the cap fails inside the worker (a
  Rust library aborts, Python raises ``MemoryError``), and only that worker dies;
- unless it must reach other hosts (SPARQL ``SERVICE`` peers), it is moved into a network
  namespace of its own, which has no interface but a loopback that is down: whatever a parser
  or query engine is made to fetch, there is no network to fetch it from. This is the second
  wall behind the text checks of ``core.sparql_text``.

``run_confined`` runs one function in a fresh confined worker, bounded in time, and says how the
worker ended when it did not answer (``WorkerCrashed``, ``WorkerTimedOut``); a ``KeptWorker``
does the same for many calls in one worker, started again only when a call killed it.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import re
import resource
import select
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import forkserver, resource_tracker
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, TypeVar

#: modules the fork server loads before forking any worker (``preload`` adds to them)
PRELOAD = ["pyoxigraph", "rdflib"]


def preload(*modules: str) -> None:
    """Have the fork server import ``modules`` before it forks a worker, so that each worker
    starts with them loaded (and their caches warm). A kind of worker names what it needs when
    it is imported; a module named after the fork server started is imported by each worker
    itself, which is slower but the same."""
    PRELOAD.extend(name for name in modules if name not in PRELOAD)


#: unshare(2) flags (linux/sched.h)
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
#: how an unprivileged process gets a network namespace: inside a user namespace of its own
_UNSHARE_ATTEMPTS = (CLONE_NEWNET, CLONE_NEWUSER | CLONE_NEWNET)

T = TypeVar("T")


def worker_context() -> ForkServerContext:
    """The multiprocessing context every worker pool uses."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


@dataclass(frozen=True)
class Limits:
    """What a confined worker may use: ``memory`` bytes of address space (0: no cap), and the
    network or not; ``then_memory``: its cap once it tells ``passed`` (0: none), for work that
    is the caller's own and grows with the data (a write's publication), after the part that
    reads untrusted text (the change). ``must_cut``: a worker without the network that cannot
    be cut from it does not run (``worker_isolation = required``: it exits ``NOT_CUT``, and its
    caller is told ``NoWorkers``); else it runs with the host's network and says so."""

    memory: int = 0
    network: bool = False
    then_memory: int = 0
    must_cut: bool = False


#: the exit status of a worker that could not be cut from the network and must be (``Limits``)
NOT_CUT = 77
#: what its caller is told (``NoWorkers``: the server answers 503)
NOT_CUT_SAID = (
    "a worker could not be cut from the network on this host (it allowed no new user or "
    "network namespace), and worker_isolation = required: it did not run"
)
#: what a worker that runs all the same writes to standard error (``worker_isolation = auto``)
NOT_CUT_WARNING = (
    "coworkmed: warning: a worker could not be cut from the network on this host; it runs "
    "with the host's network (worker_isolation = required would refuse it)\n"
)


#: mallopt(3) parameter: how many malloc arenas glibc may create
M_ARENA_MAX = -8
#: arenas a capped worker may use: each reserves 64 MB of address space (one per thread by
#: default), which RLIMIT_AS counts although little of it is ever used
CAPPED_ARENAS = 2


def lift_memory_cap(limit: int) -> None:
    """Set this process's address space cap to ``limit`` bytes, or lift it (0): the soft
    limit, which a process may raise up to its hard one."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = hard if limit <= 0 or hard != resource.RLIM_INFINITY and limit > hard else limit
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


def cap_memory(limit: int) -> None:
    """Cap this process's address space at ``limit`` bytes (0: leave it as it is), with few
    malloc arenas, so that the cap bounds what is used rather than what threads reserve."""
    if limit > 0:
        ctypes.CDLL(None).mallopt(M_ARENA_MAX, CAPPED_ARENAS)
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        wanted = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


def give_back_memory() -> bool:
    """Hand the memory this process freed back to the system (glibc's ``malloc_trim``): a
    worker keeps the peak of its largest query otherwise, however small the ones after it
    (bench/bench_backends.py at 100,000 spaces: 320 MB each, idle). Whether the C library can
    (none but glibc's has the call)."""
    libc = ctypes.CDLL(None)
    if not hasattr(libc, "malloc_trim"):
        return False
    libc.malloc_trim(0)
    return True


def cut_network() -> bool:
    """Move this process into a network namespace of its own (no way out); whether it could.
    As root a plain new namespace; otherwise inside a new user namespace (which the kernel
    allows only to a single-threaded process, as a fresh worker is)."""
    libc = ctypes.CDLL(None, use_errno=True)
    return any(libc.unshare(flags) == 0 for flags in _UNSHARE_ATTEMPTS)


def network_reachable() -> bool:
    """Whether this process can open a connection to anything but itself: false inside a
    namespace made by ``cut_network`` (its loopback is down, it has no other interface)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("127.0.0.1", 9))
        except OSError:
            return False
    return True


def workers_cut_off(timeout: float = 60.0) -> bool:
    """Whether a worker confined without the network (``Limits.network`` False) is cut from
    it on this host: asked of one such worker (``cut_network`` fails where the host forbids
    user and network namespaces, and a worker then runs with the host's network)."""
    return not run_confined(network_reachable, (), Limits(), timeout)


#: prctl option: the signal the kernel sends this process when its parent ends
PR_SET_PDEATHSIG = 1


#: what a terminal's Ctrl-C, a shell's ``kill -TERM -PGID`` or a session's end send to a whole
#: process group; the program asked to stop finishes its work first (``coworkmed.serving``)
GROUP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP})


#: the stop signals a server's worker takes only from the server, its fork server or itself
#: (``obey_the_owner``); SIGINT, which only a terminal sends, it never takes
OWNER_SIGNALS = frozenset({signal.SIGTERM, signal.SIGHUP})


def serving_worker() -> bool:
    """Whether this worker comes from the fork server of a program that finishes its workers'
    work when asked to stop (a server): one started by ``start_fork_server``, which leaves its
    workers the group's stop signals blocked. A command's workers (``coworkmed validate``)
    end with a Ctrl-C, as its own process does."""
    return GROUP_SIGNALS <= signal.pthread_sigmask(signal.SIG_BLOCK, ())


def leave_the_group() -> None:
    """A server's worker: put it in a process group of its own, so that a stop signal sent to
    the server's whole group (Ctrl-C at a terminal, ``kill -TERM -PGID``) reaches the server,
    which finishes the work its workers do before it stops, and not the workers themselves.
    Sent to the group, SIGINT and SIGTERM ended the workers at once: a SPARQL Update running
    answered 400 ("exhausted its worker"), an export failed, and the workers printed
    KeyboardInterrupt tracebacks (stranger 54). A stop signal sent before this call (it waits,
    blocked) is dropped; the signals stay blocked, and SIGTERM and SIGHUP are taken from the
    server alone (``obey_the_owner``). Nothing for a command's worker (``serving_worker``).
    Call it from the worker's main thread."""
    if not serving_worker():
        return  # the fork server of a command, which ends with its workers
    for number in GROUP_SIGNALS:
        signal.signal(number, signal.SIG_IGN)  # drops one waiting, blocked
    os.setpgid(0, 0)
    for number in OWNER_SIGNALS:  # blocked, they wait for ``obey_the_owner`` (ignored, they
        signal.signal(number, signal.SIG_DFL)  # would not even wait)


def _obey(senders: set[int]) -> None:
    while True:
        heard = signal.sigwaitinfo(OWNER_SIGNALS)
        if heard.si_pid in senders:  # ended by it, as if it had not been blocked
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {heard.si_signo})
            signal.pthread_kill(threading.get_ident(), heard.si_signo)


def obey_the_owner(owner: int) -> None:
    """A server's worker (``serving_worker``): end it on SIGTERM or SIGHUP sent by the server
    ``owner`` (a pool's ``terminate``), its fork server or itself, and by no one else. systemd's
    default stop (``KillMode=control-group``) sends SIGTERM to every process of the service at
    once: a SPARQL Update running answered 400 and a partner's upload 422 "make it smaller"
    while the server, which had heard it too, was waiting to answer them (stranger 55). Start
    it after ``cut_network`` (a thread)."""
    if serving_worker():
        senders = {owner, os.getppid(), os.getpid()}
        threading.Thread(target=_obey, args=(senders,), name="owner-signals", daemon=True).start()


def die_with_parent() -> bool:
    """Have this worker end when the program that asked for it ends, even by SIGKILL, and
    not when a stop signal is sent to the program's process group (``leave_the_group``).

    Two steps. The fork server ends when no process holds its "alive" pipe any more, but
    multiprocessing hands that pipe to every worker it forks (so that a worker may fork in
    turn): a busy worker kept the server, and so itself, running after its program was
    killed. A worker here forks nothing, so it closes its copy. Then the kernel is asked
    (``prctl``, where there is one) to kill the worker when its parent, the server, ends.
    Whether the parent was still there once this was set (False: the caller should end)."""
    leave_the_group()
    parent = os.getppid()
    server: Any = forkserver._forkserver  # CPython keeps the inherited pipe on this object
    # a process that started a fork server itself (a program calling this in-process) holds
    # the pipe's only other end: closing it would end its server
    if server._forkserver_pid is None and server._forkserver_alive_fd is not None:
        os.close(server._forkserver_alive_fd)
        server._forkserver_alive_fd = None
    libc = ctypes.CDLL(None, use_errno=True)
    if hasattr(libc, "prctl"):
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    return os.getppid() == parent


#: how often a worker looks whether the program that asked for it is still there, where the
#: system cannot tell it at once (no ``os.pidfd_open``), in seconds
OWNER_POLL = 1.0


def owner_pid() -> int | None:
    """The program that asked for this worker (multiprocessing's parent: the server, not the
    fork server the worker is a fork of); None outside a worker."""
    parent = multiprocessing.parent_process()
    return None if parent is None else parent.pid


def _wait_for_end(pid: int) -> None:
    """Return once process ``pid`` has ended (at once if it has already)."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    except (AttributeError, OSError):  # no pidfd here (an older system): look now and then
        while alive(pid):
            time.sleep(OWNER_POLL)
        return
    try:
        waiting = select.poll()
        waiting.register(handle, select.POLLIN)
        while not waiting.poll():  # readable once the process has ended
            continue
    finally:
        os.close(handle)


def alive(pid: int) -> bool:
    """Whether process ``pid`` is running (a zombie, ended but not yet collected, is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # there, and not ours to signal
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            state = stat.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):  # no /proc here: it answered the signal
        return True
    return state != b"Z"


def watch_owner() -> int | None:
    """End this worker as soon as the program that asked for it ends, however it ends: the
    pid of that program, or None outside a worker (nothing to watch).

    ``die_with_parent`` follows the worker's parent, the fork server, and the fork server ends
    only once no process holds its "alive" pipe: a dump export, which had kept its copy, kept
    the fork server, and so a long SPARQL Update, running 85-100 s after its server was killed
    (stranger 52); the orphaned update committed, unseen, while a new server had started on
    the store. A thread of the worker waits for the program itself to end (a pidfd: at once)
    and then kills the worker as the system would have. A server's worker takes SIGTERM and
    SIGHUP from the server alone (``obey_the_owner``). Start it after ``cut_network``: a
    process with two threads cannot enter a user namespace."""
    owner = owner_pid()
    if owner is None:
        return None

    def watch() -> None:
        _wait_for_end(owner)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="owner-watch", daemon=True).start()
    obey_the_owner(owner)
    return owner


class NoWorkers(RuntimeError):
    """No worker process can be started: the fork server they all come from cannot start (the
    server answers 503 saying why: ``why_no_workers``)."""


#: the most bytes an AF_UNIX socket's path may have on Linux (``sun_path``, less its end)
SOCKET_PATH_MOST = 107


def why_no_workers(error: OSError) -> str:
    """What stops workers from starting, said by the fork server's ``error``, and what to do."""
    said = f"the worker processes cannot be started ({error})"
    if "too long" in str(error):
        folder = tempfile.gettempdir()
        said += (
            f": the fork server's socket is made in the temporary folder {folder} "
            f"({len(folder.encode())} bytes), and a socket's path may be at most "
            f"{SOCKET_PATH_MOST} bytes with the names under it: set TMPDIR to a shorter folder"
        )
    return said


def start_fork_server(folder: Path | None = None) -> None:
    """Start the fork server every worker comes from (``worker_context``) now, not at the
    first query or upload: ``NoWorkers`` saying why when it cannot. A temporary folder with a
    long path (its socket's path is limited) let `coworkmed serve` start and answer every
    query 500 and /health 503. Its workers leave the program's process group
    (``leave_the_group``): for a program that finishes their work when it is asked to stop.
    Its socket is made in ``folder`` when given (a folder the program removes even after it
    was killed outright), else in one multiprocessing makes (``pymp-…``, removed at a normal
    exit only); unless multiprocessing made one for this process already."""
    if folder is not None:
        # multiprocessing reads its temporary folder from the process's configuration, which
        # it has no public setter for (``multiprocessing.util.get_temp_dir``)
        process: Any = multiprocessing.current_process()
        process._config.setdefault("tempdir", str(folder))
    worker_context()
    # started with the group's stop signals blocked, it keeps them blocked (a mask outlives
    # exec): a Ctrl-C or a SIGTERM sent to the program's group does not end it, and so the
    # workers it forked, while the program finishes their work (``leave_the_group``); it ends
    # with the program all the same (its "alive" pipe). The resource tracker is started first,
    # SIGHUP blocked too (it ignores SIGINT and SIGTERM itself; a SIGHUP to the group ended it,
    # and the server warned that resources might leak: stranger 56); starting it unblocks
    # SIGINT and SIGTERM in the calling thread, blocked again before the fork server starts
    before = signal.pthread_sigmask(signal.SIG_BLOCK, GROUP_SIGNALS)
    try:
        resource_tracker.ensure_running()
        signal.pthread_sigmask(signal.SIG_BLOCK, GROUP_SIGNALS)
        forkserver.ensure_running()
    except OSError as error:
        raise NoWorkers(why_no_workers(error)) from None
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def start_worker(process: BaseProcess) -> None:
    """``process.start()``; ``NoWorkers`` saying why when it cannot start."""
    try:
        process.start()
    except OSError as error:
        raise NoWorkers(why_no_workers(error)) from None


def _owned_main(function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    if not die_with_parent():
        os._exit(0)  # orphaned before it started
    watch_owner()
    function(*args)


def owned_process(function: Callable[..., Any], args: tuple[Any, ...], name: str) -> BaseProcess:
    """A worker process (not started) that runs ``function(*args)`` unconfined (the program's
    own work, as a dump export: no untrusted input) and ends with the program that started it,
    however that ends (``die_with_parent``, ``watch_owner``). Every worker of the program is
    made here, by ``run_confined``, or by a pool whose workers start with ``confined_thread``
    or ``die_with_parent`` and ``watch_owner``: a test holds every other module to it."""
    return worker_context().Process(
        target=_owned_main, args=(function, args), name=name, daemon=True
    )


class WorkerFailed(Exception):
    """A confined worker that gave no answer; the message says how it ended, ``passed``
    whether it had said its bounded part was done (``passed``): a change was committed."""

    passed = False


class WorkerCrashed(WorkerFailed):
    """The worker died (a crash, an abort, or the memory cap): ``signal`` that ended it, if any."""

    def __init__(self, message: str, signal_number: int | None, fault: str | None = None) -> None:
        super().__init__(message)
        self.signal = signal_number
        self.fault = fault  # the engine's own words, when it panicked (``ErrorOutput.fault``)


class WorkerTimedOut(WorkerFailed):
    """The worker was still working at its time limit, and was killed."""


#: in a confined worker: where ``passed`` tells the caller (None elsewhere)
_TOLD: Connection | None = None
#: in a worker of ``run_confined``: its limits (``passed`` sets its cap to ``then_memory``)
_LIMITS: Limits | None = None
PASSED = ("passed",)


def passed() -> None:
    """In a worker of ``run_confined``: the part of the work bound by its ``timeout`` is done
    (a change is committed); what remains has the ``then`` seconds the caller gave. Nothing
    outside such a worker."""
    if _TOLD is not None:
        _TOLD.send(PASSED)
        if _LIMITS is not None and _LIMITS.memory > 0:
            lift_memory_cap(_LIMITS.then_memory)


def confined_thread(limits: Limits, function: Callable[..., T], *args: Any) -> T:
    """Confine this worker to ``limits`` and run ``function(*args)`` in a thread started after
    the fork: its result, or the exception it raised.

    A worker is a fork, and its main thread holds the random state of the process it was
    forked from: pyoxigraph's ``UUID()``, ``STRUUID()`` and ``RAND()`` (a per-thread generator
    in Rust) then gave the same values in every worker, so two updates could mint the same IRI.
    A thread started after the fork seeds its own generator from the system. The order
    matters: the network is cut before the thread starts (a namespace is per thread: the thread
    inherits it), and memory is capped after (a thread's stack must be mapped under the cap)."""
    if not die_with_parent():
        os._exit(0)  # orphaned before it started: nobody will read its answer
    if not limits.network and not cut_network():
        # the start-up check (``workers_cut_off``) passed, or warned: a host may still refuse
        # one worker later (its namespace limits reached)
        if limits.must_cut:
            os._exit(NOT_CUT)
        sys.stderr.write(NOT_CUT_WARNING)
    watch_owner()
    outcome: list[tuple[bool, Any]] = []
    go = threading.Event()

    def run() -> None:
        go.wait()
        try:
            outcome.append((True, function(*args)))
        except BaseException as error:  # given back to the caller, who raises it again
            outcome.append((False, error))

    thread = threading.Thread(target=run, name="worker")
    thread.start()
    cap_memory(limits.memory)
    go.set()
    thread.join()
    done, value = outcome[0]
    if not done:
        raise value
    return value


def _confined_main(
    function: Callable[..., Any],
    args: tuple[Any, ...],
    limits: Limits,
    answer: Connection,
    errors: str | None = None,
) -> None:
    global _TOLD, _LIMITS
    _TOLD, _LIMITS = answer, limits
    if errors is not None:
        errors_to(errors)
    try:
        result = confined_thread(limits, function, *args)
    except MemoryError:
        answer.send(("crash", "it ran out of memory"))
    except Exception as error:  # sent back whole: the caller raises it again as its own
        answer.send(("raise", error))
    else:
        answer.send(("ok", result))


#: signal -> how a worker it ended is described
ENDINGS: dict[int, str] = {
    signal.SIGSEGV: "it crashed (SIGSEGV: a stack overflow or a parser fault)",
    signal.SIGABRT: "it aborted (SIGABRT: most often an allocation past its memory cap)",
    signal.SIGKILL: "it was killed (SIGKILL: the system ran out of memory, or a stop)",
}


#: clock ticks per second of /proc's processor times
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def processor_seconds(pid: int) -> float | None:
    """The processor time (user and system, all its threads) process ``pid`` has used, from
    /proc; None where it cannot be read (no /proc, the process has ended)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except OSError:
        return None
    # after the command's closing parenthesis: state is field 3, utime 14 and stime 15
    return (int(fields[11]) + int(fields[12])) / _TICKS


#: the line a Rust panic starts with, and the message on the line after it (Rust 1.73+), or
#: quoted on the same line (before)
_PANIC = re.compile(r"panicked at (?:'(?P<quoted>[^\n]*)', [^\n]*|[^\n]*:\n(?P<message>[^\n]+))")
#: the most of a worker's error output read after it ended (its last lines)
ERRORS_TAIL = 16_384


def errors_to(path: str) -> None:
    """In a worker: write what it says on standard error (a Rust panic of the engine) to
    ``path`` (an ``ErrorOutput``'s), where its pool reads it when the worker ends abnormally,
    with no backtrace (each was 4.5 KB in the server's log: stranger 50); then take the file
    out of its folder: the pool reads it through the descriptor it keeps, and nothing is left
    behind however the worker or the server ends."""
    os.environ["RUST_BACKTRACE"] = "0"
    target = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.dup2(target, 2)
    os.close(target)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


class ErrorOutput:
    """The file one worker's standard error goes to (``errors_to``), read by the process that
    started the worker through a descriptor it keeps from the file's making: the worker
    removes the file's name once it has opened it. Each worker's file had stayed in the
    temporary folder when its server was killed or stopped by a signal (279 of them, empty, in
    a day of tests)."""

    def __init__(self) -> None:
        self._handle, self.path = tempfile.mkstemp(prefix="coworkmed-worker-", suffix=".log")
        # a request's thread reads what a dead worker said while the pool may be closing it
        # from another: a descriptor closed between the two (or, worse, its number given to
        # another file) must not be read
        self._lock = threading.Lock()

    def _read(self) -> str:
        if self._handle < 0:
            return ""
        size = os.fstat(self._handle).st_size
        start = max(0, size - ERRORS_TAIL)
        return os.pread(self._handle, size - start, start).decode("utf-8", "replace")

    def tail(self) -> str:
        """The last ``ERRORS_TAIL`` bytes the worker wrote; none once ``forward`` is done."""
        with self._lock:
            return self._read()

    def fault(self) -> str | None:
        """The message of the engine's panic the worker wrote, if it ended with one (an
        allocation past the memory cap is no panic)."""
        return _panic(self.tail())

    def forward(self, who: str = "a worker") -> None:
        """Once the worker is done: write what ``who`` said to this process's standard error,
        one line when the engine panicked (``fault``), and let the file go (its name, if the
        worker never started, and the descriptor)."""
        with self._lock:
            if self._handle < 0:
                return
            said = self._read()
            os.close(self._handle)
            self._handle = -1
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        fault = _panic(said)
        text = said if fault is None else f"coworkmed: {who} ended: the engine panicked: {fault}"
        if text:
            sys.stderr.write(text if text.endswith("\n") else text + "\n")


def _panic(said: str) -> str | None:
    """The message of the last Rust panic in a worker's error output ``said``, if any."""
    found = list(_PANIC.finditer(said))
    if not found:
        return None
    message = found[-1].group("message") or found[-1].group("quoted") or ""
    return message.strip() or None


def refused(process: BaseProcess) -> None:
    """``NoWorkers`` when ``process`` (ended) was a worker that would not run uncut
    (``Limits.must_cut``)."""
    if process.exitcode == NOT_CUT:
        raise NoWorkers(NOT_CUT_SAID)


def describe_end(exitcode: int | None) -> tuple[str, int | None]:
    """How a worker that exited with ``exitcode`` ended, in words, and the signal if any."""
    if exitcode is not None and exitcode < 0:
        number = -exitcode
        reason = ENDINGS.get(number, f"it was ended by signal {number}")
        return reason, number
    return f"it exited with status {exitcode}", None


def started_worker(
    target: Callable[..., Any], args: tuple[Any, ...], duplex: bool
) -> tuple[BaseProcess, Connection, ErrorOutput]:
    """A worker started on ``target(*args, its end of a pipe, the path of its error output)``:
    its process, this end of the pipe (the reading end when not ``duplex``) and its error
    output; ``NoWorkers``, all of it closed, when it cannot be started."""
    context = worker_context()
    mine, theirs = context.Pipe(duplex=duplex)
    errors = ErrorOutput()
    process = context.Process(target=target, args=(*args, theirs, errors.path), daemon=True)
    try:
        start_worker(process)
    except NoWorkers:
        mine.close()
        theirs.close()
        errors.forward()
        raise
    theirs.close()
    return process, mine, errors


def _serve_calls(connection: Connection) -> None:
    """A kept worker's loop (``KeptWorker``): each ``(function, args)`` received is answered
    with ``function(*args)``, as ``run_confined``'s worker answers its one call; the memory a
    call freed is handed back before the next."""
    while True:
        try:
            function, args = connection.recv()
        except EOFError:  # its owner closed the pipe, or is gone: so is this worker
            return
        try:
            result = function(*args)
        except MemoryError:
            connection.send(("crash", "it ran out of memory"))
            return  # what a failed allocation left half made is not trusted with the next call
        except Exception as error:  # sent back whole: the caller raises it again as its own
            connection.send(("raise", error))
        else:
            connection.send(("ok", result))
        give_back_memory()


def _kept_main(limits: Limits, connection: Connection, errors: str) -> None:
    errors_to(errors)
    confined_thread(limits, _serve_calls, connection)


class KeptWorker:
    """One confined worker kept for many calls, each bounded in time as ``run_confined``'s one
    call is, without a process started for each (about 20 ms each,
    ``bench/bench_remote_reading.py``). It is started at its first call, and again at the
    call after one that killed it: a call still running at its time limit (the worker is
    killed, ``WorkerTimedOut``) or one that crashed it (``WorkerCrashed``). For functions that
    keep nothing from one call to the next (a module's own functions: they are sent by name).
    One call at a time: a caller holds it for its calls (a pool of them, one per slot)."""

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._process: BaseProcess | None = None
        self._connection: Connection | None = None
        self._errors: ErrorOutput | None = None

    @property
    def pid(self) -> int | None:
        """Its worker's process id while one runs."""
        process = self._process
        return process.pid if process is not None and process.is_alive() else None

    def _start(self) -> Connection:
        process, connection, errors = started_worker(_kept_main, (self._limits,), duplex=True)
        self._process, self._connection, self._errors = process, connection, errors
        return connection

    def call(self, function: Callable[..., T], args: tuple[Any, ...], timeout: float) -> T:
        """``function(*args)`` in the worker within ``timeout`` seconds: its result, or the
        exception it raised; ``WorkerTimedOut`` or ``WorkerCrashed`` as ``run_confined``."""
        connection = self._connection
        if connection is None or self._process is None or not self._process.is_alive():
            self.stop()
            connection = self._start()
        try:
            connection.send((function, args))
            if not connection.poll(timeout):
                self.stop()
                raise WorkerTimedOut(f"it was still working after {timeout:g} s, and was stopped")
            outcome = connection.recv()
        except (EOFError, OSError):
            process, errors = self._process, self._errors
            if process is not None:
                process.join(timeout=5)
            reason, number = describe_end(None if process is None else process.exitcode)
            fault = None if errors is None else errors.fault()
            self.stop()
            if process is not None:
                refused(process)
            raise WorkerCrashed(reason, number, fault) from None
        if outcome[0] == "crash":
            self.stop()
            raise WorkerCrashed(outcome[1], None)
        if outcome[0] == "raise":
            raise outcome[1]
        result: T = outcome[1]
        return result

    def stop(self) -> None:
        """Stop its worker, if one runs (the next call starts another)."""
        process, connection, errors = self._process, self._connection, self._errors
        self._process = self._connection = self._errors = None
        if process is not None:
            if process.is_alive():
                process.kill()
            process.join(timeout=5)
        if connection is not None:
            connection.close()
        if errors is not None:
            errors.forward("a kept worker")


def run_confined(
    function: Callable[..., T],
    args: tuple[Any, ...],
    limits: Limits,
    timeout: float,
    then: float | None = None,
) -> T:
    """``function(*args)`` in a fresh worker confined to ``limits``, within ``timeout`` seconds;
    with ``then``, once the function says its bounded part is done (``passed``), it has
    ``then`` seconds more (a change committed must be published, not cut off).

    Its result (or the exception it raised) comes back pickled; raises ``WorkerTimedOut`` when
    it is still running at its time limit (it is killed), ``WorkerCrashed`` when it dies; their
    ``passed`` says whether the function had said ``passed`` by then."""
    process, receiver, errors = started_worker(
        _confined_main, (function, args, limits), duplex=False
    )
    said_passed = False
    try:
        while True:
            if not receiver.poll(then if said_passed and then is not None else timeout):
                process.kill()
                limit = then if said_passed and then is not None else timeout
                stopped = WorkerTimedOut(f"it was still working after {limit:g} s, and was stopped")
                stopped.passed = said_passed
                raise stopped
            try:
                outcome = receiver.recv()
            except (EOFError, OSError):
                process.join(timeout=5)
                refused(process)
                reason, number = describe_end(process.exitcode)
                crashed = WorkerCrashed(reason, number, errors.fault())
                crashed.passed = said_passed
                raise crashed from None
            if outcome != PASSED:
                break
            said_passed = True
    finally:
        receiver.close()
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)
        errors.forward()
    if outcome[0] == "crash":
        crashed = WorkerCrashed(outcome[1], None)
        crashed.passed = said_passed
        raise crashed
    if outcome[0] == "raise":
        raise outcome[1]
    return outcome[1]
