"""A load or a publish killed (SIGKILL) at any moment: afterwards the store holds the previous
version of the dataset or the new one, complete, and the next run completes.

For real: ``coworkmed load`` and ``coworkmed publish`` run as processes over a copy of the
samples with a 3,000-row version of fr-aura's file, and are killed at fractions of the time an
uninterrupted run takes, and once the moment their snapshot directory appears. After each kill
the store is opened as a restarted server would open it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from publishing.partners import add_partner
from tests.runs import bigger, published_state, version_graphs

# minutes: real runs killed at eight moments each
pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[2]
MAPPING = ROOT / "examples" / "partners" / "fr-aura" / "mapping.yaml"
#: where in an uninterrupted run's time the kills land
FRACTIONS = (0.15, 0.3, 0.45, 0.6, 0.75, 0.85, 0.92, 0.97)


def _command(kind: str, file: Path, store: Path) -> list[str]:
    """Every run loads the file again (``--force``: a run after one that finished would
    otherwise find it unchanged and write nothing, leaving nothing to kill)."""
    run = [sys.executable, "-m", "coworkmed.cli"]
    if kind == "load":
        return [*run, "load", str(MAPPING), str(file), "--store", str(store), "--force"]
    return [
        *run, "publish", str(file), "--partner", "fr-aura", "--mapping", str(MAPPING),
        "--store", str(store), "--force",
    ]  # fmt: skip


def _start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The run, its errors in a file (a pipe would stay open in any process it left)."""
    errors = Path(env["KILL_TEST_FOLDER"]) / "stderr.txt"
    with errors.open("wb") as handle:
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=handle)


def _finish(process: subprocess.Popen[bytes], env: dict[str, str]) -> None:
    process.wait(timeout=300)
    errors = Path(env["KILL_TEST_FOLDER"]) / "stderr.txt"
    assert process.returncode == 0, errors.read_text(errors="replace")


def _left_running(marker: str) -> list[int]:
    """Processes still running with ``marker`` in their environment (started by a run)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _nothing_left(marker: str) -> None:
    """A killed run's worker processes end by themselves within a few seconds."""
    deadline = time.monotonic() + 10
    while _left_running(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _left_running(marker) == [], "a killed run left processes running"


def _kill_at_snapshot(command: list[str], env: dict[str, str], store: Path) -> bool:
    """Kill the run the moment its next snapshot directory appears; whether it did appear."""
    snapshots = store / "snapshots"
    before = {p.name for p in snapshots.iterdir()}
    process = _start(command, env)
    try:
        while process.poll() is None:
            if {p.name for p in snapshots.iterdir()} - before:
                process.send_signal(signal.SIGKILL)
                return True
            time.sleep(0.001)
        return False
    finally:
        process.kill()
        process.wait()


@pytest.mark.parametrize("kind", ["load", "publish"])
def test_a_killed_run_leaves_the_old_version_or_the_new_one(
    kind: str, store_path: Path, tmp_path: Path
) -> None:
    rows = 3_000 if kind == "load" else 1_500
    file = bigger(tmp_path, rows)
    marker = f"coworkmed-kill-test-{uuid.uuid4()}"
    env = {
        **os.environ,
        "COWORKMED_PARTNERS_FILE": str(tmp_path / "partners.toml"),
        "KILL_TEST_FOLDER": str(tmp_path),
        "KILL_TEST_MARKER": marker,
    }
    add_partner(tmp_path / "partners.toml", "fr-aura", "AURA")
    store, reference = tmp_path / "store", tmp_path / "reference"
    shutil.copytree(store_path, store)
    shutil.copytree(store_path, reference)
    old = published_state(store)
    started = time.monotonic()
    _finish(_start(_command(kind, file, reference), env), env)
    duration = time.monotonic() - started
    new = published_state(reference)
    assert new != old

    seen, unfinished = [], 0
    for fraction in FRACTIONS:
        process = _start(_command(kind, file, store), env)
        time.sleep(duration * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait()
        _nothing_left(marker)
        state = published_state(store)
        assert state in (old, new), f"killed at {fraction:.0%} of the run: {state}"
        seen.append("new" if state == new else "old")
        unfinished = max(unfinished, version_graphs(store) - 2)
    snapshot_reached = _kill_at_snapshot(_command(kind, file, store), env, store)
    _nothing_left(marker)
    assert published_state(store) in (old, new)

    _finish(_start(_command(kind, file, store), env), env)
    assert published_state(store) == new
    assert version_graphs(store) <= 2, "the next run removes what killed runs left"
    # the kills did land while the new version was being written (and at the snapshot)
    assert unfinished >= 1 or snapshot_reached, seen
