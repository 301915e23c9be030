"""The service's public URL (the ``public_url`` setting), written one way: every absolute URL
the service publishes starts with it, and each resource must have one IRI, written one way, that
a client reaches (stranger 58: a public URL written ``https://DATA.Example.ORG:443/cwm`` was
published so in the service description and otherwise in the slash redirects; one with a user
name and password published them in every URL)."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import SplitResult, quote, unquote, urlsplit

#: the characters a path of this service keeps as they are (the IRI's own ``%XX`` are kept,
#: never encoded a second time)
IRI_PATH_SAFE = "/:@!$&'()*+,;=-._~"
#: a percent-encoded octet
OCTET = re.compile(r"%[0-9A-Fa-f]{2}")

#: the default port of each scheme a public URL may have (written, it is dropped)
DEFAULT_PORTS = {"http": 80, "https": 443}
_BADOCTET = re.compile(r"%(?![0-9A-Fa-f]{2})")
#: what neither a public URL nor the base IRI of minted data may hold -> why it is refused
_URL_RULES: tuple[tuple[Callable[[SplitResult], bool], str], ...] = (
    (lambda u: u.scheme.lower() not in DEFAULT_PORTS, "is not an http(s) URL"),
    (lambda u: not u.hostname, "names no host"),
    (lambda u: "@" in u.netloc, "holds a user name or password, which it would publish"),
    (lambda u: bool(u.query), "has a query"),
    (lambda u: _BADOCTET.search(u.netloc + u.path) is not None, "has a % that is no %XX"),
    (lambda u: bool({".", ".."} & _segments(u.path)), "has a . or .. segment in its path"),
)
#: what a public URL may not hold -> why it is refused (the service names its resources under
#: it: each must be one IRI, written one way, that a client reaches)
REFUSED_PARTS: tuple[tuple[Callable[[SplitResult], bool], str], ...] = (
    *_URL_RULES,
    (lambda u: not u.netloc.isascii(), "has a host not in ASCII (write it in punycode)"),
    (lambda u: bool(u.fragment), "has a fragment"),
    (lambda u: "%2F" in u.path.upper(), "has an encoded / (%2F) in its path"),
)
#: the characters RFC 3986 calls unreserved: written as themselves, never %XX (section 6.2.2.2)
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _segments(path: str) -> set[str]:
    return {unquote(segment) for segment in path.split("/")}


def _port(parts: SplitResult) -> int | None:
    """The port a public URL names (None: its scheme's); ValueError for one that is none."""
    try:
        port = parts.port
    except ValueError:  # out of range, or not a number
        port = 0
    if port == 0:
        raise ValueError(f"{parts.geturl()!r} has a port that is none (1-65535)")
    return port


def normal_public_url(text: object) -> str:
    """The ``public_url`` setting as the service writes it, without its final ``/``: scheme
    and host in lower case, no default port, its path encoded once (``/données`` is
    ``/donn%C3%A9es``, ``%c3`` is ``%C3``, ``%7E`` is ``~``); empty for none. ValueError saying
    why for one that cannot name the service's resources."""
    given = str(text).strip().rstrip("/")
    if not given:
        return ""
    parts = urlsplit(given)
    for refused, why in REFUSED_PARTS:
        if refused(parts):
            raise ValueError(f"{given!r} {why}")
    scheme, port = parts.scheme.lower(), _port(parts)
    host = str(parts.hostname)  # lower case; an IPv6 address without its brackets
    host = f"[{host}]" if ":" in host else host
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = OCTET.sub(_octet, quote(parts.path, safe=IRI_PATH_SAFE + "%"))
    return f"{scheme}://{netloc}{path}"


def _octet(found: re.Match[str]) -> str:
    character = chr(int(found.group()[1:], 16))
    return character if character in _UNRESERVED else found.group().upper()


#: characters an IRI may not hold (RFC 3987's ``iunreserved`` and the rest leave them out):
#: minted into an IRI they make it one no RDF syntax can write
_NOT_IN_IRI = re.compile(r"[\x00-\x20<>\"{}|\\^`\x7f-\x9f]")
#: what the base IRI of minted data may not be, beyond ``_URL_RULES`` -> why it is refused
REFUSED_BASES: tuple[tuple[Callable[[SplitResult], bool], str], ...] = (
    *_URL_RULES,
    (lambda u: bool(u.fragment), "has a fragment (it may end with #)"),
    (lambda u: not _port_named(u), "has a port that is none (1-65535)"),
)


def _port_named(parts: SplitResult) -> bool:
    """Whether the port a URL names, if any, is one (1-65535)."""
    try:
        return parts.port != 0
    except ValueError:  # out of range, or not a number
        return False


def base_iri(text: object) -> str:
    """The ``base`` setting, under which the data's IRIs are minted (the name follows it):
    ValueError saying why for one that would mint no IRI, or IRIs no client can dereference
    (``not a url`` was taken, and minted ``not a urlspace/...``)."""
    given = str(text).strip()
    if _NOT_IN_IRI.search(given) is not None:
        raise ValueError(f"{given!r} holds a space or a character no IRI may hold")
    parts = urlsplit(given)
    for refused, why in REFUSED_BASES:
        if refused(parts):
            raise ValueError(f"{given!r} {why}")
    if not given.endswith(("/", "#")):
        raise ValueError(f"{given!r} does not end with / or # (the names follow it)")
    return given
