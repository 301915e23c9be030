"""Settings, declared as data: name, environment variable, default and help.

Every command and service reads its settings through ``setting``; the README lists this table
(a test checks that it does).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from loaders.vocabulary import DEFAULT_DATA_BASE


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


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
    )
}


def setting(name: str, given: str | None = None) -> str:
    """The value of a setting: the one given (command-line option), else the environment, else
    the default."""
    if given not in (None, ""):
        return given
    definition = SETTINGS[name]
    return os.environ.get(definition.env) or definition.default
