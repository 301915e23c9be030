"""The caps on what a submission costs to read (loaders.caps), and the readers' own limits:
every hostile file is refused with a LoadError naming its cap, before the workbook reader
sees it; nothing else is raised. (No workbook that passes the pre-scan is read here with a
far cell: see tests/endpoint/test_upload_limits.py for those, against a real server.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.problems import LoadError, ValueProblem
from loaders.caps import Counter, TableCaps, TooBig, cell_position, check_workbook, table_caps
from loaders.concepts import default_index
from loaders.readers import read_rows, sniff_delimiter
from loaders.values import ColumnSpec, Context, Locale, parser_for, to_decimal
from tests.hostile_files import MAKERS, ods, xlsx

CAPS = TableCaps(rows=10_000, cells=500_000, repeated=100)
#: hostile workbook -> the cap it is refused by
WORKBOOKS = {
    "far_cell_xlsx": "too-many-rows",
    "far_dimension_xlsx": "too-many-rows",
    "far_reference_xlsx": "too-many-rows",
    "far_row_xlsx": "too-many-rows",
    "wide_xlsx": "too-many-columns",
    "huge_shared_strings_xlsx": "too-many-cells",
    "repeated_rows_ods_2000": "too-much-repeated",
    "repeated_rows_ods_1000000": "too-much-repeated",
    "far_column_ods": "too-much-repeated",
    "empty_rows_then_data_ods": "too-many-rows",
}


@pytest.mark.parametrize(
    ("reference", "position"),
    [("A1", (1, 1)), ("XFD1048576", (1_048_576, 16_384)), ("$b$7", (7, 2)), ("1A", None)],
)
def test_cell_positions(reference: str, position: tuple[int, int] | None) -> None:
    assert cell_position(reference) == position


@pytest.mark.parametrize(("maker", "code"), sorted(WORKBOOKS.items()))
def test_a_workbook_past_the_caps_is_refused_before_it_is_read(
    maker: str, code: str, tmp_path: Path
) -> None:
    path = tmp_path / ("book.ods" if "ods" in maker else "book.xlsx")
    path.write_bytes(MAKERS[maker]())
    with pytest.raises(TooBig) as refused:
        check_workbook(path, CAPS)
    assert refused.value.code == code
    with table_caps(CAPS), pytest.raises(TooBig):
        list(read_rows(path, path.suffix[1:], {}))


def test_libreoffice_trailing_empty_rows_pass_and_are_read(tmp_path: Path) -> None:
    path = tmp_path / "office.ods"
    path.write_bytes(MAKERS["trailing_empty_rows_ods"]())
    check_workbook(path, CAPS)
    with table_caps(CAPS):
        rows = list(read_rows(path, "ods", {}))
    assert [row.values["Town"] for row in rows] == ["Lyon"]


def test_a_workbook_part_with_a_dtd_is_refused(tmp_path: Path) -> None:
    data = xlsx('<row r="1"><c r="A1"/></row>').replace(b"<?xml", b"<?xml", 1)
    path = tmp_path / "dtd.xlsx"
    import zipfile

    with (
        zipfile.ZipFile(path, "w") as archive,
        zipfile.ZipFile(__import__("io").BytesIO(data)) as source,
    ):
        for name in source.namelist():
            body = source.read(name)
            if name.endswith("sheet1.xml"):
                body = b'<!DOCTYPE x [<!ENTITY a "b">]>' + body.split(b"?>", 1)[1]
            archive.writestr(name, body)
    with pytest.raises(LoadError, match="DTD"):
        check_workbook(path, CAPS)


@pytest.mark.parametrize(
    ("maker", "suffix", "code"),
    [
        ("many_rows_csv", "csv", "too-many-rows"),
        ("blank_lines_csv", "csv", "too-many-rows"),
        ("wide_csv", "csv", "too-many-columns"),
        ("tall_and_wide_csv", "csv", "too-many-cells"),
        ("empty_header_columns_csv", "csv", "too-many-columns"),
        ("many_records_json", "json", "too-many-rows"),
    ],
)
def test_text_past_the_caps_is_refused_while_read(
    maker: str, suffix: str, code: str, tmp_path: Path
) -> None:
    path = tmp_path / f"file.{suffix}"
    path.write_bytes(MAKERS[maker]())
    with table_caps(CAPS), pytest.raises(TooBig) as refused:
        next(iter(read_rows(path, suffix, {})))  # refused before the first row is given
    assert refused.value.code == code


def test_the_counter_leaves_the_header_out() -> None:
    counter = Counter("f", TableCaps(rows=2, cells=100, repeated=1), header=1)
    for _ in range(3):
        counter.add(4)
    with pytest.raises(TooBig, match="more than 2 rows"):
        counter.add(4)


@pytest.mark.parametrize(
    ("maker", "suffix"),
    [
        ("big_field_csv", "csv"),
        ("big_quoted_field_tsv", "tsv"),
        ("big_integer_json", "json"),
        ("big_negative_integer_json", "json"),
    ],
)
def test_values_past_the_readers_limits_are_a_load_error(
    maker: str, suffix: str, tmp_path: Path
) -> None:
    path = tmp_path / f"file.{suffix}"
    path.write_bytes(MAKERS[maker]())
    spec: dict[str, Any] = {"records": "records"} if "negative" in maker else {}
    with table_caps(CAPS), pytest.raises(LoadError):
        list(read_rows(path, suffix, spec))


def test_the_sniffer_survives_a_field_past_the_csv_limit() -> None:
    assert sniff_delimiter("a;b\n" + "x" * 200_000 + ";y\n") in (",", ";")


@pytest.mark.parametrize("raw", ["9" * 5_000, "-" + "9" * 4_400, 10**4_000, "1 " * 3_000])
@pytest.mark.parametrize("field", ["workstations", "meeting_rooms", "opened", "closed"])
def test_numbers_of_thousands_of_digits_are_a_value_problem(raw: Any, field: str) -> None:
    spec = ColumnSpec(label="c", field=field, sources=("c",))
    context = Context(Locale(), default_index(), None)
    try:
        parser_for(field)(raw, spec, context)
    except ValueProblem as problem:
        assert problem.code
    with pytest.raises(ValueProblem):
        to_decimal(raw, Locale())


# ------------------------------------------------------------------ any bytes, any attributes

SMALL_CAPS = TableCaps(rows=50, cells=500, repeated=5)
FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
#: attribute values as an attacker would write them: references, counts, nonsense
attribute_values = st.one_of(
    st.from_regex(r"\$?[A-Za-z]{1,4}\$?[0-9]{1,9}", fullmatch=True),
    st.integers(min_value=-5, max_value=10**15).map(str),
    st.text(alphabet="0123456789AZaz$:-+ .", max_size=14),
)


@FUZZ
@given(data=st.one_of(st.binary(max_size=3000), st.text(max_size=3000).map(str.encode)))
@pytest.mark.parametrize("suffix", ["csv", "tsv", "json", "geojson"])
def test_any_bytes_are_rows_or_a_load_error(suffix: str, data: bytes, tmp_path: Path) -> None:
    path = tmp_path / f"file.{suffix}"
    path.write_bytes(data)
    try:
        with table_caps(SMALL_CAPS):
            list(read_rows(path, suffix, {}))
    except LoadError as error:
        assert str(error), "a file refused says why"


@FUZZ
@given(dimension=attribute_values, row=attribute_values, cell=attribute_values)
def test_any_xlsx_addresses_pass_or_are_refused(
    dimension: str, row: str, cell: str, tmp_path: Path
) -> None:
    path = tmp_path / "book.xlsx"
    text = "<is><t>x</t></is>"
    sheet = (
        f'<row r="{row}"><c r="{cell}" t="inlineStr">{text}</c><c t="inlineStr">{text}</c></row>'
    )
    path.write_bytes(xlsx(sheet.replace("&", ""), dimension))
    try:
        check_workbook(path, SMALL_CAPS)
    except LoadError:
        return


@FUZZ
@given(rows=attribute_values, columns=attribute_values, empty=st.booleans())
def test_any_ods_repeats_pass_or_are_refused(
    rows: str, columns: str, empty: bool, tmp_path: Path
) -> None:
    content = "" if empty else ' office:value-type="string"><text:p>x</text:p></table:table-cell'
    cell = f'<table:table-cell table:number-columns-repeated="{columns}"{content or "/"}>'
    path = tmp_path / "book.ods"
    path.write_bytes(
        ods(f'<table:table-row table:number-rows-repeated="{rows}">{cell}</table:table-row>')
    )
    try:
        check_workbook(path, SMALL_CAPS)
    except LoadError:
        return
