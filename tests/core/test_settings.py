"""Settings: command line or config over environment over settings file over default."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.settings import SETTINGS, SettingsError, _parsed, settings


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for definition in SETTINGS.values():
        monkeypatch.delenv(definition.env, raising=False)
    monkeypatch.delenv("COWORKMED_CONFIG", raising=False)


def test_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "coworkmed.toml"
    file.write_text('port = 9000\nmax_rows = 7\nupdate_token = "t"\n', encoding="utf-8")
    monkeypatch.setenv("COWORKMED_CONFIG", str(file))
    monkeypatch.setenv("COWORKMED_MAX_ROWS", "8")
    resolved = settings({"port": "9100"})
    assert resolved["port"] == 9100  # given
    assert resolved["max_rows"] == 8  # environment
    assert resolved["update_token"] == "t"  # file
    assert resolved["query_timeout"] == 30.0  # default


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("port = ", "not valid TOML"),
        ("colour = 'blue'", "unknown setting(s) colour"),
        ("query_workers = 'eighty'", "'eighty' is not a whole number"),
        ("port = 'eighty'", "'eighty' is not a port number, 0 to 65535"),
        ("port = 70000", "70000 is not a port number, 0 to 65535"),
        ("port = -1", "-1 is not a port number, 0 to 65535"),
        (b"\xff\xfe", "cannot be read"),
        # stranger 61: 0 threads gave a server that said it served and never answered
        ("server_threads = 0", "0 is not a whole number, 1 or more"),
        ("server_connections = -5", "-5 is not a whole number, 1 or more"),
        ("query_workers = 0", "0 is not a whole number, 1 or more"),
        ("validation_workers = 0", "0 is not a whole number, 1 or more"),
        ("query_timeout = 0", "0 is not a finite number of seconds above 0"),
        ("validation_timeout = 'nan'", "'nan' is not a finite number of seconds above 0"),
        # stranger 62: inf gave queries that never time out
        ("query_timeout = 'inf'", "'inf' is not a finite number of seconds above 0"),
        # any text was a base, and minted IRIs no RDF syntax can write
        ("base = 'not a url'", "'not a url' holds a space or a character no IRI may hold"),
        ("base = 'https://example.org/data'", "does not end with / or #"),
        ("base = 'urn:coworkmed:'", "'urn:coworkmed:' is not an http(s) URL"),
        ("base = 'https:///id/'", "names no host"),
        ("base = 'https://u:p@example.org/id/'", "holds a user name or password"),
        ("base = 'https://example.org/id/?a=b/'", "has a query"),
        ("base = 'https://example.org/id#a#'", "has a fragment"),
        ("base = 'https://example.org/<id>/'", "a character no IRI may hold"),
        ("base = 'https://example.org/\u0085id/'", "a character no IRI may hold"),
        # stranger 73 (L3): taken, and minted IRIs no client could dereference
        ("base = 'https://example.org:99999/id/'", "has a port that is none"),
        ("base = 'https://example.org/%zz/'", "has a % that is no %XX"),
        ("base = 'https://example.org/a/../id/'", "has a . or .. segment"),
        # the same rules as the public URL's (one table for both)
        ("base = 'https://%zz.example.org/id/'", "has a % that is no %XX"),
        ("base = 'https://example.org/#id/'", "has a fragment (it may end with #)"),
        ("base = 'https://example.org/%2E%2E/id/'", "has a . or .. segment"),
    ],
    ids=[
        "syntax",
        "unknown",
        "type",
        "port-type",
        "port-above",
        "port-below",
        "encoding",
        "no-threads",
        "negative-connections",
        "no-query-workers",
        "no-validation-workers",
        "no-query-time",
        "nan-validation-time",
        "endless-query-time",
        "base-text",
        "base-no-end",
        "base-urn",
        "base-no-host",
        "base-user",
        "base-query",
        "base-fragment",
        "base-angle",
        "base-control",
        "base-port",
        "base-octet",
        "base-dot-segment",
        "base-host-octet",
        "base-fragment-before-the-end",
        "base-encoded-dot-segment",
    ],
)
def test_a_bad_settings_file_is_named(tmp_path: Path, content: str | bytes, says: str) -> None:
    file = tmp_path / "bad.toml"
    if isinstance(content, bytes):
        file.write_bytes(content)
    else:
        file.write_text(content, encoding="utf-8")
    with pytest.raises(
        SettingsError, match="bad.toml|port|workers|threads|connections|timeout|base"
    ) as raised:
        settings(file=str(file))
    assert says in str(raised.value)


@pytest.mark.parametrize(
    ("given", "taken"),
    [
        ("https://w3id.org/coworkmed/id/", "https://w3id.org/coworkmed/id/"),
        ("  http://example.org/données/  ", "http://example.org/données/"),  # an IRI, not a URI
        ("https://example.org/vocab#", "https://example.org/vocab#"),
        ("HTTPS://Example.org:8443/id/", "HTTPS://Example.org:8443/id/"),  # as written: it mints
    ],
    ids=["default", "unicode-path", "hash", "port"],
)
def test_a_base_that_mints_iris_is_taken(given: str, taken: str) -> None:
    assert settings({"base": given})["base"] == taken


def test_a_settings_file_is_parsed_again_once_changed(tmp_path: Path) -> None:
    """It is parsed once while unchanged (every setting asked parsed it again), and again when
    rewritten, however soon after."""
    file = tmp_path / "settings.toml"
    file.write_text("port = 8001\n", encoding="utf-8")
    assert settings(file=str(file))["port"] == 8001
    parsed = _parsed.cache_info().misses
    assert settings(file=str(file))["port"] == 8001
    assert _parsed.cache_info().misses == parsed
    file.write_text("port = 8002\n", encoding="utf-8")  # the same size, at once
    assert settings(file=str(file))["port"] == 8002
    replaced = tmp_path / "other.toml"
    replaced.write_text("port = 8003\n", encoding="utf-8")
    os.replace(replaced, file)
    assert settings(file=str(file))["port"] == 8003
