"""The partners file ``partner add`` changes is the file the path leads to, and only a file
(stranger 76: it made ``/dev/null`` and ``/dev/full`` files of partners, and replaced a link to
the deployment's partners file with a copy the server never read)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from publishing.partners import (
    NAME_LENGTH,
    BadPartner,
    PartnerError,
    add_partner,
    read_partners,
)


def test_a_link_to_the_partners_file_stays_a_link_and_its_file_gets_the_partner(
    tmp_path: Path,
) -> None:
    real = tmp_path / "real" / "partners.toml"
    real.parent.mkdir()
    add_partner(real, "fr-aura", "AURA")
    link = tmp_path / "partners.toml"
    link.symlink_to(real)
    add_partner(link, "it-toscana", "Toscana")
    assert link.is_symlink() and set(read_partners(real)) == {"fr-aura", "it-toscana"}


def test_the_partners_file_keeps_its_permissions(tmp_path: Path) -> None:
    partners = tmp_path / "partners.toml"
    add_partner(partners, "fr-aura", "AURA")
    partners.chmod(0o600)
    add_partner(partners, "it-toscana", "Toscana")
    assert partners.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("kind", ["pipe", "folder"])
def test_what_is_not_a_file_is_no_partners_file(tmp_path: Path, kind: str) -> None:
    """A pipe (as a device would be) or a folder is refused, and left as it was."""
    place = tmp_path / "partners.toml"
    if kind == "pipe":
        os.mkfifo(place)
    else:
        place.mkdir()
    with pytest.raises(PartnerError, match="is not a file of partners"):
        add_partner(place, "fr-aura", "AURA")
    assert place.is_fifo() if kind == "pipe" else place.is_dir()
    assert not (tmp_path / "partners.toml.lock").exists()


@pytest.mark.parametrize("length", [NAME_LENGTH + 1, 100_000])
def test_a_name_longer_than_a_name_is_refused(tmp_path: Path, length: int) -> None:
    with pytest.raises(BadPartner, match=f"of {NAME_LENGTH} characters at most"):
        add_partner(tmp_path / "partners.toml", "fr-aura", "x" * length)
    add_partner(tmp_path / "partners.toml", "fr-aura", "x" * NAME_LENGTH)


@pytest.mark.parametrize(
    "name",
    ["Région Sud\u00a0PACA", "Περιφέρεια Κρήτης", "Grad Split 🏙", '"quoted" and \\'],
    ids=["no-break-space", "greek", "emoji", "quotes"],
)
def test_a_name_on_one_line_is_taken_as_it_is(tmp_path: Path, name: str) -> None:
    add_partner(tmp_path / "partners.toml", "fr-aura", name)
    assert read_partners(tmp_path / "partners.toml")["fr-aura"].name == name


@pytest.mark.parametrize(
    "name",
    ["p" * 250 + ".toml", "π" * 127, "q" * 255, "partners"],
    ids=["255-bytes", "254-bytes-of-greek", "255-bytes-no-suffix", "no-suffix"],
)
def test_a_partners_file_of_any_name_the_system_takes_gets_its_partners(
    tmp_path: Path, name: str
) -> None:
    """Stop 54: a name of 251 bytes or more left no room for its lock's (``.lock``) or its
    temporary file's: exit 74. Each now gets a name the file system takes."""
    partners = tmp_path / name
    add_partner(partners, "fr-aura", "AURA")
    add_partner(partners, "it-toscana", "Toscana")
    assert set(read_partners(partners)) == {"fr-aura", "it-toscana"}
    left = {each.name for each in tmp_path.iterdir()} - {name}
    assert all(each.endswith(".lock") for each in left), left  # no temporary file stays
