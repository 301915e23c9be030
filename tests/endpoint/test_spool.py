"""The server's own folder (``endpoint.spool``): the folders no running server holds are
removed, and only those (a running server's, whatever pid its name says; a link; a name that
is not a server's are left alone)."""

from __future__ import annotations

import atexit
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from endpoint.spool import (
    PREFIX,
    WORKERS,
    answer_file,
    remove_spool,
    spool_folder,
    spooled,
    sweep_spools,
    workers_folder,
)


def _folder(place: Path, name: str, age: float = 0) -> Path:
    folder = place / name
    folder.mkdir()
    (folder / "submission.csv").write_text("name,email\nA,a@example.org\n")
    if age:
        then = time.time() - age
        os.utime(folder, (then, then))
    return folder


def _held(place: Path, name: str) -> Path:
    """A folder locked as a running server locks its own (another open of it: the lock is
    the open file's, as another process's would be)."""
    folder = _folder(place, name)
    _lock(folder)
    return folder


def _lock(folder: Path) -> None:
    """Lock ``folder`` as a server does (BlockingIOError: another holds it)."""
    handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(handle)
        raise
    HELD.append(handle)


HELD: list[int] = []


@pytest.fixture(autouse=True)
def _let_go() -> Iterator[None]:
    yield
    while HELD:
        os.close(HELD.pop())


def _link(link: Path, target: Path) -> Path:
    link.symlink_to(target, target_is_directory=True)
    return link


def _file(path: Path) -> Path:
    path.write_text("not a folder")
    return path


#: a name in the temporary folder -> how it is made there, and whether the sweep removes it
CASES: dict[str, tuple[Callable[[Path], Path], bool]] = {
    "a killed server's": (lambda p: _folder(p, f"{PREFIX}4242-ab12"), True),
    "a killed server that was process 1 of its container": (
        lambda p: _folder(p, f"{PREFIX}1-ab12"),
        True,
    ),
    "a running server's": (lambda p: _held(p, f"{PREFIX}4242-ab12"), False),
    "a running server's, of a pid that is not one here (another namespace)": (
        lambda p: _held(p, f"{PREFIX}99999999-ab12"),
        False,
    ),
    "a running server's, with this process's pid": (
        lambda p: _held(p, f"{PREFIX}{os.getpid()}-ab12"),
        False,
    ),
    "an earlier version's upload, two hours old": (
        lambda p: _folder(p, "coworkmed-upload-x1y2", age=7_200),
        True,
    ),
    "an earlier version's uploads, two hours old": (
        lambda p: _folder(p, "coworkmed-uploads-4242-x1y2", age=7_200),
        True,
    ),
    "an earlier version's upload, a minute old": (
        lambda p: _folder(p, "coworkmed-upload-x1y2", age=60),
        False,
    ),
    "a link to another folder": (
        lambda p: _link(p / f"{PREFIX}4242-ab12", _folder(p, "elsewhere")),
        False,
    ),
    "a file, not a folder": (lambda p: _file(p / f"{PREFIX}4242-ab12"), False),
    "another program's folder": (lambda p: _folder(p, "pymp-4242"), False),
    "a killed server's fork server's folder": (lambda p: _folder(p, f"{WORKERS}ab12cd34"), True),
    "a running server's fork server's folder": (lambda p: _held(p, f"{WORKERS}ab12cd34"), False),
    "a link named as a fork server's folder": (
        lambda p: _link(p / f"{WORKERS}ab12cd34", _folder(p, "elsewhere")),
        False,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_sweep_removes_only_what_no_running_server_holds(case: str, tmp_path: Path) -> None:
    make, removed = CASES[case]
    made = make(tmp_path)
    assert sweep_spools(tmp_path) == ([made] if removed else [])
    assert made.exists() is not removed
    if made.is_symlink():
        assert (made.resolve() / "submission.csv").exists()  # nothing followed through it


def test_files_wait_in_the_servers_own_private_locked_folder() -> None:
    with spooled(".csv") as path:
        path.write_text("name\nA\n")
        folder = spool_folder()
        assert path.parents[1] == folder
        assert folder.name.startswith(f"{PREFIX}{os.getpid()}-")
        assert folder.stat().st_mode & 0o777 == 0o700
    assert not path.parent.exists()
    remove_spool()
    assert not folder.exists()
    with spooled(".tsv") as again:  # a folder removed under the server is made again
        again.write_text("x")
        assert again.exists()
    remove_spool()


def test_an_answer_file_is_removed_when_its_request_fails() -> None:
    with pytest.raises(TimeoutError), answer_file(True) as path:
        assert path is not None
        Path(path).write_bytes(b"half an answer")  # what a worker stopped mid-write leaves
        raise TimeoutError
    assert not Path(path).exists()
    with answer_file(False) as nothing:
        assert nothing is None
    remove_spool()


def test_the_fork_servers_folder_is_private_locked_and_removed_with_the_servers() -> None:
    folder = workers_folder()
    assert workers_folder() == folder and folder.name.startswith(WORKERS)
    assert folder.stat().st_mode & 0o777 == 0o700
    with pytest.raises(BlockingIOError):  # held: no sweep removes it while this process runs
        _lock(folder)
    remove_spool()
    assert not folder.exists()


def test_the_folders_are_removed_at_exit_by_one_registration() -> None:
    """Regression: the fork server's folder and the files' folder each registered the removal
    at exit when made first (twice for a server, and again after each ``remove_spool``)."""
    before = atexit._ncallbacks()  # type: ignore[attr-defined]
    for _ in range(2):
        workers_folder()
        spool_folder()
        remove_spool()
    assert atexit._ncallbacks() - before <= 1  # type: ignore[attr-defined]
