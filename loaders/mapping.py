"""Mapping files: how one partner source becomes RDF.

A mapping is YAML, checked against ``mapping.schema.json`` and then against the field table and
the code lists; every mistake is reported with its line, so a partner can fix the mapping
without reading code. See docs/mapping.md for the format.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
import yaml

from core.namespaces import PREFIXES
from core.problems import LoadError, ValueProblem
from core.vocabulary import shape_files
from loaders import tables
from loaders.concepts import IGNORE, ConceptIndex, default_index
from loaders.values import (
    LEAVE_OUT,
    ColumnSpec,
    Context,
    Locale,
    as_text,
    is_null,
    known_country,
    make_locale,
    parser_for,
)

if TYPE_CHECKING:
    import jsonschema

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


#: the kinds of field (fields.yaml) whose values are numbers, and whether with decimals
NUMBER_KINDS = {
    "integer": False, "decimal": True, "price": True,
    "latitude": True, "longitude": True, "coordinates": True,
}  # fmt: skip


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
    #: the language its file reads free text in (a caller may read it in another: the template)
    file_language: str | None = None
    #: the sha256 of the bytes it was read from ("": not read from a file): what names it in a
    #: load's provenance (``loaders.load.mapping_digest``), never the file read again (stranger
    #: 84: edited while a publication ran, a version's records were of one text, its name and
    #: provenance of another, and the next publication of the new one was said unchanged)
    sha256: str = ""

    @cached_property
    def has_aliases(self) -> bool:
        """Whether a column's headers are spellings of one column (``aliases: true``)."""
        return any(spec.aliases for spec in self.columns)

    @cached_property
    def number_columns(self) -> dict[str, bool]:
        """The source columns of the fields that read a number (``NUMBER_KINDS``), each with
        whether it reads one with decimals (where a partner writes a decimal comma)."""
        fields = tables.fields()
        return {
            source: NUMBER_KINDS[kind]
            for spec in self.columns
            if (kind := fields.get(spec.field, {}).get("kind")) in NUMBER_KINDS
            for source in spec.sources
        }

    @property
    def source_id(self) -> str:
        return self.source["id"]

    @property
    def coverage(self) -> tuple[str, ...]:
        """The NUTS codes of the territory the source covers (``source.coverage``), if given."""
        return coverage_codes(self.source.get("coverage", ()))

    @property
    def used_columns(self) -> frozenset[str]:
        """Every source column the mapping reads: mapped, personal, in the key (a list of
        columns or a ``{column}`` template), in the file's include filters, or a join's keys."""
        key = self.key if isinstance(self.key, tuple) else ()
        template = self.key if isinstance(self.key, str) else ""
        named = set(placeholders(template))
        filters = {condition["column"] for condition in self.file.get("include", ())}
        joins = self.file.get("joins", {})
        filters |= {join["on"] for join in joins.values()}
        # a joined record's key is the row's ``on`` column again, under the join's name: read
        # by the join (stranger 89: "entidad.id is not expected; did you mean entidad_id?")
        filters |= {f"{name}.{join['key']}" for name, join in joins.items()}
        mapped = {source for spec in self.columns for source in spec.sources}
        return frozenset(mapped | set(self.personal) | set(key) | named | filters)

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


def _read_yaml(path: Path) -> tuple[Any, yaml.Node | None, str]:
    """The mapping file's data, its YAML node tree (for lines) and the sha256 of the bytes they
    were read from (``Mapping.sha256``)."""
    try:
        read = path.read_bytes()
    except FileNotFoundError:
        raise LoadError(f"{path}: no such mapping file", "unknown-mapping") from None
    try:
        text = read.decode("utf-8")
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
    return data, node, hashlib.sha256(read).hexdigest()


def _column_specs(label: str, value: Any) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else [value]
    return [{"field": item} if isinstance(item, str) else item for item in items]


def _is_personal(spec: dict[str, Any]) -> bool:
    return bool(spec.get("personal"))


