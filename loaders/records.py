"""Rows to RDF records: the fields of a row, parsed, become a space and the resources around it.

For a row with key K of source S (IRIs under the configured base):

    space/S/K            the cwm:Space
    space/S/K/address    its locn:Address        space/S/K/geometry   its geo:Geometry
    space/S/K/offer/A    one cwm:AccessOffer per access type A
    operator/S/K         its cwm:Operator        network/N            a cwm:Network, by name
    record/S/K           the cwm:SourceRecord: dataset, sheet, row, source identifier

K is the record's identifier, else its key columns; a record with neither is named from its name
and place (``CONTENT_KEY``), and only without a name from its row number (a warning says which).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from core.namespaces import GEO, NUTS_CODE, XSD
from core.problems import Problem, ValueProblem
from loaders import enrich, hours, personal, reinterpretations, tables, territory
from loaders.addresses import split_address, street_line
from loaders.mapping import Mapping, fill
from loaders.rdf import Triples, iri, literal, p, segment
from loaders.readers import SHIFTED_ROW, UNREAD_REASONS, is_shifted, repeat_of, written
from loaders.values import (
    LEAVE_OUT,
    ColumnSpec,
    Context,
    Iri,
    LeftOut,
    Lit,
    Locale,
    Price,
    Term,
    coordinate_pair,
    is_null,
    known_country,
    parse_postcode,
    parser_for,
    region_text,
)

A = p("rdf:type")
#: how plain figures are written (a decimal point, no thousands separator): a cell of a doubled
#: column that the file's locale cannot read is read so, to compare it (``_meaning``)
PLAIN = Locale(language="en", decimal=".")
#: the datatypes whose literals are compared by their value (``_compared``)
NUMERIC = frozenset(XSD + name for name in ("decimal", "integer", "double", "nonNegativeInteger"))
CODE_ACCESS = "access-type"
WKT = GEO + "wktLiteral"


@dataclass
class Minting:
    """Where a load's IRIs go."""

    base: str
    source: str

    def of(self, kind: str, key: str) -> str:
        return f"{self.base}{kind}/{self.source}/{key}"

    def network(self, name: str) -> str:
        return f"{self.base}network/{slug(name)}"


def slug(text: str) -> str:
    """A readable, stable IRI segment; a hash where the text has nothing readable (Greek names);
    empty for an empty text."""
    if not text.strip():
        return ""
    folded = re.sub(r"[^a-z0-9]+", "-", tables.fold(text)).strip("-")
    if folded and len(folded) <= 64 and folded.isascii():
        return folded
    return hashlib.sha1(text.strip().encode("utf-8")).hexdigest()[:16]


#: the kinds of cell ``RecordBuilder._parsed`` keeps what it parsed of (hashable, unchanging)
CACHED_CELLS = (str, int, float, bool, dt.date, dt.time)


def _again(problem: ValueProblem) -> ValueProblem:
    """A copy of a kept problem to raise: raising the kept one would tie to it the traceback of
    each row it is raised for, and with it every frame of the load."""
    fresh = problem.__class__.__new__(problem.__class__)
    fresh.__dict__.update(problem.__dict__)
    fresh.args = problem.args
    return fresh


#: the mapping's columns a row can fill, each with its sources among the row's headers (None: a
#: template), and whether one of them has an ``otherwise`` (``RecordBuilder._columns_for``)
Columns = tuple[tuple[tuple[ColumnSpec, tuple[str, ...] | None], ...], bool]


@dataclass(frozen=True)
class Parsed:
    """A cell as its parser read it: its terms, or the problem that stops it; and the parser's
    notices (what it reinterpreted)."""

    terms: list[Term] | ValueProblem
    notices: tuple[ValueProblem, ...]


#: the problems of a cell the reader could not read as written (``loaders.readers``)
UNREAD_CELLS = frozenset(UNREAD_REASONS)


