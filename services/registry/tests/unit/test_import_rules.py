"""The import's translation of a spreadsheet into create documents: pure, no database."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from registry.equipment_import.rules import (
    MISSING,
    CodesSeen,
    FileProblem,
    Header,
    ImportReason,
    ValueKind,
    cell_value,
    draft_row,
    find_header,
    normalise_header,
    row_key,
)


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("额定载重量(kg)", "额定载重量"),
        ("额定速度（m/s）", "额定速度"),
        ("*设备代码", "设备代码"),
        (" Equipment_Code ", "equipment_code"),
        ("Rated Load KG", "rated_load_kg"),
    ],
)
def test_headers_are_read_without_units_marks_or_case(text: str, normalised: str) -> None:
    assert normalise_header(text) == normalised


@pytest.mark.parametrize(
    ("cell", "kind", "value"),
    [
        ("2025/6/1", ValueKind.date, "2025-06-01"),
        ("2025年6月1日", ValueKind.date, "2025-06-01"),
        ("20250601", ValueKind.date, "2025-06-01"),
        (20250601, ValueKind.date, "2025-06-01"),
        (45809, ValueKind.date, "2025-06-01"),  # Excel's serial day number
        (datetime(2025, 6, 1), ValueKind.date, "2025-06-01"),
        (datetime(2025, 6, 1, 8, 30), ValueKind.date, "2025-06-01T08:30:00"),
        ("yesterday", ValueKind.date, "yesterday"),  # the schema refuses it, as in JSON
        ("1000", ValueKind.number, 1000),
        ("1.75", ValueKind.number, 1.75),
        (18.0, ValueKind.integer, 18),
        ("north", ValueKind.number, "north"),
        ("是", ValueKind.boolean, True),
        ("否", ValueKind.boolean, False),
        ("maybe", ValueKind.boolean, "maybe"),
        (12345.0, ValueKind.text, "12345"),
        (date(2025, 6, 1), ValueKind.text, "2025-06-01"),
        ("  ", ValueKind.text, MISSING),
        (None, ValueKind.number, MISSING),
    ],
)
def test_a_cell_becomes_the_json_value_a_client_would_send(
    cell: Any, kind: ValueKind, value: Any
) -> None:
    assert cell_value(cell, kind) == value


def test_an_identifier_stored_as_a_number_is_refused() -> None:
    with pytest.raises(ValueError, match="15 digits"):
        cell_value(3.110123456789012e17, ValueKind.identifier)
    assert cell_value("311012345678901234", ValueKind.identifier) == "311012345678901234"


def header(*names: str, above: int = 0) -> Header:
    rows: list[tuple[int, list[Any]]] = [(n + 1, ["标题"]) for n in range(above)]
    rows.append((above + 1, list(names)))
    found = find_header(rows)
    assert isinstance(found, Header), found
    return found


def test_the_header_is_found_below_title_rows_and_unknown_columns_are_listed() -> None:
    found = header("序号", "设备代码", "设备品种", "使用单位", "省", "市", "区县", "备注", above=2)
    assert found.row == 3
    assert found.ignored == ("序号", "备注")
    assert found.header_of(("use_unit_id",)) == "使用单位"
    assert found.header_of(("category",)) == "设备品种"


def test_missing_required_columns_are_named() -> None:
    problem = find_header([(1, ["设备代码", "设备品种", "省"])])
    assert isinstance(problem, FileProblem)
    assert problem.code is ImportReason.missing_column
    assert any(column.startswith("市") for column in problem.columns)
    assert any("使用单位" in column for column in problem.columns)


def test_the_same_field_twice_is_a_problem() -> None:
    problem = find_header([(1, ["设备代码", "equipment_code"])])
    assert isinstance(problem, FileProblem)
    assert problem.code is ImportReason.duplicate_column


def test_a_row_becomes_a_create_document_with_its_category_from_the_variety() -> None:
    columns = ("设备代码", "设备品种", "使用单位统一社会信用代码", "省", "市", "区县", "层站数")
    cells = ["311000000000000001", "曳引驱动乘客电梯", "91350100m000100y43"]
    cells += ["甘肃省", "兰州市", "兰州新区", "18"]
    draft = draft_row(header(*columns), 2, cells)
    assert draft is not None
    assert draft.errors == []
    assert draft.document == {
        "equipment_code": "311000000000000001",
        "variety": "3110",
        "category": "3000",
        "region": {"province": "甘肃省", "city": "兰州市", "district": "兰州新区"},
        "attributes": {"stops": 18},
    }
    assert draft.use_unit_credit_code == "91350100M000100Y43"


def test_an_unknown_variety_and_a_bad_credit_code_are_named_by_their_columns() -> None:
    columns = ("设备代码", "设备品种", "使用单位统一社会信用代码", "省", "市", "区县")
    cells = ["311000000000000001", "飞行汽车", "91350100M000100Y44", "甘肃省", "兰州市", "兰州新区"]
    draft = draft_row(header(*columns), 2, cells)
    assert draft is not None
    assert [(e.field, e.code) for e in draft.errors] == [
        ("设备品种", "unknown_variety"),
        ("使用单位统一社会信用代码", "credit_code_invalid"),
    ]


def test_an_empty_row_is_skipped() -> None:
    columns = ("设备代码", "设备品种", "使用单位", "省", "市", "区县")
    assert draft_row(header(*columns), 9, ["", None]) is None


def test_a_code_repeated_in_a_file_points_at_its_first_row() -> None:
    seen = CodesSeen()
    assert seen.repeat_of("311000000000000001", 2) is None
    assert seen.repeat_of("311000000000000002", 3) is None
    assert seen.repeat_of("311000000000000001", 7) == 2


def test_a_row_key_changes_with_any_value() -> None:
    values = {"equipment_code": "311000000000000001", "manufacturer": "甲"}
    assert row_key(values) == row_key(dict(values))
    assert row_key(values).startswith("311000000000000001:")
    assert row_key(values) != row_key({**values, "manufacturer": "乙"})
