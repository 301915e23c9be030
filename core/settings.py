"""Settings, declared as data: name, environment variable, default and help.

Every command and service reads its settings through ``setting``; the README lists this table
(a test checks that it does). A value comes from, in this order: the command-line option or
application config, the environment variable, the settings file named by ``COWORKMED_CONFIG``
(TOML, keys are the setting names), the default.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.namespaces import DEFAULT_DATA_BASE


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
            "Where the graph is kept: the directory of the embedded Oxigraph store (created if "
            "missing), or the http(s) URL of an external SPARQL 1.1 store's query endpoint "
            "(then set the store_* settings).",
        ),
        Setting(
            "store_update_url",
            "COWORKMED_STORE_UPDATE_URL",
            "",
            "External store: its SPARQL 1.1 Update endpoint (empty: the query URL); Virtuoso: "
            ".../sparql-auth.",
        ),
        Setting(
            "store_graph_store_url",
            "COWORKMED_STORE_GRAPH_STORE_URL",
            "",
            "External store: its Graph Store Protocol endpoint; Virtuoso: "
            ".../sparql-graph-crud-auth, Fuseki: .../<dataset>/data.",
        ),
        Setting(
            "store_user",
            "COWORKMED_STORE_USER",
            "",
            "External store: the account that updates and Graph Store writes use (empty: none).",
        ),
        Setting(
            "store_password",
            "COWORKMED_STORE_PASSWORD",
            "",
            "External store: that account's password (prefer the environment variable).",
        ),
        Setting(
            "store_auth",
            "COWORKMED_STORE_AUTH",
            "digest",
            "External store: how the account is sent, digest (Virtuoso) or basic.",
        ),
        Setting(
            "store_retries",
            "COWORKMED_STORE_RETRIES",
            "2",
            "External store: times a read is tried again when the store refuses the connection "
            "or answers 502/503/504 (writes are never tried twice).",
            int,
        ),
        Setting(
            "store_state_seconds",
            "COWORKMED_STORE_STATE_SECONDS",
            "1",
            "External store: seconds a server process trusts the generation it last read (a "
            "publish by another process shows within this time; its own at once; 0: ask at "
            "every request).",
            float,
        ),
        Setting(
            "store_namespace",
            "COWORKMED_STORE_NAMESPACE",
            "urn:x-coworkmed:store:",
            "External store: IRI prefix of the two graphs the service keeps there, its state "
            "and the stand-in for the default graph.",
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
            "public_url",
            "COWORKMED_PUBLIC_URL",
            "",
            "The service's public URL (scheme, host, port, path prefix), which every absolute "
            "URL it publishes starts with (service description, catalogue, VoID, pages, graphs "
            "named by their URL); the request's Host is never used (empty: http://host:port).",
        ),
        Setting(
            "server_threads",
            "COWORKMED_SERVER_THREADS",
            "32",
            "Requests the server handles at once (waitress threads); most of them wait on a "
            "query worker or an upload's validation, so a few slow requests do not hold up "
            "the others.",
            int,
        ),
        Setting(
            "query_timeout",
            "COWORKMED_QUERY_TIMEOUT",
            "30",
            "Seconds a query may run before its worker process is killed (answer 504); with an "
            "external store, the time the store is given to answer.",
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
            "query_long",
            "COWORKMED_QUERY_LONG",
            "1",
            "Seconds after which a running query is set aside (embedded store): its worker "
            "goes to a lower processor priority and a fresh one takes its place, so that heavy "
            "queries cannot starve light ones; at most query_workers queries run set aside, "
            "another that runs this long is stopped (504). 0: never.",
            float,
        ),
        Setting(
            "query_memory",
            "COWORKMED_QUERY_MEMORY",
            "768",
            "Address space, in MB, each query or update worker may use (RLIMIT_AS); a query "
            "that needs more is stopped (answer 400). A worker of the embedded store needs about "
            "300 at rest (384 measured to work). 0: no cap.",
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
            "service_peers",
            "COWORKMED_SERVICE_PEERS",
            "",
            "SPARQL endpoints (full IRIs, separated by spaces) that queries may call with "
            "SERVICE; empty: SERVICE is refused. LOAD is always refused.",
        ),
        Setting(
            "cors_origins",
            "COWORKMED_CORS_ORIGINS",
            "*",
            "Value of Access-Control-Allow-Origin on read responses (empty: no CORS header).",
        ),
        Setting(
            "partners_file",
            "COWORKMED_PARTNERS_FILE",
            "partners.toml",
            "File of the partners and their hashed tokens (coworkmed partner add writes it).",
        ),
        Setting(
            "mappings",
            "COWORKMED_MAPPINGS",
            "data",
            "Folder of the partners' mappings (<folder>/<source>/mapping.yaml), for uploads.",
        ),
        Setting(
            "max_upload",
            "COWORKMED_MAX_UPLOAD",
            "20971520",
            "Largest submission accepted for validation or publishing, in bytes (413 beyond).",
            int,
        ),
        Setting(
            "max_unpacked",
            "COWORKMED_MAX_UNPACKED",
            "268435456",
            "Largest size, in bytes, a workbook (XLSX, ODS: ZIP archives) may unpack to; a "
            "larger one is refused as a possible zip bomb.",
            int,
        ),
        Setting(
            "upload_rows",
            "COWORKMED_UPLOAD_ROWS",
            "10000",
            "Most data rows (or JSON records) a submission may have, counted while it is read "
            "(a workbook's grid is measured before it is read); beyond it 413.",
            int,
        ),
        Setting(
            "upload_cells",
            "COWORKMED_UPLOAD_CELLS",
            "500000",
            "Most cells a submission may have (a workbook: rows x columns of the grid its "
            "addresses span, empty cells included); beyond it 413.",
            int,
        ),
        Setting(
            "upload_repeated",
            "COWORKMED_UPLOAD_REPEATED",
            "100",
            "Most times one non-empty row or cell of an ODS workbook may be repeated "
            "(table:number-rows-repeated, number-columns-repeated); beyond it 413.",
            int,
        ),
        Setting(
            "validation_memory",
            "COWORKMED_VALIDATION_MEMORY",
            "2048",
            "Memory, in MB of address space, of the worker process that reads, maps and "
            "validates one upload (and of each process it validates parts in); past it the "
            "upload is refused (422), the server is not touched.",
            int,
        ),
        Setting(
            "validation_timeout",
            "COWORKMED_VALIDATION_TIMEOUT",
            "120",
            "Seconds the worker validating one upload may take before it is stopped (422).",
            float,
        ),
        Setting(
            "validate_rate",
            "COWORKMED_VALIDATE_RATE",
            "30",
            "Anonymous validations (/validate, /api/validate) one client address may ask per "
            "minute; beyond it 429 with Retry-After. 0: no limit.",
            int,
        ),
        Setting(
            "dumps",
            "COWORKMED_DUMPS",
            "dumps",
            "Folder of the dated dumps (coworkmed export writes them; the server lists them).",
        ),
        Setting(
            "docs",
            "COWORKMED_DOCS",
            "site/vocabulary",
            "Folder of the vocabulary's HTML documentation (coworkmed vocab docs writes it).",
        ),
        Setting(
            "write_rate",
            "COWORKMED_WRITE_RATE",
            "60",
            "Write requests (updates, Graph Store writes, submissions) one client address may "
            "make per minute, refused ones included; beyond it 429. 0: no limit.",
            int,
        ),
        Setting(
            "update_token",
            "COWORKMED_UPDATE_TOKEN",
            "",
            "Bearer token that SPARQL Update and Graph Store writes require (empty: writes off).",
        ),
    )
}

#: how a value of each type is called in messages
KINDS = {int: "a whole number", float: "a number", str: "text"}
#: environment variable naming a TOML settings file
CONFIG_ENV = "COWORKMED_CONFIG"


class SettingsError(ValueError):
    """A settings file or value that cannot be used; the message names it."""


def settings_file(path: str | None = None) -> dict[str, Any]:
    """The settings of a TOML file (``path``, else ``$COWORKMED_CONFIG``; none: empty)."""
    name = path or os.environ.get(CONFIG_ENV)
    if not name:
        return {}
    try:
        values = tomllib.loads(Path(name).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"settings file {name}: cannot be read ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"settings file {name}: not valid TOML ({error})") from None
    unknown = sorted(set(values) - set(SETTINGS))
    if unknown:
        raise SettingsError(
            f"settings file {name}: unknown setting(s) {', '.join(unknown)}; "
            f"known: {', '.join(SETTINGS)}"
        )
    return values


def setting(name: str, given: object = None, file: dict[str, Any] | None = None) -> Any:
    """The value of a setting, typed: the one given (command-line option or application
    config), else the environment, else the settings file, else the default."""
    definition = SETTINGS[name]
    if given not in (None, ""):
        raw = given
    elif definition.env in os.environ:
        raw = os.environ[definition.env]
    else:
        raw = (settings_file() if file is None else file).get(name, definition.default)
    try:
        return definition.type(raw)
    except (TypeError, ValueError):
        raise SettingsError(
            f"setting {name} ({definition.env}): {raw!r} is not {KINDS[definition.type]}"
        ) from None


def settings(overrides: dict[str, Any] | None = None, file: str | None = None) -> dict[str, Any]:
    """Every setting, resolved (``file``: a TOML settings file instead of $COWORKMED_CONFIG)."""
    overrides = overrides or {}
    values = settings_file(file)
    return {name: setting(name, overrides.get(name), values) for name in SETTINGS}