@dataclass
class RecordBuilder:
    """Turns rows of one source into triples, collecting the problems of each cell."""

    mapping: Mapping
    minting: Minting
    dataset_iri: str
    context: Context
    triples: Triples = field(default_factory=Triples)
    problems: list[Problem] = field(default_factory=list)
    #: each record key given so far, with the row that gave it first
    keys: dict[str, int] = field(default_factory=dict)
    records: int = 0
    #: the column the row's postcode came from, and whether it may give a region
    postcode_column: str | None = None
    postcode_placed: bool = True
    #: the column the row's town came from
    city_column: str | None = None
    #: whether the row's postcode said its town is in another region (``_postcode_in_town``):
    #: neither gives a region, and the town is not linked
    town_contradicted: bool = False
    #: the network's countries (setting ``network_countries``)
    network: tuple[str, ...] = field(default_factory=territory.network_countries)
    #: the first row of each name and town (folded), to warn of records that share both
    named: dict[tuple[str, str], int] = field(default_factory=dict)
    #: the columns of the mapping a row can fill, by the row's headers (``_columns_for``)
    columns_by_headers: dict[tuple[str, ...], Columns] = field(default_factory=dict)
    #: what each distinct cell of a column parsed to (``_parsed``)
    parsed: dict[tuple[int, type, Any, str | None], Parsed] = field(default_factory=dict)
    #: the personal and contact-like columns of the mapping, sorted (``_contact_names``)
    contact_columns: tuple[str, ...] | None = None
    #: each column's kind of personal data, by the column's id (``_personal_kind``)
    personal_kinds: dict[int, tuple[str | None, bool]] = field(default_factory=dict)
    #: the personal-data rule of each distinct text of a column (``_personal``)
    personal_verdicts: dict[tuple[Any, ...], str | None] = field(default_factory=dict)
    #: whether each distinct text of a cell says "no value" in the builder's locale (``_null``)
    null_texts: dict[str, bool] = field(default_factory=dict)
    #: the mapping's constants as cells of columns of their own, made once (``_constants``)
    constant_cells: list[tuple[ColumnSpec, str, Any]] | None = None
    #: the mapping's columns of the country, and the country each distinct cell names
    country_columns: tuple[ColumnSpec, ...] | None = None
    countries: dict[Any, str | None] = field(default_factory=dict)
    #: by the row's headers, the mapping's columns two or more of whose sources are in the file
    #: ("Name" and "Nom"), with those sources (``_doubled_columns``); each reported once
    doubled_by_headers: dict[tuple[str, ...], tuple[tuple[ColumnSpec, tuple[str, ...]], ...]] = (
        field(default_factory=dict)
    )
    doubled_reported: set[tuple[int, tuple[str, ...]]] = field(default_factory=set)

    def add_row(self, row: Any) -> None:
        """The record of ``row``, with the problems of its cells; a row held back for its shape
        (``readers.is_shifted``) is written (its key holds back its last published version)
        with its own error only: its cells, shifted, are not checked."""
        start = len(self.problems)
        self.problems.extend(self._as_used(row.problems))
        totals = self._totals_row(row)
        if totals is not None:
            self.problems.append(totals)
        told = len(self.problems)
        self._add(row, start)
        if is_shifted(row.problems) or totals is not None:
            del self.problems[told:]

    def _totals_row(self, row: Any) -> Problem | None:
        """The error of a row of totals, held back with that error alone, else None: a row
        that says where no place is (no street, postcode, address or coordinates: stranger
        80's space named "Total", with its address, was taken for one) and has no identifier,
        and whose name, identifier or town cell says "Totale" (``_says_total``); or, when more
        follows the word ("Σύνολο Αττικής", "Σύνολο: 5 χώροι"), whose other cells are numbers
        but its town's (a space named "Totale Lab", with a website, is a space)."""
        # a place where one is, or a record with an identifier (not one saying "total")
        located = any(
            _filled(value) and not (isinstance(value, str) and _says_total(value) is not None)
            for spec in self.mapping.columns
            if spec.field in LOCATING_FIELDS or spec.field == "id"
            for value in (row.values.get(source) for source in spec.sources)
        )
        if located:
            return None
        for spec in self.mapping.columns:
            if spec.field not in ("name", "id", "city"):
                continue
            for source in spec.sources:
                value = row.values.get(source)
                said = _says_total(value) if isinstance(value, str) else None
                if said == TOTAL_ALONE or (said and self._numbers_beside(row, source)):
                    return Problem(
                        TOTALS_ROW,
                        f"{value!r}: a row of totals, not a space",
                        row=row.number,
                        column=source,
                        value=value,
                        field=spec.field,
                        sheet=row.sheet,
                    )
        return None

    def _numbers_beside(self, row: Any, told: str) -> bool:
        """Whether every filled cell of ``row`` but ``told`` and its town's is a number."""
        towns = {source for spec in self.mapping.columns if spec.field == "city"
                 for source in spec.sources}  # fmt: skip
        return all(
            _NUMBER_CELL.fullmatch(str(value).strip()) is not None
            for header, value in row.values.items()
            if header != told and header not in towns and _filled(value)
        )

    def _add(self, row: Any, start: int) -> None:
        values, raw_address = self._parse(row)
        if not any(values.values()) and raw_address is None:
            return
        if self.context.country is None and values.get("latitude") and values.get("longitude"):
            self._country_from_coordinates(row, values, start)
        else:
            self._check_territory(row, values)
        key = self._key(row, values)
        self._shared_name(row, values)
        self._write(row, key, values, raw_address, start)
        self.records += 1

    def _as_used(self, problems: list[Problem]) -> list[Problem]:
        """A row's problems, those of a cell the reader could not read (a spreadsheet error, a
        formula never computed) made warnings where the mapping does not read its column: its
        value would not be published anyway, so the record is not held back for it."""
        if not problems:
            return problems
        return [
            replace(problem, severity="warning")
            if problem.code in UNREAD_CELLS and problem.column not in self.mapping.used_columns
            else problem
            for problem in problems
        ]

    def _check_territory(self, row: Any, values: dict[str, list[Term]]) -> None:
        """One error when the record's country is not in the network, else one when its
        coordinates fall in no NUTS-3 region of its country (saying where they do fall)."""
        country = self.context.country
        if country is None:
            return
        problem = territory.country_problem(country, self.network)
        column, value = self._country_written(row, country) if problem else (None, country)
        if problem is None and values.get("latitude") and values.get("longitude"):
            lat, lon = _lexical(values["latitude"][0]), _lexical(values["longitude"][0])
            problem = territory.place_problem(float(lat), float(lon), country)
            if problem is not None:  # where the file wrote them: only for a problem to report
                column, value = self._coordinates_written(row, f"{lat}, {lon}")
            if problem is not None and problem.code == "coordinates-outside-territory":
                problem = self._offshore(values, float(lat), float(lon), country) or problem
        if problem is not None:
            params = tuple(problem.params.items())
            self._note(
                row,
                problem.code,
                problem.reason,
                value=value,
                params=params,
                column=column,
                severity=problem.severity,
            )

    def _offshore(
        self, values: dict[str, list[Term]], lat: float, lon: float, country: str
    ) -> ValueProblem | None:
        """A warning (not an error) for a point in no region of its country but within
        ``enrich.OFFSHORE_METRES`` of the region its postcode gives: an island or a stretch of
        coast the simplified outlines leave out; the postcode's region places the record."""
        if not values.get("postcode"):
            return None
        postcode = _lexical(values["postcode"][0])
        code = enrich.nuts3(country, postcode)
        metres = enrich.metres_from_region(lat, lon, code) if code else None
        if code is None or metres is None or metres > enrich.OFFSHORE_METRES:
            return None
        where = f"{lat}, {lon}"
        warning = ValueProblem(
            "coordinates-off-the-outlines",
            f"{where} lies {metres / 1000:.0f} km off the simplified outline of "
            f"{region_text(code)}, the region of the postcode {postcode}: the region of the "
            "postcode is kept",
            coordinates=where,
            kilometres=f"{metres / 1000:.0f}",
            region=region_text(code),
            postcode=postcode,
        )
        warning.severity = "warning"
        return warning

    def _country_written(self, row: Any, country: str) -> tuple[str | None, str]:
        """The column of a record's country and the country as the file writes it ("Portugal",
        "PRT"), else (a constant, the locale's) its code."""
        for spec in self.country_columns or ():
            column, value = self._cell(row, spec)
            if value is not None:
                return column, written(value)
        return None, country

    def _coordinates_written(self, row: Any, read: str) -> tuple[str | None, str]:
        """The column of a record's latitude (or of its coordinate pair) and the coordinates as
        the file writes them ("48,1351, 11,5820"), else as read."""
        cells = [
            self._cell(row, spec)
            for field_name in ("latitude", "longitude", "coordinates")
            for spec in self.mapping.columns
            if spec.field == field_name
        ]
        given = [(column, written(value)) for column, value in cells if value is not None]
        if not given:
            return None, read
        return given[0][0], ", ".join(text for _, text in given[:2])

    def _country_from_coordinates(
        self, row: Any, values: dict[str, list[Term]], start: int
    ) -> None:
        """The country of a record that gives none it knows: the network's NUTS-3 region that
        holds its coordinates, else (a point off a generalised coast) the country of the nearest
        town. Outside the network, one error: the country cell's own when the row has one (a
        country the network does not have, the coordinates saying so too), else the
        coordinates' (``start``: where the row's problems begin)."""
        lat, lon = float(_lexical(values["latitude"][0])), float(_lexical(values["longitude"][0]))
        region = enrich.region_near(lat, lon, self.network)
        country = enrich.country_of_region(region) if region else enrich.country_at(lat, lon)
        if country in self.network:
            self.context.country = country
            return
        where = f"in {country}" if country else "far from any town"
        network = ", ".join(self.network)
        for index, problem in enumerate(self.problems[start:], start):
            if problem.code == "unknown-country":
                reason = f"{problem.reason}, and the coordinates place this record {where}"
                told = replace(problem, code="country-not-in-network", reason=reason)
                self.problems[index] = told
                return
        reason = f"the coordinates place this record {where}, outside the countries of the network"
        column, value = self._coordinates_written(row, f"{lat}, {lon}")
        params = (("network", network),)
        # the record's country, which the graph then lacks: its shapes say no more of it
        where_written = {"value": value, "column": column, "field": "country"}
        self._note(row, "outside-network", reason, params=params, **where_written)

    # -- parsing ------------------------------------------------------------------------------

    def _cell(self, row: Any, spec: ColumnSpec) -> tuple[str, Any]:
        if spec.template is not None:
            return spec.label, fill(spec.template, row.values, self.context.locale)
        cells, null = row.values, self._null
        for column in spec.sources:
            value = cells.get(column)
            if value is not None and not null(value):
                return column, value
        return spec.sources[0], None

    def _null(self, value: Any) -> bool:
        """``is_null`` in the builder's locale, decided once per distinct text (a row has a
        dozen cells, most of them texts seen in earlier rows)."""
        if type(value) is not str:
            return is_null(value, self.context.locale)
        found = self.null_texts.get(value)
        if found is None:
            found = self.null_texts[value] = is_null(value, self.context.locale)
        return found

    def _note(self, row: Any, code: str, reason: str, **details: Any) -> None:
        """A problem of the whole row (not of one cell)."""
        self.problems.append(Problem(code, reason, row=row.number, sheet=row.sheet, **details))

    def _problem(
        self, row: Any, column: str, value: Any, field_name: str, problem: ValueProblem
    ) -> None:
        self.problems.append(
            Problem(
                problem.code,
                problem.reason,
                row=row.number,
                column=column,
                value=written(value),
                field=field_name,
                sheet=row.sheet,
                severity=problem.severity,
                params=tuple(problem.params.items()) or None,
            )
        )

    def _street_reads_as_text(self, terms: list[Term]) -> None:
        """A notice for a street of more words than a street's name has (``STREET_WORDS``),
        with no number and no comma (a long address has its house number, building or
        postcode, or lists its places: "Quinta do Fabfarm, Aguilhadas, ..., Lagos"): a
        sentence, published as a street (stranger 79: "Our Fablab is located in the industrial
        area of the city of Bitonto" was a street, and nothing was said)."""
        for term in terms:
            text = _lexical(term)
            words = len(text.split())
            if words > STREET_WORDS and not any(c.isdigit() or c in ",;|" for c in text):
                self.context.notices.append(
                    ValueProblem(
                        "street-reads-as-text",
                        f"{words} words: a sentence rather than a street; published as written",
                        words=str(words),
                    )
                )

    def _notices(self, row: Any, column: str, value: Any, field_name: str) -> None:
        """What the parsers reinterpreted in a cell, as warnings with the value as written."""
        for notice in self.context.notices:
            if notice.code == "ambiguous-postcode":
                self.postcode_placed = False
            self.problems.append(
                Problem(
                    notice.code,
                    notice.reason,
                    row=row.number,
                    column=column,
                    value=written(value),
                    field=field_name,
                    sheet=row.sheet,
                    severity="warning",
                    params=tuple(notice.params.items()),
                )
            )
        self.context.notices.clear()

    def _row_country(self, row: Any) -> str | None:
        """The row's country, for the parsers that depend on it (postcodes, phones, addresses).
        An unknown country is not reported here: the country cell itself reports it."""
        if self.country_columns is None:
            self.country_columns = tuple(s for s in self.mapping.columns if s.field == "country")
        for spec in self.country_columns:
            _column, value = self._cell(row, spec)
            if value is not None:
                if not isinstance(value, CACHED_CELLS):
                    return known_country(value)
                found = self.countries.get(value, self)
                if found is self:
                    found = self.countries[value] = known_country(value)
                return found  # type: ignore[return-value]
        constant = self.mapping.constants.get("country")
        return known_country(constant[0]) if constant else self.mapping.locale.country

    def _parse(self, row: Any) -> tuple[dict[str, list[Term]], Any]:
        self.context.country = self._row_country(row)
        self.context.notices.clear()
        self.postcode_column, self.postcode_placed, self.city_column = None, True, None
        self.town_contradicted = False
        values: dict[str, list[Term]] = defaultdict(list)
        raw_address = None
        columns, otherwise = self._columns_for(row)
        cells = [(spec, *self._cell_of(row, spec, sources)) for spec, sources in columns]
        if otherwise and any(value is not None for _spec, _column, value in cells):
            # a column's ``otherwise``: its value when all its cells are empty (the mapping says
            # it: not reported); read as a cell of the column is
            cells = [
                (spec, column, spec.otherwise if value is None else value)
                for spec, column, value in cells
            ]
        cells += self._constants()
        self._doubled_columns(row, cells)
        contacts = self._contact_names(row)
        notices, null = self.context.notices, self._null
        for spec, column, value in cells:
            if value is None:
                continue
            pieces = value if isinstance(value, list) and spec.field != "coordinates" else [value]
            if spec.split and isinstance(value, str):
                pieces = [piece.strip() for piece in value.split(spec.split)]
            for piece in pieces:
                if spec.drop is not None and isinstance(piece, str):
                    piece = spec.drop.sub("", piece).strip()
                if null(piece):
                    continue
                try:
                    if spec.field in ("postcode", "full_address"):
                        self.postcode_column = self.postcode_column or column
                    if spec.field in ("city", "full_address"):
                        self.city_column = self.city_column or column
                    if spec.field == "coordinates":
                        latitude, longitude = coordinate_pair(piece, spec, self.context)
                        values["latitude"], values["longitude"] = [latitude], [longitude]
                    elif spec.field == "full_address":
                        held = None if spec.public else personal.care_of_reason(str(piece))
                        if held is None:
                            raw_address = piece
                            self._address_parts(piece, values)
                        else:  # "c/o Mario Rossi, Via dei Volsci 12": not one part published
                            self._hold_back(row, column, piece, spec.field, held)
                    else:
                        terms = self._parsed(spec, piece)
                        if spec.field == "street":
                            self._street_reads_as_text(terms)
                        held = self._personal(column, spec, terms, contacts)
                        if held is None:
                            values[spec.field] += terms
                        else:
                            self._hold_back(row, column, piece, spec.field, held)
                except ValueProblem as problem:
                    if spec.unreadable == LEAVE_OUT and problem.severity == "error":
                        problem = LeftOut.of(problem)
                    self._problem(row, column, piece, spec.field, problem)
                if notices:
                    self._notices(row, column, piece, spec.field)
        return values, raw_address

    def _constants(self) -> list[tuple[ColumnSpec, str, Any]]:
        """The mapping's constants as cells, each of a column of its own, made once: the
        parse cache and the personal-data kinds know a column by its identity."""
        if self.constant_cells is None:
            self.constant_cells = [
                (
                    ColumnSpec(label="(constant)", field=name, sources=("(constant)",)),
                    "(constant)",
                    value,
                )
                for name, items in self.mapping.constants.items()
                for value in items
            ]
        return self.constant_cells

    def _columns_for(self, row: Any) -> Columns:
        """The mapping's columns that a row with these headers can fill: a column none of whose
        sources is in the file gives nothing (the template maps 34 columns; a file has a dozen),
        each with its sources among the headers (None: a template); and whether one of them
        has an ``otherwise``."""
        headers = tuple(row.values)
        found = self.columns_by_headers.get(headers)
        if found is None:
            columns = tuple(
                (
                    spec,
                    None
                    if spec.template is not None
                    else tuple(s for s in spec.sources if s in row.values),
                )
                for spec in self.mapping.columns
                if spec.template is not None or any(s in row.values for s in spec.sources)
            )
            otherwise = any(spec.otherwise is not None for spec, _sources in columns)
            found = self.columns_by_headers[headers] = (columns, otherwise)
        return found

    def _cell_of(
        self, row: Any, spec: ColumnSpec, sources: tuple[str, ...] | None
    ) -> tuple[str, Any]:
        """``_cell`` for a row with ``sources`` of the column among its headers (``_columns_for``):
        the other sources are not looked up in every row."""
        if sources is None:
            return self._cell(row, spec)
        cells, null = row.values, self._null
        for column in sources:
            value = cells[column]
            if value is not None and not null(value):
                return column, value
        return spec.sources[0], None

    def _doubled_columns(self, row: Any, cells: list[tuple[ColumnSpec, str, Any]]) -> None:
        """Two columns of the file that the mapping reads as one ("Name" and "Nom", "lat" and
        "latitude"): only the first with a value is read, so the file is told once (a warning
        naming both), and a row where they say different things has an error naming both. A
        header written twice whose first cell is empty: its second cell is read (in ``cells``)."""
        headers = tuple(row.values)
        doubled = self.doubled_by_headers.get(headers)
        if doubled is None:
            doubled = self.doubled_by_headers[headers] = self._doubled_sources(headers)
        for spec, present in doubled:
            if (id(spec), present) not in self.doubled_reported:
                self.doubled_reported.add((id(spec), present))
                self.problems.append(
                    Problem(
                        "duplicate-column",
                        f"the columns {', '.join(present)} all give the {spec.field}: only the "
                        "first with a value is read",
                        column=present[0],
                        field=spec.field,
                        sheet=row.sheet,
                        severity="warning",
                        params=(("other", ", ".join(present[1:])),),
                    )
                )
            filled = [
                (c, row.values[c], self._meaning(spec, row.values[c]))
                for c in present
                if not self._null(row.values[c])
            ]
            if filled and filled[0][0] not in spec.sources:  # only a repeated header's cell
                cells[:] = [
                    (s, filled[0][0], filled[0][1]) if s is spec else (s, c, v) for s, c, v in cells
                ]
            differing = [(c, v) for c, v, meaning in filled[1:] if meaning != filled[0][2]]
            if differing:
                (first, kept, _meaning), (other, ignored) = filled[0], differing[0]
                self.problems.append(
                    Problem(
                        "conflicting-columns",
                        f"{first} says {written(kept)!r} but {other} says {written(ignored)!r}",
                        row=row.number,
                        column=first,
                        value=written(kept),
                        field=spec.field,
                        sheet=row.sheet,
                        params=(("other", other), ("other_value", written(ignored))),
                    )
                )

    def _doubled_sources(
        self, headers: tuple[str, ...]
    ) -> tuple[tuple[ColumnSpec, tuple[str, ...]], ...]:
        """The mapping's columns that two or more headers of the file give, with those headers:
        the sources of an ``aliases`` column, and a header written twice ("Name,Name": the
        reader names the second "Name (3)", ``repeat_of``) for any column."""
        repeats: dict[str, list[str]] = defaultdict(list)
        for position, header in enumerate(headers, start=1):
            if (first := repeat_of(headers, position)) is not None:
                repeats[first].append(header)
        if not repeats and not self.mapping.has_aliases:  # the usual partner file
            return ()
        found = []
        for spec in self.mapping.columns:
            sources = [s for s in dict.fromkeys(spec.sources) if s in headers]
            if not spec.aliases:  # an order of preference: the first in the file is read
                sources = sources[:1]
            present = tuple(h for s in sources for h in (s, *repeats.get(s, ())))
            if len(present) > 1:
                found.append((spec, present))
        return tuple(found)

    def _meaning(self, spec: ColumnSpec, value: Any) -> Any:
        """What a cell says, to compare two cells of doubled columns: its terms as the column's
        parser reads them (48,5 and 48.5 agree; 43.5089 in a decimal-comma file, which the
        parser refuses, is read as plain figures write it: ``PLAIN``), numbers by their value
        and web addresses with an empty path as "/" (``_compared``); else its text; spaces and
        case aside either way."""
        text = " ".join(written(value).split()).casefold()
        if spec.field in ("coordinates", "full_address"):
            return text
        notices = len(self.context.notices)
        try:
            return tuple(_compared(term) for term in self._parsed(spec, value))
        except ValueProblem:
            plain = Context(PLAIN, self.context.concepts, self.context.country)
            try:
                return tuple(_compared(term) for term in parser_for(spec.field)(value, spec, plain))
            except ValueProblem:
                return text
        finally:
            del self.context.notices[notices:]

    def _parsed(self, spec: ColumnSpec, piece: Any) -> list[Term]:
        """What ``piece`` of a ``spec`` column parses to, with the parser's notices, parsed once
        per distinct cell, column and row country: the kinds, statuses, towns and counts of a
        file recur in most of its rows, and a parser reads nothing else."""
        if not isinstance(piece, CACHED_CELLS):  # a JSON list or object: parsed each time
            return parser_for(spec.field)(piece, spec, self.context)
        key = (id(spec), type(piece), piece, self.context.country)
        found = self.parsed.get(key)
        if found is None:
            try:
                terms: list[Term] | ValueProblem = parser_for(spec.field)(piece, spec, self.context)
            except ValueProblem as problem:
                # kept without its traceback: its frames would keep the whole load alive
                # (the store a build holds open among them) as long as the builder lives
                terms = problem.with_traceback(None)
            found = self.parsed[key] = Parsed(terms, tuple(self.context.notices))
        elif found.notices:
            self.context.notices.extend(found.notices)
        if isinstance(found.terms, ValueProblem):
            raise _again(found.terms)
        return list(found.terms)

    # -- personal data ------------------------------------------------------------------------

    def _contact_names(self, row: Any) -> tuple[str, ...]:
        """The names in the row's personal columns and contact-like text columns: an e-mail
        address that holds one of them is that person's."""
        if self.contact_columns is None:  # the same for every row of the mapping
            columns = set(self.mapping.personal) | {
                source
                for spec in self.mapping.columns
                if personal.may_name_a_person(tables.fields()[spec.field])
                for source in spec.sources
                if personal.is_contact_column(source)
            }
            self.contact_columns = tuple(sorted(columns))
        return tuple(
            str(row.values[c]) for c in self.contact_columns if isinstance(row.values.get(c), str)
        )

    def _personal(
        self, column: str, spec: ColumnSpec, terms: list[Term], contacts: tuple[str, ...]
    ) -> str | None:
        """The personal-data rule a parsed value falls under (None: it may be published, or
        the mapping marks the column public)."""
        if spec.public:
            return None
        kind, names = self.personal_kinds.get(id(spec)) or self._personal_kind(spec)
        if kind is None:
            return None
        for term in terms:
            if isinstance(term, Price):
                continue
            text = term.lexical if isinstance(term, Lit) else term.value
            key = (id(spec), column, text, self.context.country, contacts)
            if key in self.personal_verdicts:
                reason = self.personal_verdicts[key]
            else:
                reason = self.personal_verdicts[key] = self._personal_reason(
                    kind, names, column, spec, text, contacts
                )
            if reason:
                return reason
        return None

    def _personal_kind(self, spec: ColumnSpec) -> tuple[str | None, bool]:
        """The kind of personal data a column's field may hold ("email", "phone", a text kind;
        None: none), and whether its text may name a person; once per column."""
        found = self.personal_kinds.get(id(spec))
        if found is None:
            definition = tables.fields()[spec.field]
            kind = definition["kind"]
            checked = kind in ("email", "phone", "url") or kind in personal.NAME_KINDS
            found = (kind if checked else None, personal.may_name_a_person(definition))
            self.personal_kinds[id(spec)] = found
        return found

    def _personal_reason(
        self,
        kind: str,
        names: bool,
        column: str,
        spec: ColumnSpec,
        text: str,
        contacts: tuple[str, ...],
    ) -> str | None:
        """The personal-data rule one value's text falls under (``_personal``)."""
        country = self.context.country
        if kind == "email":
            return personal.email_reason(
                text, contacts, roles_only=spec.roles_only, country=country
            )
        if kind == "phone":
            return personal.phone_reason(text)
        if kind == "url":  # an e-mail address inside a web address (?mail=, %40, a path)
            return personal.url_reason(text, contacts)
        rules = personal.rules()
        if spec.field in rules.care_of_fields:  # "c/o Mario Rossi" in a street's cell
            found = personal.care_of_reason(text)
            if found:
                return found
        if spec.field in rules.iri_name_fields:  # "Rete di Mario Rossi" would name an IRI
            found = personal.iri_name_reason(text)
            if found:
                return found
        if names and personal.is_contact_column(column):
            return personal.name_reason(text) or personal.text_reason(text, country, contacts)
        if names and spec.field in personal.rules().person_fields:  # an operator may be a person
            found = personal.name_reason(text, contact=False) or personal.text_reason(
                text, country, contacts
            )
            return personal.said_where(found, "operator")
        return personal.said_where(personal.text_reason(text, country, contacts), "text")

    def _hold_back(self, row: Any, column: str, value: Any, field_name: str, code: str) -> None:
        """A warning for a value held back as personal data (the partner's report shows it;
        nothing of it is written to the graph)."""
        self.problems.append(
            Problem(
                code,
                personal.explain(code),
                row=row.number,
                column=column,
                value=written(value),
                field=field_name,
                sheet=row.sheet,
                severity="warning",
            )
        )

    def _address_parts(self, raw: Any, values: dict[str, list[Term]]) -> None:
        """The street, postcode and town of a one-line address; one that cannot be split is kept
        whole (locn:fullAddress) with one warning, and its parts are not guessed."""
        try:
            address = split_address(raw, self.context.country)
        except ValueProblem as problem:
            self.context.notices.append(problem)
            return
        if address.written and address.written != address.postcode:
            self.context.notices.append(
                ValueProblem(
                    "address-postcode-read",
                    f"the postcode {address.written} of the address is read as {address.postcode}",
                    written=address.written,
                    result=address.postcode or "",
                )
            )
        ctx_spec = ColumnSpec(label="", field="postcode", sources=("",))
        for name, text in address.parts().items():
            if values.get(name):
                continue
            values[name] = (
                parse_postcode(text, ctx_spec, self.context) if name == "postcode" else [Lit(text)]
            )

    def _key(self, row: Any, values: dict[str, list[Term]]) -> str:
        refused = bool(values.get("id")) and personal.holds_an_email(_lexical(values["id"][0]))
        if refused:
            # it would be part of the record's public IRIs and its source identifier: neither
            reason = (
                "the identifier is an e-mail address, which would be part of public web "
                "addresses; give the record an identifier of its own"
            )
            self._note(row, "identifier-email", reason, severity="error", field="id")
            values.pop("id")
        if values.get("id"):
            key = segment(_lexical(values["id"][0]))
        elif isinstance(self.mapping.key, str):
            key = slug(
                re.sub(
                    r"\{([^}]+)\}",
                    lambda m: str(row.values.get(m.group(1)) or ""),
                    self.mapping.key,
                )
            )
        else:  # a list of key columns, or none (then every record is named by its row)
            columns = self.mapping.key or ()
            key = slug(" ".join(str(row.values.get(column) or "") for column in columns))
        if not key:
            content = _content_key(values)
            key = content or f"row-{row.number}"
            named_from = "name and place" if content else "row number"
            reason = f"the record has no identifier; it is named {key}, from its {named_from}"
            if not refused:  # it has one, refused above
                self._note(row, "missing-key", reason, severity="warning", value=key)
        if key in self.keys:  # an error: this row is held back, not published under a new key
            first = self.keys[key]
            reason = f"row {first} has the same identifier {key!r}; give each record its own"
            self._note(
                row, "duplicate-key", reason, severity="error", value=key,
                column=self._id_column(row), params=(("first", str(first)),),
            )  # fmt: skip
            key = f"{key}-{row.number}"  # a key of its own, so that its triples stay apart
        self.keys.setdefault(key, row.number)
        return key

    def _id_column(self, row: Any) -> str | None:
        """The column that gives ``row`` its identifier, if one does (a duplicate identifier
        was told without its column: "Ligne 6", stranger 88)."""
        return next(
            (
                source
                for spec in self.mapping.columns
                if spec.field == "id"
                for source in spec.sources
                if _filled(row.values.get(source))
            ),
            None,
        )

    def _shared_name(self, row: Any, values: dict[str, list[Term]]) -> None:
        """A warning for a record whose name and town an earlier record of the file has: the
        names say nothing to tell them apart ("Espace numérique" in every town)."""
        if not (values.get("name") and values.get("city")):
            return
        name, town = _lexical(values["name"][0]), _lexical(values["city"][0])
        first = self.named.setdefault((tables.fold(name), tables.fold(town)), row.number)
        if first == row.number:
            return
        reason = (
            f"row {first} has the same name in {town}; give each record its own name "
            '(a name template such as "{Type} {Commune}" in the mapping)'
        )
        self._note(
            row,
            "shared-name",
            reason,
            severity="warning",
            value=name,
            field="name",
            params=(("other", str(first)),),
        )

    # -- writing ------------------------------------------------------------------------------

    def _write(
        self, row: Any, key: str, values: dict[str, list[Term]], raw_address: Any, start: int
    ) -> None:
        """The record's triples; its place is checked first (``_region``), so that a value the
        checks contradict is left out (``_withhold_contradicted``; ``start``: where the row's
        problems begin)."""
        add, fields = self.triples.add, tables.fields()
        space_iri = self.minting.of("space", key)
        space = iri(space_iri)
        record = iri(self.minting.of("record", key))
        add(space, A, p("cwm:Space"))
        add(space, p("prov:wasDerivedFrom"), record)
        add(record, A, p("cwm:SourceRecord"))
        add(record, p("cwm:inDataset"), iri(self.dataset_iri))
        add(record, p("cwm:rowNumber"), literal(str(row.number), XSD + "integer"))
        if row.sheet:
            add(record, p("cwm:sheetName"), literal(row.sheet))
        country = self.context.country
        if country and not values.get("country"):
            values["country"] = parser_for("country")(
                country, ColumnSpec("", "country", ("",)), self.context
            )
        if values.get("opening_hours") and not values.get("weekend"):
            values["weekend"] = hours.weekend_terms(_lexical(values["opening_hours"][0]))
        region = None
        if country and values.get("nuts") and self._given_region_contradicted(row, values, country):
            del values["nuts"]
        if country and not values.get("nuts"):
            region = self._region(row, values, country)
        self._withhold_contradicted(values, start)
        nodes = {"space": space, "record": record}
        for name, terms in values.items():
            definition = fields[name]
            node = definition["node"]
            if node in ("space", "record"):
                for value in _unique(terms):
                    add(nodes[node], p(definition["property"]), _nt(value))
        self._write_address(space_iri, values, raw_address, country)
        self._write_geometry(space_iri, values)
        self._write_operator(key, space, values, row)
        self._write_networks(space, values)
        self._write_offers(space_iri, values)
        self._enrich(row, space, values, country, region)

    def _withhold_contradicted(self, values: dict[str, list[Term]], start: int) -> None:
        """Leave out each value the loader reinterpreted that a check of the record contradicts
        (``loaders/tables/reinterpretations.yaml``), with a warning naming the value as written,
        as read and the contradiction, which replaces the notice and the checks (one fact, one
        message); ``start``: where the record's problems begin."""
        found = reinterpretations.contradictions(self.problems[start:])
        for contradiction in found:
            values.pop(contradiction.reading.field, None)
        if found:
            self.problems[start:] = reinterpretations.told_once(self.problems[start:], found)

    def _write_address(
        self, space_iri: str, values: dict[str, list[Term]], raw: Any, country: str | None
    ) -> None:
        parts = [
            name for name in ("street", "house_number", "postcode", "city") if values.get(name)
        ]
        if not parts and raw is None:
            return
        if values.get("street") and values.get("house_number"):
            street, number = values["street"][0], _lexical(values["house_number"][0])
            assert isinstance(street, Lit), f"a literal, not {street}"
            line = street_line(street.lexical, number, country)
            values = {**values, "street": [street._replace(lexical=line)]}
        add, address = self.triples.add, iri(f"{space_iri}/address")
        add(iri(space_iri), p("locn:address"), address)
        add(address, A, p("locn:Address"))
        if raw is not None:
            add(address, p("locn:fullAddress"), literal(" ".join(str(raw).split())))
        for name in parts:
            add(address, p(tables.fields()[name]["property"]), _nt(values[name][0]))
        if country:
            add(address, p("locn:adminUnitL1"), literal(country))

    def _write_geometry(self, space_iri: str, values: dict[str, list[Term]]) -> None:
        if not (values.get("latitude") and values.get("longitude")):
            return
        add, geometry = self.triples.add, iri(f"{space_iri}/geometry")
        lat, lon = _lexical(values["latitude"][0]), _lexical(values["longitude"][0])
        add(iri(space_iri), p("geo:hasGeometry"), geometry)
        add(geometry, A, p("geo:Geometry"))
        add(geometry, p("geo:asWKT"), literal(f"POINT({lon} {lat})", WKT))

    def _write_operator(
        self, key: str, space: str, values: dict[str, list[Term]], row: Any
    ) -> None:
        names = [name for name, _definition in _fields_on("operator") if values.get(name)]
        if not names:
            return
        if "operator_name" not in names and not set(names) & OPERATOR_IDENTIFIERS:
            held = self._held_operator_name(row)
            if held is not None:  # a sole trader's: the space is published without its operator
                self.problems[held] = replace(
                    self.problems[held],
                    code=OPERATOR_LEFT_OUT,
                    reason=personal.explain(OPERATOR_LEFT_OUT),
                )
                return
        add, operator = self.triples.add, iri(self.minting.of("operator", key))
        add(space, p("cwm:operatedBy"), operator)
        add(operator, A, p("cwm:Operator"))
        for name in names:
            for value in _unique(values[name]):
                add(operator, p(tables.fields()[name]["property"]), _nt(value))

    def _held_operator_name(self, row: Any) -> int | None:
        """Where, among the problems, is the warning of ``row``'s operator name held back as a
        person's (None: it was not)."""
        codes = personal.rules().reasons
        for at in range(len(self.problems) - 1, -1, -1):
            problem = self.problems[at]
            if problem.row != row.number or problem.sheet != row.sheet:
                return None  # a row's problems come together, its own last
            if problem.field == "operator_name" and problem.code in codes:
                return at
        return None

    def _write_networks(self, space: str, values: dict[str, list[Term]]) -> None:
        add = self.triples.add
        names = _unique(values.get("network", []))
        for name in names:
            network = iri(self.minting.network(_lexical(name)))
            add(space, p("cwm:memberOf"), network)
            add(network, A, p("cwm:Network"))
            add(network, p("schema:name"), _nt(name))
            if len(names) == 1:
                for item in values.get("network_wikidata", []):
                    add(network, p("owl:sameAs"), _nt(item))

    def _write_offers(self, space_iri: str, values: dict[str, list[Term]]) -> None:
        add = self.triples.add
        for name, definition in _fields_on("offer"):
            if not values.get(name):
                continue
            offer = iri(f"{space_iri}/offer/{definition['access']}")
            add(iri(space_iri), p("schema:makesOffer"), offer)
            add(offer, A, p("cwm:AccessOffer"))
            add(
                offer,
                p("cwm:accessType"),
                iri(self.context.concepts.concept(CODE_ACCESS, definition["access"])),
            )
            price = values[name][0]
            assert isinstance(price, Price), f"a price, not {price}"
            add(offer, p("schema:price"), literal(price.amount, XSD + "decimal"))
            add(offer, p("schema:priceCurrency"), literal(price.currency))
            add(offer, p("schema:unitCode"), literal(price.unit))

    def _enrich(
        self,
        row: Any,
        space: str,
        values: dict[str, list[Term]],
        country: str | None,
        region: str | None,
    ) -> None:
        """The space's region (``region``: as ``_region`` found it, when the record gives none)
        and municipality: the one town of the country its town is named, unless that town is
        not in the space's region (``_town_in_region``)."""
        if not country:
            return
        if values.get("nuts"):
            self._given_region_agrees(row, values, country)
            region = _region_code(values["nuts"][0])
        elif region:
            self.triples.add(space, p("cwm:nutsRegion"), iri(NUTS_CODE + region))
        self._covered(row, region)
        if values.get("city"):
            city = _lexical(values["city"][0])
            municipality = enrich.municipality(country, city)
            point = _point(values)
            if (
                municipality
                # (a padded postcode the town contradicts is the one withheld: the town stays)
                and not (self.town_contradicted and values.get("postcode"))
                and self._town_in_region(row, city, region, country, point)
            ):
                self.triples.add(space, p("cwm:municipality"), iri(municipality))

    def _covered(self, row: Any, region: str | None) -> None:
        """A warning for a record whose region is outside the territory its mapping says the
        source covers (``source.coverage``): the per-100,000 figures count it nowhere, and the
        regions covered show fewer places than the source has (stranger 82: a Spanish source
        covering FR101 made Paris 0 per 100,000, and its 13 places counted nowhere)."""
        coverage = self.mapping.coverage
        if not coverage or region is None or region.startswith(coverage):
            return
        placed = region_text(region)
        self._warned(
            row, "outside-coverage", "nuts", region, None,
            f"the record is in {placed}, outside the source's coverage",
            {"region": placed, "coverage": " ".join(coverage)},
        )  # fmt: skip

    def _town_in_region(
        self,
        row: Any,
        city: str,
        region: str | None,
        country: str,
        point: tuple[float, float] | None,
    ) -> bool:
        """Whether the town ``city`` names is in the space's ``region`` (or within the
        polygons' tolerance of it, or the space's ``point`` within their tolerance of the
        town's region), or it cannot be told; when not, a warning names both, and the town is
        not linked (stranger 79: a place in Milan by its postcode and coordinates, its town
        written "Roma", was linked to Rome, and nothing was said)."""
        town = enrich.town_position(country, city)
        if town is None or region is None or not enrich.has_polygons(region):
            return True
        if enrich.near_region(town[0], town[1], region):
            return True
        found = enrich.region_near(town[0], town[1], (country,))
        if found is None:  # a town off the outlines (an island): it cannot be told
            return True
        if point is not None and enrich.near_region(point[0], point[1], found):
            return True  # on the border of the town's region, as the outlines draw it
        placed, town_region = region_text(region), region_text(found)
        self._warned(
            row, "town-not-in-region", "city", city, self.city_column,
            f"the town {city} is in {town_region}, but the record is placed in {placed}",
            {"region": placed, "other_region": town_region},
        )  # fmt: skip
        return False

    def _region(self, row: Any, values: dict[str, list[Term]], country: str) -> str | None:
        """The space's NUTS-3 region: the region of its country whose polygon holds its
        coordinates (or lies within the polygons' generalisation tolerance of them), else the
        region of its postcode. A postcode whose region is not where the coordinates are is
        reported, naming both regions; the coordinates' region is kept."""
        postcode = _lexical(values["postcode"][0]) if values.get("postcode") else None
        from_postcode = (
            enrich.nuts3(country, postcode) if postcode and self.postcode_placed else None
        )
        if values.get("latitude") and values.get("longitude"):
            lat, lon = _lexical(values["latitude"][0]), _lexical(values["longitude"][0])
            at_point = enrich.region_near(float(lat), float(lon), (country,))
            if at_point is not None:
                if (
                    postcode
                    and from_postcode
                    and from_postcode != at_point
                    and enrich.has_polygons(from_postcode)
                ):
                    if enrich.near_region(float(lat), float(lon), from_postcode):
                        # within the outlines' tolerance of the postcode's region too: the
                        # postcode says which (stop 54: 11 places of Paris's 14th to 16th, on
                        # its border, were set in Hauts-de-Seine)
                        return from_postcode
                    self._disagrees(
                        row,
                        "postcode-not-at-coordinates",
                        postcode,
                        from_postcode,
                        f"{lat}, {lon}",
                        at_point,
                    )
                if from_postcode is None:
                    return _town_region_beside(values, country, float(lat), float(lon), at_point)
                return at_point
        if (
            postcode
            and from_postcode
            and self._postcode_in_town(row, postcode, from_postcode, values, country)
        ):
            return from_postcode
        return None

    def _given_region_contradicted(
        self, row: Any, values: dict[str, list[Term]], country: str
    ) -> bool:
        """Whether the NUTS code a record without coordinates gives is contradicted by its
        postcode and its town, which agree on another region: it is then told and left out
        (stranger 82: ES511, Barcelona, was published for a place in Benidorm, 03501)."""
        if _point(values) is not None or not (values.get("postcode") and values.get("city")):
            return False
        given = _region_code(values["nuts"][0])
        from_postcode = enrich.nuts3(country, _lexical(values["postcode"][0]))
        town = enrich.town_position(country, _lexical(values["city"][0]))
        if from_postcode is None or town is None or from_postcode == given:
            return False
        if not (enrich.has_polygons(given) and enrich.has_polygons(from_postcode)):
            return False
        town_region = enrich.region_near(town[0], town[1], (country,))
        if town_region != from_postcode or enrich.near_region(*town, given):
            return False
        given_text, found = region_text(given), region_text(from_postcode)
        self._warned(
            row, "nuts-not-at-postcode-and-town", "nuts", given, None,
            f"the code is {given_text}, but the postcode and the town are in {found}",
            {"region": given_text, "other_region": found},
        )  # fmt: skip
        return True

    def _given_region_agrees(self, row: Any, values: dict[str, list[Term]], country: str) -> None:
        """A NUTS-3 code the record gives is kept; when the coordinates lie in another region of
        the country (beyond the polygons' tolerance), both are reported."""
        given = _region_code(values["nuts"][0])
        if not (values.get("latitude") and values.get("longitude")) or not enrich.has_polygons(
            given
        ):
            return
        lat, lon = _lexical(values["latitude"][0]), _lexical(values["longitude"][0])
        at_point = enrich.region_near(float(lat), float(lon), (country,))
        if (
            at_point is None
            or at_point == given
            or enrich.near_region(float(lat), float(lon), given)
        ):
            return
        column = next((spec.label for spec in self.mapping.columns if spec.field == "nuts"), None)
        region, other_region = region_text(given), region_text(at_point)
        self.problems.append(
            Problem(
                "nuts-not-at-coordinates",
                f"the region given is {region}, but {lat}, {lon} is in {other_region}",
                row=row.number,
                column=column,
                value=given,
                field="nuts",
                sheet=row.sheet,
                severity="warning",
                params=(
                    ("region", region),
                    ("other", f"{lat}, {lon}"),
                    ("other_region", other_region),
                ),
            )
        )

    def _postcode_in_town(
        self, row: Any, postcode: str, code: str, values: dict[str, list[Term]], country: str
    ) -> bool:
        """Whether the postcode's region holds the town (for a space without coordinates in its
        country, where GeoNames knows one town of the name); a disagreement is reported with both
        values and the region each implies, and the postcode then gives no region."""
        if not enrich.has_polygons(code):
            return True
        position, found = _town_and_region(values, country)
        if (
            position is None
            or found is None
            or found == code
            or enrich.near_region(*position, code)
        ):
            return True
        town = _lexical(values["city"][0])
        self._disagrees(row, "postcode-not-in-town", postcode, code, town, found)
        self.town_contradicted = True  # (stranger 80: "10410 Zagreb" was linked to Zagreb)
        return False

    def _disagrees(
        self, row: Any, problem_code: str, postcode: str, code: str, other: str, found: str
    ) -> None:
        """Report a postcode whose region (``code``) is not the region (``found``) of ``other``
        (the coordinates or the town), naming both."""
        region, other_region = region_text(code), region_text(found)
        self._warned(
            row, problem_code, "postcode", postcode, self.postcode_column,
            f"the postcode is in {region}, but {other} is in {other_region}",
            {"region": region, "other": other, "other_region": other_region},
        )  # fmt: skip

    def _warned(
        self,
        row: Any,
        code: str,
        field_name: str,
        value: str,
        column: str | None,
        reason: str,
        params: dict[str, str],
    ) -> None:
        """A warning of the checks of a record's territory: ``value`` (of ``field_name``, in
        ``column``) disagrees with another fact of the record, which ``reason`` names (its
        message's ``params``: the regions of both)."""
        self.problems.append(
            Problem(
                code,
                reason,
                row=row.number,
                column=column,
                value=value,
                field=field_name,
                sheet=row.sheet,
                severity="warning",
                params=tuple(params.items()),
            )
        )


