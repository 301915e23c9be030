"""Mapping files: how one partner source becomes RDF.

A mapping is YAML, checked against ``mapping.schema.json`` and then against the field table and
the code lists; every mistake is reported with its line, so a partner can fix the mapping
without reading code. See docs/mapping.md for the format.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from core.problems import LoadError, ValueProblem
from loaders import tables
from loaders.concepts import IGNORE, ConceptIndex, default_index
from loaders.values import ColumnSpec, Locale, known_country, make_locale

SCHEMA_FILE = Path(__file__).parent / "mapping.schema.json"
EXTENSION_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".ods": "ods",
    ".json": "json",
    ".geojson": "geojson",
}


class MappingError(LoadError):
    """A mapping file with mistakes; each is given with its line."""

    def __init__(self, path: Path, mistakes: Iterable[tuple[int | None, str]]) -> None:
        self.path = path
        self.mistakes = sorted(mistakes, key=lambda m: (m[0] or 0, m[1]))
        lines = [f"{path}:{line or '?'}: {message}" for line, message in self.mistakes]
        super().__init__("the mapping has mistakes:\n" + "\n".join(lines), "bad-mapping")


@dataclass(frozen=True)
class Mapping:
    """A checked mapping file."""

    path: Path
    source: dict[str, Any]
    file: dict[str, Any]
    locale: Locale
    columns: tuple[ColumnSpec, ...]
    constants: dict[str, list[Any]]
    key: tuple[str, ...] | str | None
    #: the source columns declared personal: read (a contact's name helps to recognise their
    #: e-mail address), never published
    personal: tuple[str, ...] = ()

    @property
    def source_id(self) -> str:
        return self.source["id"]

    @property
    def used_columns(self) -> frozenset[str]:
        """Every source column the mapping reads: mapped, personal, in the key (a list of
        columns or a ``{column}`` template) or in the file's include filters."""
        key = self.key if isinstance(self.key, tuple) else ()
        template = self.key if isinstance(self.key, str) else ""
        placeholders = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        filters = {condition["column"] for condition in self.file.get("include", ())}
        mapped = {source for spec in self.columns for source in spec.sources}
        return frozenset(mapped | set(self.personal) | set(key) | placeholders | filters)

    def file_path(self, override: Path | None = None) -> Path:
        """The file to load: the one given, or the mapping's own, relative to the mapping."""
        if override is not None:
            return override
        if "path" not in self.file:
            raise LoadError(f"{self.path}: the mapping names no file (file.path); give one")
        return (self.path.parent / self.file["path"]).resolve()

    def file_format(self, path: Path) -> str:
        declared = self.file.get("format")
        if declared:
            return declared
        try:
            return EXTENSION_FORMATS[path.suffix.lower()]
        except KeyError:
            raise LoadError(
                f"{path}: cannot tell the format from the extension {path.suffix!r}; "
                "declare file.format in the mapping",
                "unknown-format",
            ) from None

    def fields(self) -> set[str]:
        return {spec.field for spec in self.columns} | set(self.constants)


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def _line_of(node: yaml.Node, path: Iterable[Any]) -> int:
    """The line (from 1) of the key or item at ``path`` in a composed YAML document; where the
    path goes further than the document (a missing property), the line of its last step."""
    line = node.start_mark.line
    for step in path:
        found = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == step:
                    line, found = key.start_mark.line, value
                    break
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value)
        ):
            found = node.value[step]
            line = found.start_mark.line
        if found is None:
            break
        node = found
    return line + 1


