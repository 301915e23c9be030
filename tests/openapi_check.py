"""Every JSON answer of the API checked against ``endpoint/openapi.json``: the schema of its path,
method and status (``$ref``s resolved by ``referencing``). A route under /api/ answering JSON that
the document does not describe is a failure too."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOCUMENT = Path(__file__).parents[1] / "endpoint" / "openapi.json"
URI = "urn:coworkmed:openapi"


#: the answers of a path or method openapi.json has not (it describes operations only): their
#: Problem, as its description says (an unknown path 404, a method a path does not take 405)
UNROUTED = frozenset({404, 405})


class Undescribed(AssertionError):
    """A JSON answer of the API that openapi.json does not describe, or not as it is."""


@cache
def _document() -> tuple[dict[str, Any], Registry, list[tuple[re.Pattern[str], str]]]:
    document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry = Registry().with_resource(URI, resource)
    paths = [
        (re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + r"\Z"), path)
        for path in document["paths"]
    ]
    return document, registry, paths


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def check(method: str, path: str, status: int, media_type: str, body: bytes) -> None:
    """Raise ``Undescribed`` unless the answer's body fits the schema openapi.json gives it."""
    if not path.startswith("/api/") or media_type.split(";")[0].strip() != "application/json":
        return
    document, registry, paths = _document()
    template = next((name for pattern, name in paths if pattern.match(path)), None)
    operation = document["paths"].get(template or "", {}).get(method.lower())
    if operation is None and status in UNROUTED:
        _fits({"$ref": f"{URI}#/components/schemas/Problem"}, registry, body, f"{method} {path}")
        return
    if operation is None:
        raise Undescribed(f"{method} {path} answers JSON; openapi.json has no such operation")
    response = operation["responses"].get(str(status))
    schema = (response or {}).get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        raise Undescribed(f"{method} {template} {status}: openapi.json gives this answer no JSON")
    pointer = _pointer("paths", template, method.lower(), "responses", str(status))
    root = {"$ref": f"{URI}#/{pointer}/content/application~1json/schema"}
    _fits(root, registry, body, f"{method} {template} {status}")


def _fits(root: dict[str, str], registry: Registry, body: bytes, what: str) -> None:
    validator = Draft202012Validator(root, registry=registry)
    errors = sorted(validator.iter_errors(json.loads(body)), key=lambda e: list(e.path))
    if errors:
        said = "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
        raise Undescribed(f"{what} does not fit openapi.json: {said}")