#: the most words a street's name has ("Calle de la Virgen de los Peligros" has 7); more, with
#: no number, and the value is told as a sentence
STREET_WORDS = 8
#: the fields that say where a place is: a row with none of them may be a row of totals (a
#: town may be there: "Total; Málaga", stranger 82)
LOCATING_FIELDS = frozenset(
    {"street", "house_number", "postcode", "full_address", "coordinates", "latitude",
     "longitude"}
)  # fmt: skip
#: the most words a total's cell has when "total" comes first or second ("Σύνολο Περιφέρειας
#: Αττικής", "Nº total de espacios")
TOTAL_WITH_WORDS = 5
#: what may come before "total" in a total's cell ("Nº", "N.", "Número total"), folded
NUMBER_MARKS = frozenset({"no", "n", "nr", "num", "numero", "nombre", "broj", "αριθμος"})
#: the error of a row of totals (``RecordBuilder._totals_row``)
TOTALS_ROW = "totals-row"
#: the operator's fields that identify it without its name (``shapes/required.ttl``,
#: ``Operator-name``: a national identifier or its Wikidata item)
OPERATOR_IDENTIFIERS = frozenset(
    {"siret", "partita_iva", "nif_cif", "afm", "oib", "operator_wikidata"}
)
#: an operator whose name is held back as a person's and that nothing else identifies: left out,
#: the space published without it (stranger 90: a sole trader's space was held back whole, told
#: that the optional operator column was "required")
OPERATOR_LEFT_OUT = "personal-operator-left-out"


