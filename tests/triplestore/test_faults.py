"""Faults under a load, for real (``coworkmed load`` as a process): a full disk, a read-only store
directory, a store held by another process, an external store that is down. Each gives a clear
error that names the problem, exit status 1, and publishes nothing: readers see what they saw.

The disk and the read-only directory are small tmpfs mounts, which need root (as in CI); the
tests are skipped elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from coworkmed.serving import free_port
from tests.runs import ROOT, bigger, published_state
from triplestore.backends.oxigraph import OxigraphLocation

# real `coworkmed load` processes over tmpfs mounts
pytestmark = pytest.mark.slow

MAPPING = ROOT / "examples" / "partners" / "fr-aura" / "mapping.yaml"


@contextmanager
def _tmpfs(folder: Path, megabytes: int) -> Iterator[Path]:
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        if os.geteuid() == 0:
            pytest.fail(f"root cannot mount a tmpfs here: {mounted.stderr.decode()}")
        pytest.skip("mounting a small file system needs root")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


@contextmanager
def disk_full(samples: Path, folder: Path) -> Iterator[str]:
    """The store on a 40 MB file system: the samples' store takes about 29 MB once copied (its
    snapshots' hard links become copies; the merge readers query, ``triplestore.merge``, is in
    each), the 3,000-row load needs about 35 MB more."""
    with _tmpfs(folder / "disk", 40) as disk:
        shutil.copytree(samples, disk / "store")
        yield str(disk / "store")


@contextmanager
def read_only(samples: Path, folder: Path) -> Iterator[str]:
    """The store on a file system mounted read-only after the store was copied there."""
    with _tmpfs(folder / "disk", 64) as disk:
        shutil.copytree(samples, disk / "store")
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        yield str(disk / "store")


@contextmanager
def locked(samples: Path, folder: Path) -> Iterator[str]:
    """The store's primary database held open for writing by another process (this one)."""
    shutil.copytree(samples, folder / "store")
    with OxigraphLocation(folder / "store").writer():
        yield str(folder / "store")


@contextmanager
def remote_down(samples: Path, folder: Path) -> Iterator[str]:
    """An external store whose address nothing answers on."""
    port = free_port()
    os.environ["COWORKMED_STORE_GRAPH_STORE_URL"] = f"http://127.0.0.1:{port}/data"
    try:
        yield f"http://127.0.0.1:{port}/sparql"
    finally:
        del os.environ["COWORKMED_STORE_GRAPH_STORE_URL"]


#: fault -> (how to make it, what the error says, the exit status: 75 for a store another
#: process is writing, which trying again may get past (stranger 69, F5); 74 for a store that
#: cannot take the write, which the source is not to blame for (it was 1, which publish says
#: for a file with errors))
FAULTS: dict[str, tuple[Callable[[Path, Path], AbstractContextManager[str]], str, int]] = {
    "disk-full": (disk_full, "No space left on device", 74),
    "read-only-directory": (read_only, "Read-only file system", 74),
    "locked-by-another-process": (locked, "cannot open the store for writing", 75),
    "remote-store-down": (remote_down, "cannot be reached", 74),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_fault_gives_a_clear_error_and_publishes_nothing(
    fault: str, store_path: Path, tmp_path: Path
) -> None:
    make, says, status = FAULTS[fault]
    file = bigger(tmp_path, 3_000)
    with make(store_path, tmp_path) as store:
        before = None if store.startswith("http") else published_state(Path(store))
        run = subprocess.run(
            [sys.executable, "-m", "coworkmed.cli", "load", str(MAPPING), str(file)]
            + ["--store", store],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env={**os.environ, "COWORKMED_STORE_LOCK_WAIT": "1"},  # locked: 75 after 1 s
        )
        assert run.returncode == status, run.stdout + run.stderr
        assert says in run.stderr and "Traceback" not in run.stderr, run.stderr
        if before is not None:
            assert published_state(Path(store)) == before
