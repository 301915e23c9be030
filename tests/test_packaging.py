"""Every data file the packages read ships with them: each file git tracks in a package folder,
other than Python, matches a ``package-data`` pattern of pyproject.toml (a regression: the
observatory's table and figure queries were once left out)."""

from __future__ import annotations

import fnmatch
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE_DATA = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
    "setuptools"
]["package-data"]


@pytest.mark.parametrize("package", sorted(PACKAGE_DATA))
def test_every_data_file_is_package_data(package: str) -> None:
    tracked = subprocess.run(
        ["git", "ls-files", package], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    data = [Path(name).relative_to(package).as_posix() for name in tracked]
    missing = [
        name
        for name in data
        if not name.endswith(".py")
        and not any(fnmatch.fnmatch(name, pattern) for pattern in PACKAGE_DATA[package])
    ]
    assert data and missing == []