def coverage_codes(given: str | Iterable[str]) -> tuple[str, ...]:
    """The NUTS codes a coverage gives: a list of them, or a text of them separated by spaces."""
    items = [given] if isinstance(given, str) else list(given)
    return tuple(code for item in items for code in item.split())


def _coverage_mistakes(data: dict[str, Any], node: yaml.Node) -> list[tuple[int, str]]:
    """Each code of ``source.coverage`` that is not a NUTS code of the territory reference."""
    from loaders import nuts  # here: its reference is read only for a mapping that names one

    where = ["source", "coverage"]
    return [
        (
            _line_of(node, where),
            f"source.coverage: {code!r} is not a NUTS code of the territory reference; give "
            "the codes of the territory the source covers: a country (IT), a region (ITI4) or "
            "a province (ITI43), for example: coverage: [ITI4]",
        )
        for code in coverage_codes(data["source"].get("coverage", ()))
        if code not in nuts.known_regions()
    ]


def _semantic_mistakes(
    data: dict[str, Any], node: yaml.Node, concepts: ConceptIndex
) -> list[tuple[int, str]]:
    """What the schema cannot say: codes must exist, a record must have a key, a coverage must
    name regions of the reference."""
    mistakes = _coverage_mistakes(data, node)
    for label, value in data["columns"].items():
        for position, spec in enumerate(_column_specs(label, value)):
            if _is_personal(spec):
                continue
            where = ["columns", label] + ([position] if isinstance(value, list) else [])
            definition = tables.fields()[spec["field"]]
            codelist = definition.get("codelist")
            mistakes += _option_mistakes(spec, definition, node, where, concepts)
            mistakes += _fallback_mistakes(spec, node, where, concepts, _locale(data))
            if "drop" in spec:
                try:
                    re.compile(spec["drop"])
                except re.error as error:
                    mistakes.append(
                        (
                            _line_of(node, [*where, "drop"]),
                            f"{place([*where, 'drop'])}: drop is not a regular expression: {error}",
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
                    mistakes.append(
                        (_line_of(node, code_path), f"{place(code_path)}: {problem.reason}")
                    )
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
                "columns: no column maps to the field id: give a key (columns or template), "
                'for example: key: "{Ville}-{Nom}"',
            )
        )
    if "name" not in fields | set(data.get("constants", {})):
        mistakes.append(
            (
                _line_of(node, ["columns"]),
                "columns: no column maps to the field name; map one (Nom: name), or build "
                'the name from columns: Nom affiché: {field: name, template: "{Type} {Commune}"}',
            )
        )
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
    data, node, digest = _read_yaml(path)
    if node is None or not isinstance(data, dict):
        raise MappingError(
            path, [(1, "the mapping is empty or not a YAML mapping of keys to values")]
        )
    data = normalised(data)
    import jsonschema  # here: a cold command on the template (kept on disk) does without it

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        found = [_deepest(e) for e in errors]
        raise MappingError(
            path,
            dict.fromkeys((_line_of(node, e.absolute_path), _schema_message(e)) for e in found),
        )
    mistakes = _semantic_mistakes(data, node, concepts or default_index())
    if mistakes:
        raise MappingError(path, mistakes)
    columns = tuple(
        ColumnSpec(
            label=label,
            field=spec["field"],
            sources=tuple(spec.get("from", placeholders(spec.get("template", "")) or [label])),
            split=spec.get("split"),
            drop=re.compile(spec["drop"]) if "drop" in spec else None,
            language=spec.get("language"),
            synonyms=_synonyms(spec.get("synonyms")),
            when_true=spec.get("when_true"),
            template=spec.get("template"),
            dates=tuple(spec.get("dates", ())),
            order=spec.get("order"),
            public=bool(spec.get("public")),
            roles_only=bool(spec.get("roles_only")),
            aliases=bool(spec.get("aliases")),
            # prices (loaders/prices.py): what a value that names no currency or period is read as
            currency=spec.get("currency"),
            period=spec.get("period"),
            otherwise=spec.get("otherwise"),
            unreadable=spec.get("unreadable", "hold-back"),
            scheme=spec.get("scheme"),
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
        file_language=_locale(data).language,
        sha256=digest,
    )


# -- the mapping language: column shorthands, option kinds, templates, mistakes (issue #18) -----


def normalised(data: dict[str, Any]) -> dict[str, Any]:
    """The mapping with its column shorthands written out: ``{FIELD: {options}}`` (or
    ``{FIELD: null}``) is ``{field: FIELD, options}``, in a list of fields or alone. No option
    is named like a field, so the shorthand cannot be read two ways."""
    columns = data.get("columns")
    if not isinstance(columns, dict):
        return data
    return {**data, "columns": {label: _written_out(value) for label, value in columns.items()}}


def _written_out(value: Any) -> Any:
    if isinstance(value, list):
        return [_written_out_item(item) for item in value]
    return _written_out_item(value)


def _written_out_item(item: Any) -> Any:
    if not (isinstance(item, dict) and len(item) == 1):
        return item
    ((name, options),) = item.items()
    if name in tables.fields() and (options is None or isinstance(options, dict)):
        return {"field": name, **(options or {})}
    return item


@cache
def option_kinds() -> dict[str, dict[str, Any]]:
    """Which kinds of field (fields.yaml) each column option applies to."""
    return tables.table("column-options")


def _option_mistakes(
    spec: dict[str, Any],
    definition: dict[str, Any],
    node: yaml.Node,
    where: list[Any],
    concepts: ConceptIndex,
) -> list[tuple[int, str]]:
    """An option given to a field of a kind it does not apply to; a when_true value the field
    cannot hold (a code list's codes are checked with the synonyms)."""
    mistakes = []
    kind = definition["kind"]
    for option, rule in option_kinds().items():
        if option in spec and kind not in rule["kinds"]:
            mistakes.append(
                (
                    _line_of(node, [*where, option]),
                    f"{place([*where, option])}: {option} is only for {rule['for']}, "
                    f"not {spec['field']} ({kind})",
                )
            )
    if "when_true" in spec and kind in option_kinds()["when_true"]["kinds"] and kind != "concept":
        column = ColumnSpec(label="", field=spec["field"], sources=("",))
        try:
            parser_for(spec["field"])(spec["when_true"], column, Context(Locale(), concepts))
        except ValueProblem as problem:
            at = [*where, "when_true"]
            mistakes.append((_line_of(node, at), f"{place(at)}: {problem.reason}"))
    return mistakes


def _fallback_mistakes(
    spec: dict[str, Any], node: yaml.Node, where: list[Any], concepts: ConceptIndex, locale: Locale
) -> list[tuple[int, str]]:
    """An ``otherwise`` value the column could not read from a cell (it is read as one, with the
    column's synonyms and code list), and ``unreadable: leave-out`` on a field every record must
    have (an unreadable value there leaves the record without it: it must be fixed)."""
    mistakes = []
    if (
        "otherwise" in spec
        and tables.fields()[spec["field"]]["kind"] in (option_kinds()["otherwise"]["kinds"])
    ):
        column = ColumnSpec(
            label="",
            field=spec["field"],
            sources=("",),
            synonyms=_synonyms(spec.get("synonyms")),
            dates=tuple(spec.get("dates", ())),
            currency=spec.get("currency"),
            period=spec.get("period"),
            scheme=spec.get("scheme"),
        )
        at = [*where, "otherwise"]
        for piece in _pieces(spec["otherwise"], spec):
            try:
                parser_for(spec["field"])(piece, column, Context(locale, concepts))
            except ValueProblem as problem:
                mistakes.append((_line_of(node, at), f"{place(at)}: {problem.reason}"))
    if spec.get("unreadable") == LEAVE_OUT and spec["field"] in required_fields():
        at = [*where, "unreadable"]
        required = ", ".join(sorted(required_fields()))
        mistakes.append(
            (
                _line_of(node, at),
                f"{place(at)}: {spec['field']} is a field every record must have ({required}): "
                "an unreadable value of it holds the record back until it is fixed, it cannot "
                "be left out",
            )
        )
    return mistakes


def _pieces(value: str, spec: dict[str, Any]) -> list[str]:
    """The values a cell of the column holds, split and trimmed as the loader does."""
    pieces = [p.strip() for p in value.split(spec["split"])] if "split" in spec else [value]
    try:
        drop = re.compile(spec["drop"]) if "drop" in spec else None
    except re.error:  # reported as a mistake of its own
        drop = None
    if drop is not None:
        pieces = [drop.sub("", piece).strip() for piece in pieces]
    return [piece for piece in pieces if piece]


#: the property shapes of severity Violation, with their sh:minCount and SPARQL constraints
_VIOLATION_PATHS = """
PREFIX sh: <http://www.w3.org/ns/shacl#>
SELECT ?path ?count ?select WHERE {
  ?shape sh:path ?path .
  FILTER (isIRI(?path))
  OPTIONAL { ?shape sh:severity ?severity }
  FILTER (!BOUND(?severity) || ?severity = sh:Violation)
  OPTIONAL { ?shape sh:minCount ?count }
  OPTIONAL { ?shape sh:sparql/sh:select ?select }
}
"""
#: a SPARQL constraint that finds the focus nodes without a value of the path requires one
_REQUIRES_PATH = re.compile(r"FILTER\s+NOT\s+EXISTS\s*\{\s*\$this\s+\$PATH\s")


@cache
def required_fields() -> frozenset[str]:
    """The fields every record must have: those of the space and its address that a shape of
    severity Violation requires, by sh:minCount or (without one) by a SPARQL constraint that
    finds the nodes without a value of its path (the address's town)."""
    by_property: dict[str, set[str]] = {}
    for name, definition in tables.fields().items():
        if "property" in definition and definition["node"] in ("space", "address"):
            prefix, _, local = definition["property"].partition(":")
            by_property.setdefault(PREFIXES[prefix] + local, set()).add(name)
    # the shapes read and queried by pyoxigraph: rdflib's SPARQL parser costs a cold command
    # half a second, and its packrat cache keeps the failed parses' tracebacks, with them the
    # frames of the load that asked (and the store a build holds open) until a garbage collection
    shapes = ox.Store()
    for path_of_file in shape_files():
        shapes.load(path=path_of_file, format=ox.RdfFormat.TURTLE)
    solutions = shapes.query(_VIOLATION_PATHS)
    assert isinstance(solutions, ox.QuerySolutions)  # a SELECT's results are solutions
    paths = set()
    for row in solutions:
        count, select = row["count"], row["select"]
        required = (
            int(count.value) >= 1
            if count is not None
            else bool(select is not None and _REQUIRES_PATH.search(select.value))
        )
        if required:
            paths.add(row["path"].value)
    return frozenset(name for path in paths for name in by_property.get(path, ()))


#: a placeholder of a template (of the key, of a column): a column's name in braces
PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
#: what is left at the ends of a filled template whose last (or first) placeholders were empty
_DANGLING = " ,;:/|-–—·"


def placeholders(template: str) -> list[str]:
    return PLACEHOLDER.findall(template)


def fill(template: str, values: dict[str, Any], locale: Locale) -> str | None:
    """A template with each placeholder replaced by its column's value as text; an empty or
    "no value" cell gives nothing (and the separators around it at the ends go); None when no
    placeholder has a value."""
    found = False

    def cell(match: re.Match[str]) -> str:
        nonlocal found
        value = values.get(match.group(1))
        if isinstance(value, list):
            value = " ".join(as_text(v) for v in value if not is_null(v, locale))
        if is_null(value, locale) or not as_text(value):
            return ""
        found = True
        return as_text(value)

    text = " ".join(PLACEHOLDER.sub(cell, template).split()).strip(_DANGLING)
    return text if found and text else None


# -- mistakes: the place in the mapping, what was found there, the form expected ---------------

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def place(path: Iterable[Any]) -> str:
    """A place in a mapping as a partner reads it: ``columns["Nom du lieu"][0].split``."""
    text = ""
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        elif _IDENTIFIER.match(str(step)):
            text += f".{step}" if text else str(step)
        else:
            text += f"[{json.dumps(str(step), ensure_ascii=False)}]"
    return text or "the mapping"


@cache
def forms() -> dict[str, dict[str, str]]:
    return tables.table("mapping-forms")


def _fits(pattern: str, path: list[Any]) -> bool:
    steps = pattern.split(".") if pattern else []
    return len(steps) == len(path) and all(
        (step == "#" and isinstance(at, int))
        or (step == "*" and isinstance(at, str))
        or step == str(at)
        for step, at in zip(steps, path, strict=True)
    )


def form_of(path: Iterable[Any]) -> dict[str, str]:
    """The form expected at a place: the most precise entry of the table for it, or for the
    nearest place above it that has one."""
    steps = list(path)
    for length in range(len(steps), -1, -1):
        fitting = [p for p in forms() if _fits(p, steps[:length])]
        if fitting:
            return forms()[min(fitting, key=lambda p: p.count("*") + p.count("#"))]
    return forms()[""]


def _found(instance: Any) -> str:
    text = json.dumps(instance, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


#: the mistakes that say a value is of another form altogether (a text where a list goes), or
#: of another shape (several keys where one goes)
_SHAPE = {"propertyNames", "maxProperties", "minProperties"}


def _other_form(error: jsonschema.ValidationError) -> bool:
    return not error.relative_path and (
        error.validator == "type"
        or (error.validator == "enum" and not isinstance(error.instance, str))
    )


def _deepest(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """For a value that fits none of several forms, the mistake in the form of its own type (the
    list form for a list, the field names for a text...) rather than "not valid under any of
    the given schemas"; the error itself when no single form is of its type."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return error
    branches: dict[Any, list[jsonschema.ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.schema_path[0], []).append(sub)
    typed = [subs for subs in branches.values() if not any(_other_form(sub) for sub in subs)]
    if len(typed) > 1:  # an object that is not a shorthand {FIELD: {options}} is a column
        typed = [subs for subs in typed if not any(set(s.schema_path) & _SHAPE for s in subs)]
    if len(typed) != 1:
        return error
    from jsonschema.exceptions import relevance

    return _deepest(max(typed[0], key=relevance))


_COLUMN = (
    "a column maps to a field name, or to {field: ..., options}, or is "
    "declared {personal: true} (read, never published; not with public: true)"
)


def _detail(error: jsonschema.ValidationError) -> str:
    path = list(error.absolute_path)
    at_column = path[:1] == ["columns"] and (
        len(path) == 2 or (len(path) == 3 and isinstance(path[2], int))
    )
    if at_column and error.validator == "oneOf":
        return f"{_COLUMN}; the fields are: {', '.join(schema()['$defs']['field']['enum'])}"
    if at_column and error.validator == "not":
        return f"{_COLUMN}: personal and public together"
    if at_column and error.validator == "required":
        return f"{_COLUMN}: {error.message}"
    if error.validator == "pattern":
        return f"{error.instance!r} does not match the form expected"
    if error.validator == "enum" and isinstance(error.validator_value, list):
        allowed = ", ".join(map(str, error.validator_value))
        return f"{error.instance!r} is not one of {allowed}"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extra = ", ".join(repr(k) for k in error.instance if k not in known)
        return f"{extra} is not an option here (the options: {', '.join(known)})"
    return error.message


def _schema_message(error: jsonschema.ValidationError) -> str:
    form = form_of(error.absolute_path)
    return (
        f"{place(error.absolute_path)}: {_detail(error)}; found {_found(error.instance)}; "
        f"expected {form['expected']}, for example: {form['example']}"
    )