def _read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LoadError(f"{path}: no such mapping file", "unknown-mapping") from None
    except UnicodeDecodeError as error:
        raise MappingError(
            path, [(None, f"not UTF-8 text ({error.reason} at byte {error.start})")]
        ) from None
    try:
        node = yaml.compose(text, Loader=tables.StringKeysLoader)
        data = yaml.load(text, Loader=tables.StringKeysLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise MappingError(
            path, [(line, f"not valid YAML: {getattr(error, 'problem', error)}")]
        ) from None
    return data, node


def _column_specs(label: str, value: Any) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else [value]
    return [{"field": item} if isinstance(item, str) else item for item in items]


def _is_personal(spec: dict[str, Any]) -> bool:
    return bool(spec.get("personal"))


def _semantic_mistakes(
    data: dict[str, Any], node: yaml.Node, concepts: ConceptIndex
) -> list[tuple[int, str]]:
    """What the schema cannot say: codes must exist, a record must have a key."""
    mistakes = []
    for label, value in data["columns"].items():
        for position, spec in enumerate(_column_specs(label, value)):
            if _is_personal(spec):
                continue
            where = ["columns", label] + ([position] if isinstance(value, list) else [])
            definition = tables.fields()[spec["field"]]
            codelist = definition.get("codelist")
            for option in ("synonyms", "when_true"):
                if option in spec and codelist is None:
                    mistakes.append(
                        (
                            _line_of(node, [*where, option]),
                            f"{option} is only for code-list fields, not {spec['field']}",
                        )
                    )
            if "drop" in spec:
                try:
                    re.compile(spec["drop"])
                except re.error as error:
                    mistakes.append(
                        (
                            _line_of(node, [*where, "drop"]),
                            f"drop is not a regular expression: {error}",
                        )
                    )
            if codelist is None:
                continue
            codes = [(spec["when_true"], [*where, "when_true"])] if "when_true" in spec else []
            for term, mapped in (spec.get("synonyms") or {}).items():
                mapped_codes = [mapped] if isinstance(mapped, str) else list(mapped or [])
                codes += [(code, [*where, "synonyms", term]) for code in mapped_codes]
            for code, code_path in codes:
                if code == IGNORE:
                    continue
                try:
                    concepts.concept(codelist, code)
                except ValueProblem as problem:
                    mistakes.append((_line_of(node, code_path), problem.reason))
    fields = {
        spec["field"]
        for v in data["columns"].values()
        for spec in _column_specs("", v)
        if not _is_personal(spec)
    }
    if "id" not in fields and "key" not in data:
        mistakes.append(
            (
                _line_of(node, ["columns"]),
                "no column maps to the field id: give a key (columns or template)",
            )
        )
    if "name" not in fields | set(data.get("constants", {})):
        mistakes.append((_line_of(node, ["columns"]), "no column maps to the field name"))
    return mistakes


def _locale(data: dict[str, Any]) -> Locale:
    # a country given to every record says how the file writes numbers and dates, when the
    # locale names no country itself
    constant = data.get("constants", {}).get("country")
    return make_locale(data.get("locale", {}), known_country(constant) if constant else None)


def _synonyms(raw: dict[str, Any] | None) -> dict[str, tuple[str, ...]]:
    synonyms = {}
    for term, mapped in (raw or {}).items():
        codes = (
            ()
            if mapped in (None, IGNORE)
            else ((mapped,) if isinstance(mapped, str) else tuple(mapped))
        )
        synonyms[tables.fold(term)] = tuple(c for c in codes if c != IGNORE)
    return synonyms


def load_mapping(path: Path, concepts: ConceptIndex | None = None) -> Mapping:
    """Read and check a mapping file; raise ``MappingError`` listing every mistake with its line."""
    path = Path(path)
    data, node = _read_yaml(path)
    if node is None or not isinstance(data, dict):
        raise MappingError(
            path, [(1, "the mapping is empty or not a YAML mapping of keys to values")]
        )
    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        raise MappingError(
            path, [(_line_of(node, e.absolute_path), _schema_message(e)) for e in errors]
        )
    mistakes = _semantic_mistakes(data, node, concepts or default_index())
    if mistakes:
        raise MappingError(path, mistakes)
    columns = tuple(
        ColumnSpec(
            label=label,
            field=spec["field"],
            sources=tuple(spec.get("from", [label])),
            split=spec.get("split"),
            drop=re.compile(spec["drop"]) if "drop" in spec else None,
            language=spec.get("language"),
            synonyms=_synonyms(spec.get("synonyms")),
            when_true=spec.get("when_true"),
            dates=tuple(spec.get("dates", ())),
            order=spec.get("order"),
            public=bool(spec.get("public")),
            # prices (loaders/prices.py): what a value that names no currency or period is read as
            currency=spec.get("currency"),
            period=spec.get("period"),
        )
        for label, value in data["columns"].items()
        for spec in _column_specs(label, value)
        if not _is_personal(spec)
    )
    personal = tuple(
        dict.fromkeys(
            source
            for label, value in data["columns"].items()
            for spec in _column_specs(label, value)
            if _is_personal(spec)
            for source in spec.get("from", [label])
        )
    )
    constants = {
        name: value if isinstance(value, list) else [value]
        for name, value in data.get("constants", {}).items()
    }
    key = data.get("key")
    return Mapping(
        path=path.resolve(),
        source=data["source"],
        file=data.get("file", {}),
        locale=_locale(data),
        columns=columns,
        constants=constants,
        key=tuple(key) if isinstance(key, list) else key,
        personal=personal,
    )


def _schema_message(error: jsonschema.ValidationError) -> str:
    where = "/".join(map(str, error.absolute_path)) or "the mapping"
    if error.validator == "oneOf" and error.absolute_path and error.absolute_path[0] == "columns":
        fields = ", ".join(schema()["$defs"]["field"]["enum"])
        return (
            f"{where}: a column maps to a field name, or to {{field: ..., options}}, or is "
            f"declared {{personal: true}} (read, never published; not with public: true); "
            f"the fields are: {fields}"
        )
    if error.validator == "enum" and isinstance(error.validator_value, list):
        allowed = ", ".join(map(str, error.validator_value))
        return f"{where}: {error.instance!r} is not one of {allowed}"
    return f"{where}: {error.message}"
