"""The partners who may publish, and their tokens (``partners.toml``, the ``partners_file``
setting): each token is stored as a salted PBKDF2 hash, compared in constant time, and opens
its own partner's dataset only (``{base}dataset/{partner}``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

from core.locks import held
from core.names import shown_name

ITERATIONS = 200_000
PARTNER_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
#: the most characters a partner's name has (it is printed and published with each version)
NAME_LENGTH = 200


class PartnerError(Exception):
    """An unknown partner, a bad token or a bad partners file."""


class BadPartner(PartnerError):
    """A partner id or name that cannot be added (the file is not to blame)."""


@dataclass(frozen=True)
class Partner:
    id: str
    name: str
    token_hash: str


def hash_token(token: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", token.encode("utf-8"), bytes.fromhex(salt), ITERATIONS)
    return f"pbkdf2-sha256${ITERATIONS}${salt}${digest.hex()}"


def token_matches(token: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2-sha256":
        return False
    given = hashlib.pbkdf2_hmac(
        "sha256", token.encode("utf-8"), bytes.fromhex(salt), int(iterations)
    )
    return hmac.compare_digest(given.hex(), digest)


def read_partners(path: Path) -> dict[str, Partner]:
    """The partners of a partners file (none when it does not exist)."""
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise PartnerError(f"{path}: cannot be read ({error})") from None
    partners = {}
    for partner_id, entry in data.get("partners", {}).items():
        if not isinstance(entry, dict) or "token_hash" not in entry:
            raise PartnerError(f"{path}: partner {partner_id} has no token_hash")
        partners[partner_id] = Partner(
            partner_id, entry.get("name", partner_id), entry["token_hash"]
        )
    return partners


def _quote(text: str) -> str:
    """A TOML basic string of ``text`` (for partners.toml)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


#: what the lock file of a partners file is named: its name and this
LOCK = ".lock"
#: the most bytes a file's name has on the usual file systems (NAME_MAX)
NAME_BYTES = 255


def beside(path: Path, ending: str) -> Path:
    """A file in ``path``'s folder named for it: its name and ``ending``, or, when that name
    would be too long for the file system, a digest of its name and ``ending`` (a partners
    file named with 251 bytes or more gave exit 74 for its lock's name)."""
    name = path.name + ending
    if len(os.fsencode(name)) > NAME_BYTES:
        name = "." + hashlib.sha256(os.fsencode(path.name)).hexdigest()[:32] + ending
    return path.with_name(name)


def not_partners(path: Path) -> str | None:
    """Why ``path`` cannot be a file of partners, or None (a file, or nothing yet)."""
    if path.exists() and not path.is_file():
        return "is not a file of partners (a device, a pipe or a folder)"
    return None


def check_partner_id(partner_id: str) -> None:
    """BadPartner when ``partner_id`` cannot be a partner's id (``PARTNER_ID``)."""
    if not PARTNER_ID.match(partner_id):
        raise BadPartner(
            f"{partner_id!r}: a partner id is 2 to 63 lower-case letters, digits and '-', "
            "the first a letter or a digit"
        )


def check_partner(partner_id: str, name: str) -> None:
    """BadPartner when ``partner_id`` cannot be a partner's id or ``name`` its name."""
    check_partner_id(partner_id)
    if not name.strip() or shown_name(name) != name or len(name) > NAME_LENGTH:
        raise BadPartner(  # stranger 75: an empty name was taken; 76: one of 100,000 characters
            f"{name[:80]!r}: a partner's name is text, on one line, of {NAME_LENGTH} characters "
            "at most"
        )


def new_token() -> str:
    """A partner's new token (shown once; only its hash is kept)."""
    return secrets.token_urlsafe(32)


def add_partner(path: Path, partner_id: str, name: str, token: str | None = None) -> str:
    """Add (or give a new token to) a partner; return the token (``token``, else a new one),
    which is not kept anywhere. One process at a time reads, changes and writes the file
    (``LOCK``; stranger 75: six adds at once each printed a token, and the file kept 4)."""
    check_partner(partner_id, name)
    path = path.resolve()  # a link is followed: its file changes, it stays a link (stranger 76)
    why = not_partners(path)  # /dev/null was made a file of partners
    if why is not None:
        raise PartnerError(f"{path}: {why}")
    with held(beside(path, LOCK)):
        return _added(path, partner_id, name, token or new_token())


def _added(path: Path, partner_id: str, name: str, token: str) -> str:
    partners = read_partners(path)
    partners[partner_id] = Partner(partner_id, name, hash_token(token))
    lines = ["# CoworkMed partners: ids, names and hashed tokens (coworkmed partner add).", ""]
    for partner in sorted(partners.values(), key=lambda p: p.id):
        lines += [
            f"[partners.{partner.id}]",
            f"name = {_quote(partner.name)}",
            f"token_hash = {_quote(partner.token_hash)}",
            "",
        ]
    temporary = beside(path, ".tmp")
    temporary.write_text("\n".join(lines), encoding="utf-8")
    if path.exists():  # its permissions are kept (a read-only file became 644)
        os.chmod(temporary, path.stat().st_mode & 0o7777)
    temporary.replace(path)
    return token


def partner_for_token(path: Path, token: str | None) -> Partner | None:
    """The partner this token opens, if any (every stored hash is checked, in constant time)."""
    if not token:
        return None
    found = None
    for partner in read_partners(path).values():
        if token_matches(token, partner.token_hash):
            found = partner
    return found
