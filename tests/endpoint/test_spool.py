"""Where uploads wait (``endpoint.spool``): the folders of servers no longer running are
removed, and only those (a running server's upload, another user's folder, a link, a name that
is not a server's are left alone)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from endpoint.spool import PREFIX, remove_uploads, spooled, sweep_uploads, uploads_folder


def _ended_pid() -> int:
    """The pid of a process that has ended (and been collected)."""
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(ended.stdout)


def _folder(place: Path, name: str, age: float = 0) -> Path:
    folder = place / name
    folder.mkdir()
    (folder / "submission.csv").write_text("name,email\nA,a@example.org\n")
    if age:
        then = time.time() - age
        os.utime(folder, (then, then))
    return folder


#: a name in the temporary folder -> how it is made there, and whether the sweep removes it
CASES: dict[str, tuple[Callable[[Path], Path], bool]] = {
    "a killed server's uploads": (lambda p: _folder(p, f"{PREFIX}{_ended_pid()}-ab12"), True),
    "this server's own": (lambda p: _folder(p, f"{PREFIX}{os.getpid()}-ab12"), False),
    "a running server's": (lambda p: _folder(p, f"{PREFIX}{os.getppid()}-ab12"), False),
    "no pid in the name": (lambda p: _folder(p, f"{PREFIX}cafe-ab12"), False),
    "an earlier version's, two hours old": (
        lambda p: _folder(p, "coworkmed-upload-x1y2", age=7_200),
        True,
    ),
    "an earlier version's, a minute old": (
        lambda p: _folder(p, "coworkmed-upload-x1y2", age=60),
        False,
    ),
    "a link to another folder": (
        lambda p: _link(p / f"{PREFIX}{_ended_pid()}-ab12", _folder(p, "elsewhere")),
        False,
    ),
    "a file, not a folder": (lambda p: _file(p / f"{PREFIX}{_ended_pid()}-ab12"), False),
    "another program's folder": (lambda p: _folder(p, f"pymp-{_ended_pid()}"), False),
}


def _link(link: Path, target: Path) -> Path:
    link.symlink_to(target, target_is_directory=True)
    return link


def _file(path: Path) -> Path:
    path.write_text("not a folder")
    return path


@pytest.mark.parametrize("case", list(CASES))
def test_the_sweep_removes_only_uploads_of_servers_no_longer_running(
    case: str, tmp_path: Path
) -> None:
    make, removed = CASES[case]
    made = make(tmp_path)
    assert sweep_uploads(tmp_path) == ([made] if removed else [])
    assert made.exists() is not removed
    if made.is_symlink():
        assert (made.resolve() / "submission.csv").exists()  # nothing followed through it


def test_an_upload_waits_in_the_servers_own_private_folder() -> None:
    with spooled(".csv") as path:
        path.write_text("name\nA\n")
        folder = uploads_folder()
        assert path.parents[1] == folder
        assert folder.name.startswith(f"{PREFIX}{os.getpid()}-")
        assert folder.stat().st_mode & 0o777 == 0o700
    assert not path.parent.exists()
    remove_uploads()
    assert not folder.exists()
    with spooled(".tsv") as again:  # a folder removed under the server is made again
        again.write_text("x")
        assert again.exists()
    remove_uploads()
