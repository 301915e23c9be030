"""Settings, declared as data: name, environment variable, default and help.

Every command and service reads its settings through ``setting``; the README lists this table
(a test checks that it does).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from loaders.vocabulary import DEFAULT_DATA_BASE


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str
    type: type = str


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting(
            "store",
            "COWORKMED_STORE",
            "store",
            "Directory of the embedded Oxigraph store (created if missing).",
        ),
        Setting(
            "base",
            "COWORKMED_BASE",
            DEFAULT_DATA_BASE,
            "Base IRI under which the project mints data IRIs (spaces, operators, datasets).",
        ),
        Setting("host", "COWORKMED_HOST", "127.0.0.1", "Address the server listens on."),
        Setting("port", "COWORKMED_PORT", "8000", "Port the server listens on.", int),
        Setting(
            "query_timeout",
            "COWORKMED_QUERY_TIMEOUT",
            "30",
            "Seconds a query may run before its worker process is killed (answer 504).",
            float,
        ),
        Setting(
            "query_workers",
            "COWORKMED_QUERY_WORKERS",
            "2",
            "Worker processes answering queries; a slow query holds only one of them.",
            int,
        ),
        Setting(
            "max_rows",
            "COWORKMED_MAX_ROWS",
            "10000",
            "Most solutions (or triples) a query returns; a cut answer says so in a header.",
            int,
        ),
        Setting(
            "max_body",
            "COWORKMED_MAX_BODY",
            "1048576",
            "Largest request body accepted, in bytes (answer 413 beyond).",
            int,
        ),
        Setting(
            "cors_origins",
            "COWORKMED_CORS_ORIGINS",
            "*",
            "Value of Access-Control-Allow-Origin on read responses (empty: no CORS header).",
        ),
    )
}


def setting(name: str, given: object = None) -> Any:
    """The value of a setting, typed: the one given (command-line option or application
    config), else the environment, else the default."""
    definition = SETTINGS[name]
    raw = given if given not in (None, "") else os.environ.get(definition.env, definition.default)
    try:
        return definition.type(raw)
    except ValueError:
        raise ValueError(
            f"setting {name} ({definition.env}): {raw!r} is not a {definition.type.__name__}"
        ) from None


def settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every setting, resolved."""
    overrides = overrides or {}
    return {name: setting(name, overrides.get(name)) for name in SETTINGS}