#: the errors of a row that say all there is of it: a row held back for its shape (its values
#: shifted) or as a row of totals; the checks of its record are not told
WHOLE_ROW = SHIFTED_ROW | {TOTALS_ROW}
#: what is not part of a total's word: parentheses and what they hold, then digits and
#: punctuation
_IN_PARENTHESES = re.compile(r"\([^)]*\)")
_NOT_WORDS = re.compile(r"[\d\W_]+")


def _says_total(text: str) -> str | None:
    """What a cell says of a total: ``TOTAL_ALONE``, that word and nothing else of note
    ("TOTALE (6 spazi):", "Sous-total"); ``TOTAL_FIRST``, that word first, after a mark of
    number if any, and a few words after it ("Σύνολο: 5 χώροι", "Ukupno Zagreb", "Nº total de
    espacios"); else None."""
    words = tables.fold(_NOT_WORDS.sub(" ", _IN_PARENTHESES.sub(" ", text))).split()
    totals = tables.total_words()
    if " ".join(words) in totals:
        return TOTAL_ALONE
    if words and words[0] in NUMBER_MARKS:
        words = words[1:]
    first = next((n for n in (2, 1) if " ".join(words[:n]) in totals), 0)
    return TOTAL_FIRST if first and len(words) <= TOTAL_WITH_WORDS else None


#: what ``_says_total`` says of a cell
TOTAL_ALONE, TOTAL_FIRST = "alone", "first"
#: a cell that holds a number, as a row of totals has them ("32", "1.600,5", "12 %")
_NUMBER_CELL = re.compile(r"[\d\s.,'%€+-]+")


def _filled(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


def _town_and_region(
    values: dict[str, list[Term]], country: str
) -> tuple[tuple[float, float] | None, str | None]:
    """A record's town's point (when one town of the country has the name its city gives) and
    the NUTS-3 region whose outlines hold that point; None for what is not known."""
    city = _lexical(values["city"][0]) if values.get("city") else None
    town = enrich.town_position(country, city) if city else None
    return town, enrich.region_at(town[0], town[1], country) if town else None


def _town_region_beside(
    values: dict[str, list[Term]], country: str, lat: float, lon: float, at_point: str
) -> str:
    """The region of a record's point, ``at_point`` as the generalised outlines place it, or the
    region of its town when the point lies within the outlines' tolerance of the town's region,
    and the town's own point lies farther inside its region than the record's point lies outside
    it: a NUTS-3 region is made of whole municipalities, so a place in a town is in the town's
    region (stranger 83: 15 places of Paris's 10th, 13th, 15th, 19th and 20th, given no
    postcode, were set in Seine-Saint-Denis, Val-de-Marne or Hauts-de-Seine; the outlines draw
    Paris so small that its centre is 2.7 km from Seine-Saint-Denis). A town of several
    namesakes has no point, and the point's region stays."""
    town, town_region = _town_and_region(values, country)
    if town is None or town_region is None or town_region == at_point:
        return at_point
    outside = enrich.metres_from_region(lat, lon, town_region)
    inside = enrich.metres_from_region(town[0], town[1], at_point)
    if outside is None or inside is None or outside > enrich.BORDER_TOLERANCE_METRES:
        return at_point
    return town_region if inside > outside else at_point


def _point(values: dict[str, list[Term]]) -> tuple[float, float] | None:
    """A record's coordinates (latitude, longitude), if it gives them."""
    if not (values.get("latitude") and values.get("longitude")):
        return None
    return float(_lexical(values["latitude"][0])), float(_lexical(values["longitude"][0]))


def _region_code(term: Term) -> str:
    """The NUTS code of a region a record gives (its IRI, or its code)."""
    return (term.value if isinstance(term, Iri) else _lexical(term)).removeprefix(NUTS_CODE)


@cache
def _fields_on(node: str) -> tuple[tuple[str, dict[str, Any]], ...]:
    """The fields written on one kind of node (``operator``, ``offer``), in the table's order."""
    return tuple((name, d) for name, d in tables.fields().items() if d["node"] == node)


#: the fields that name a record without an identifier, in this order: what it is, then where
CONTENT_KEY = ("name", "city", "postcode")


def _content_key(values: dict[str, list[Term]]) -> str:
    """The key of a record without an identifier, from its name and place (empty without a
    name): the same record keeps it from one version to the next wherever its row moves,
    where a row number would name another record once rows are added or sorted."""
    if not values.get("name"):
        return ""
    return slug(" ".join(_lexical(values[name][0]) for name in CONTENT_KEY if values.get(name)))


def _lexical(term: Term) -> str:
    """The text of a value of a field whose parser gives literals (coordinates, names, codes)."""
    assert isinstance(term, Lit), f"a literal, not {term}"
    return term.lexical


def _unique(terms: list[Term]) -> list[Term]:
    return list(dict.fromkeys(terms))


@lru_cache(maxsize=65536)
def _nt(value: Term) -> str:
    """A value as N-Triples, written once per distinct value (kinds, statuses, towns and
    counts recur in most rows)."""
    assert not isinstance(value, Price), "a price is written by _write_offers"
    if isinstance(value, Iri):
        return f"<{value.value}>"
    return literal(value.lexical, value.datatype, value.language)


def _compared(term: Term) -> str:
    """A term as two doubled columns are compared (``_meaning``): a number by its value
    (43.50 is 43.5), a web address with its scheme and host in lower case and an empty path as
    "/" (https://x.org is https://x.org/), anything else as its text, case aside."""
    if isinstance(term, Lit) and term.datatype in NUMERIC:
        try:
            return str(Decimal(term.lexical).normalize())
        except InvalidOperation:
            return term.lexical
    if isinstance(term, Iri) and term.value.lower().startswith(("http://", "https://")):
        parts = urlsplit(term.value)
        scheme, host = parts.scheme.lower(), parts.netloc.lower()
        return urlunsplit((scheme, host, parts.path or "/", parts.query, parts.fragment))
    return str(term).casefold()
