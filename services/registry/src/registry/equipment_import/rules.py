"""Pure decisions of the equipment import: which column is which field, what a cell says, and
which rows of a file repeat a code.

A row becomes exactly the JSON document a client would send to `POST /api/v1/equipment`, and is
then validated by the same schema and the same service checks (registry.equipment). This module
only translates: a bureau's spreadsheet (Chinese headers such as 设备代码, 省, 额定载重量, cells
typed by Excel or plain CSV text) into that document, and the schema's error locations back into
the spreadsheet's own column names.
"""

from __future__ import annotations

import hashlib
import json
import re
import types
import typing
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from registry.equipment.catalogue import CATEGORY_LABELS, VARIETIES
from registry.equipment.rules import ATTRIBUTES_BY_CATEGORY, EquipmentReason
from registry.equipment.schemas import EquipmentCreate, EquipmentRegion
from registry.organisations.rules import credit_code_problem

Path = tuple[str, ...]
"""Where a column's value goes in the create document, e.g. ("region", "city")."""

USE_UNIT_CREDIT_CODE: Path = ("use_unit_credit_code",)
"""Not a field of the document: the use unit is looked up by its 统一社会信用代码."""
USE_UNIT_NAME: Path = ("use_unit_name",)
"""Not a field of the document: the use unit is looked up by its name (使用单位)."""
USE_UNIT_ID: Path = ("use_unit_id",)
_USE_UNIT_COLUMNS = (USE_UNIT_ID, USE_UNIT_CREDIT_CODE, USE_UNIT_NAME)
_HEADER_SEARCH_ROWS = 10
"""A bureau's sheet often has a title row or two above its header."""


class ImportReason(StrEnum):
    """Why a row or a file was refused, beside the schema's own codes and `EquipmentReason`.
    Values are stable API."""

    duplicate_code = "duplicate_code"
    """The code is registered already, or an earlier row of the same file has it."""
    unknown_use_unit = EquipmentReason.unknown_use_unit.value
    ambiguous_use_unit = "ambiguous_use_unit"
    """Several use units have this name: give the 统一社会信用代码 instead."""
    unknown_variety = EquipmentReason.unknown_variety.value
    credit_code_invalid = "credit_code_invalid"
    not_text = "not_text"
    """A number where an identifier belongs: a spreadsheet keeps 15 digits of a number, so an
    18-digit code stored as one has lost its last digits."""
    unstorable_value = "unstorable_value"
    """The database cannot store a value of the row (e.g. a NUL character)."""
    # File-level codes (the whole upload is refused with a 422 naming them):
    missing_column = "missing_column"
    duplicate_column = "duplicate_column"
    empty_file = "empty_file"
    unreadable_file = "unreadable_file"


class ValueKind(StrEnum):
    text = "text"
    identifier = "identifier"
    """Text that must have been stored as text (codes of 18 digits or characters)."""
    number = "number"
    integer = "integer"
    boolean = "boolean"
    date = "date"


# -- columns ----------------------------------------------------------------------------------

CHINESE_HEADERS: dict[str, Path] = {
    "设备代码": ("equipment_code",),
    "设备种类": ("category",),
    "设备类别": ("category",),
    "设备品种": ("variety",),
    "品种": ("variety",),
    "设备状态": ("status",),
    "使用登记证编号": ("registration_number",),
    "登记证编号": ("registration_number",),
    "使用单位统一社会信用代码": USE_UNIT_CREDIT_CODE,
    "统一社会信用代码": USE_UNIT_CREDIT_CODE,
    "使用单位": USE_UNIT_NAME,
    "使用单位名称": USE_UNIT_NAME,
    "省": ("region", "province"),
    "省份": ("region", "province"),
    "市": ("region", "city"),
    "城市": ("region", "city"),
    "区县": ("region", "district"),
    "区/县": ("region", "district"),
    "县区": ("region", "district"),
    "园区": ("park",),
    "制造单位": ("manufacturer",),
    "出厂编号": ("factory_number",),
    "制造日期": ("manufactured_on",),
    "投入使用日期": ("commissioned_on",),
    "投用日期": ("commissioned_on",),
    "设备地址": ("address",),
    "设备使用地点": ("address",),
    "使用地点": ("address",),
    "纬度": ("lat",),
    "经度": ("lon",),
    "应急救援识别码": ("rescue_code",),
    "96333识别码": ("rescue_code",),
    "应急救援标识": ("rescue_sign_posted",),
    "是否张贴应急救援标识": ("rescue_sign_posted",),
    "额定载重量": ("attributes", "rated_load_kg"),
    "额定速度": ("attributes", "rated_speed_ms"),
    "层站数": ("attributes", "stops"),
    "安全状况等级": ("attributes", "safety_grade"),
    "额定蒸发量": ("attributes", "rated_capacity_t_h"),
    "额定工作压力": ("attributes", "rated_pressure_mpa"),
    "燃料种类": ("attributes", "fuel"),
    "设计压力": ("attributes", "design_pressure_mpa"),
    "容积": ("attributes", "volume_m3"),
    "介质": ("attributes", "medium"),
    "管道长度": ("attributes", "length_m"),
    "额定起重量": ("attributes", "rated_lifting_capacity_t"),
    "吊运熔融金属": ("attributes", "lifts_molten_metal"),
    "额定乘客人数": ("attributes", "rated_passengers"),
    "动力方式": ("attributes", "power"),
}
"""Headers as a bureau's register has them. Units in brackets (额定载重量(kg)) and the `*` of
a required column are ignored. Every field is also accepted under its JSON name."""

_IDENTIFIERS = frozenset({("equipment_code",), USE_UNIT_CREDIT_CODE})
_STATUS_LABELS = {"在用": "in_use", "停用": "suspended", "报废": "scrapped", "注销": "deregistered"}
_CATEGORY_BY_LABEL = {label: category.value for category, label in CATEGORY_LABELS.items()}
_VARIETY_BY_NAME = {name: code for code, (_, name) in VARIETIES.items()}
_TRUE = frozenset({"是", "有", "已张贴", "true", "yes", "y", "1", "√"})
_FALSE = frozenset({"否", "无", "未张贴", "false", "no", "n", "0", "×"})


def _kind_of(annotation: Any) -> ValueKind:
    """The JSON type a schema field takes, from its annotation (`float | None` is a number)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = members[0] if members else str
    if annotation is bool:
        return ValueKind.boolean
    if annotation is int:
        return ValueKind.integer
    if annotation is float:
        return ValueKind.number
    if isinstance(annotation, type) and issubclass(annotation, date):
        return ValueKind.text if issubclass(annotation, datetime) else ValueKind.date
    return ValueKind.text


def _fields(model: type[BaseModel]) -> dict[str, ValueKind]:
    return {name: _kind_of(info.annotation) for name, info in model.model_fields.items()}


def _columns_by_json_name() -> tuple[dict[str, Path], dict[Path, ValueKind]]:
    """Every field of the create schema by its JSON name, derived from the schema itself so a
    field added there is importable at once."""
    names: dict[str, Path] = {}
    kinds: dict[Path, ValueKind] = {}
    for name, kind in _fields(EquipmentCreate).items():
        if name == "region":
            for part, part_kind in _fields(EquipmentRegion).items():
                names[part] = names[f"region.{part}"] = ("region", part)
                kinds[("region", part)] = part_kind
        elif name == "attributes":
            for model in ATTRIBUTES_BY_CATEGORY.values():
                for attribute, attribute_kind in _fields(model).items():
                    attribute_path: Path = ("attributes", attribute)
                    names.setdefault(attribute, attribute_path)
                    names[f"attributes.{attribute}"] = attribute_path
                    kinds.setdefault(attribute_path, attribute_kind)
        else:
            names[name] = (name,)
            kinds[(name,)] = kind
    for lookup in (USE_UNIT_CREDIT_CODE, USE_UNIT_NAME):
        names[lookup[0]] = lookup
        kinds[lookup] = ValueKind.text
    for identifier in _IDENTIFIERS:
        kinds[identifier] = ValueKind.identifier
    return names, kinds


JSON_HEADERS, VALUE_KINDS = _columns_by_json_name()
REQUIRED_FIELDS = tuple(
    name for name, info in EquipmentCreate.model_fields.items() if info.is_required()
)

_BRACKETED_UNIT = re.compile(r"\s*[(（][^()（）]*[)）]\s*$")


def normalise_header(text: str) -> str:
    header = _BRACKETED_UNIT.sub("", text.strip().lstrip("*＊").strip())
    return header if not header.isascii() else header.lower().replace(" ", "_")


@dataclass(frozen=True, slots=True)
class Column:
    index: int
    header: str
    """As the file spells it: errors name it so the person who filled the sheet finds it."""
    path: Path
    kind: ValueKind


@dataclass(frozen=True, slots=True)
class FileProblem:
    code: ImportReason
    message: str
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Header:
    row: int
    """The header's row number in the sheet (1-based, as a spreadsheet shows it)."""
    columns: tuple[Column, ...]
    ignored: tuple[str, ...]
    """Columns the import does not know (序号, 备注, …); their cells are not read."""

    def header_of(self, path: Sequence[str | int]) -> str:
        """The column a schema location came from, else the location itself."""
        key = tuple(str(part) for part in path)
        for column in self.columns:
            if column.path == key[: len(column.path)]:
                return column.header
        if key[:1] == USE_UNIT_ID:
            for column in self.columns:
                if column.path in _USE_UNIT_COLUMNS:
                    return column.header
        if key[:1] == ("category",):
            for column in self.columns:
                if column.path == ("variety",):
                    return column.header
        return ".".join(key)


def path_of_header(text: str) -> Path | None:
    header = normalise_header(text)
    return CHINESE_HEADERS.get(header) or JSON_HEADERS.get(header)


def find_header(rows: Sequence[tuple[int, Sequence[Any]]]) -> Header | FileProblem:
    """The first of the first rows that names the equipment code column is the header."""
    for row_number, cells in rows[:_HEADER_SEARCH_ROWS]:
        texts = [str(cell).strip() if cell is not None else "" for cell in cells]
        if any(path_of_header(text) == ("equipment_code",) for text in texts if text):
            return _read_header(row_number, texts)
    return FileProblem(
        ImportReason.missing_column,
        "no header row with a 设备代码 (equipment_code) column among the first "
        f"{_HEADER_SEARCH_ROWS} rows",
        ("设备代码",),
    )


def _read_header(row_number: int, texts: Sequence[str]) -> Header | FileProblem:
    columns: list[Column] = []
    ignored: list[str] = []
    seen: dict[Path, str] = {}
    for index, text in enumerate(texts):
        if not text:
            continue
        path = path_of_header(text)
        if path is None:
            ignored.append(text)
            continue
        if path in seen:
            return FileProblem(
                ImportReason.duplicate_column,
                f"columns {seen[path]} and {text} are the same field",
                (seen[path], text),
            )
        seen[path] = text
        columns.append(Column(index, text, path, VALUE_KINDS[path]))
    missing = _missing_columns(seen)
    if missing:
        return FileProblem(
            ImportReason.missing_column, f"required columns missing: {', '.join(missing)}", missing
        )
    return Header(row_number, tuple(columns), tuple(ignored))


def _missing_columns(present: Mapping[Path, str]) -> tuple[str, ...]:
    chinese = {path: header for header, path in reversed(CHINESE_HEADERS.items())}
    missing: list[str] = []
    for name in REQUIRED_FIELDS:
        if name == "region":
            parts = [("region", part) for part in EquipmentRegion.model_fields]
            missing.extend(f"{chinese[p]} ({p[1]})" for p in parts if p not in present)
        elif name == "use_unit_id":
            if not any(path in present for path in _USE_UNIT_COLUMNS):
                missing.append("使用单位统一社会信用代码 or 使用单位 (use_unit_id)")
        elif name == "category":
            if ("category",) not in present and ("variety",) not in present:
                missing.append("设备种类 (category)")
        elif (name,) not in present:
            label = chinese.get((name,))
            missing.append(f"{label} ({name})" if label else name)
    return tuple(missing)


# -- cells ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowError:
    field: str
    code: str
    message: str


class _Missing:
    """An empty cell: the field is left out of the document, as a client would leave it out."""


MISSING = _Missing()
_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


def cell_value(cell: Any, kind: ValueKind) -> Any:
    """The JSON value a cell stands for; MISSING for an empty cell. A value that cannot be
    read as its kind is handed on as it is, so that the schema refuses it with its own code,
    exactly as it would refuse it in a JSON body. Raises ValueError for a number where an
    identifier belongs."""
    if cell is None:
        return MISSING
    if isinstance(cell, str):
        cell = cell.strip()
        if not cell:
            return MISSING
    if kind is ValueKind.identifier:
        if isinstance(cell, int | float) and not isinstance(cell, bool):
            raise ValueError("stored as a number: a spreadsheet keeps only 15 digits of a number")
        return _as_text(cell)
    if kind is ValueKind.text:
        return _as_text(cell)
    if kind is ValueKind.number or kind is ValueKind.integer:
        return _as_number(cell)
    if kind is ValueKind.boolean:
        return _as_boolean(cell)
    return _as_date(cell)


def _as_text(cell: Any) -> Any:
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 2**53:
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.isoformat(sep=" ")
    if isinstance(cell, date | time):
        return cell.isoformat()
    return str(cell)


def _as_number(cell: Any) -> Any:
    if isinstance(cell, bool):
        return cell  # the schema refuses a boolean for a number, as in JSON
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 2**53:
        return int(cell)
    if isinstance(cell, int | float):
        return cell
    if isinstance(cell, str):
        for parse in (int, float):
            try:
                number = parse(cell)
            except ValueError:
                continue
            if isinstance(number, float) and number.is_integer() and abs(number) < 2**53:
                return int(number)
            return number
    return _as_text(cell)


def _as_boolean(cell: Any) -> Any:
    if isinstance(cell, bool):
        return cell
    text = _as_text(cell).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return text


def _as_date(cell: Any) -> Any:
    if isinstance(cell, datetime):
        return (cell.date() if cell.time() == time() else cell).isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        number = int(cell)
        if number == cell and 19000101 <= number <= 99991231:
            return _as_date(str(number))
        if number == cell and 1 <= number < 2958466:  # Excel's serial day numbers
            return (_EXCEL_EPOCH + timedelta(days=number)).isoformat()
        return cell
    text = str(cell)
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    return text


# -- rows -------------------------------------------------------------------------------------


@dataclass(slots=True)
class RowDraft:
    """A row translated into a create document, before the use unit is looked up."""

    row: int
    document: dict[str, Any]
    errors: list[RowError] = field(default_factory=list)
    use_unit_credit_code: str | None = None
    use_unit_name: str | None = None

    @property
    def equipment_code(self) -> str | None:
        code = self.document.get("equipment_code")
        return code if isinstance(code, str) else None


def draft_row(header: Header, row: int, cells: Sequence[Any]) -> RowDraft | None:
    """The document of one row; None for a row with nothing in the known columns."""
    document: dict[str, Any] = {}
    draft = RowDraft(row, document)
    empty = True
    for column in header.columns:
        cell = cells[column.index] if column.index < len(cells) else None
        try:
            value = cell_value(cell, column.kind)
        except ValueError as exc:
            draft.errors.append(RowError(column.header, ImportReason.not_text, str(exc)))
            empty = False
            continue
        if value is MISSING:
            continue
        empty = False
        if column.path == USE_UNIT_CREDIT_CODE:
            draft.use_unit_credit_code = str(value).upper()
        elif column.path == USE_UNIT_NAME:
            draft.use_unit_name = str(value)
        elif len(column.path) == 1:
            document[column.path[0]] = _catalogue_value(column.path[0], value)
        else:
            document.setdefault(column.path[0], {})[column.path[1]] = value
    if empty:
        return None
    _derive_category(header, draft)
    if draft.use_unit_credit_code is not None:
        problem = credit_code_problem(draft.use_unit_credit_code)
        if problem is not None:
            draft.errors.append(
                RowError(
                    header.header_of(USE_UNIT_CREDIT_CODE),
                    ImportReason.credit_code_invalid,
                    problem,
                )
            )
    return draft


def _catalogue_value(name: str, value: Any) -> Any:
    """Codes or the Chinese names a register prints: 曳引驱动乘客电梯 is variety 3110."""
    if not isinstance(value, str):
        return value
    if name == "variety":
        return _VARIETY_BY_NAME.get(value, value.upper())
    if name == "category":
        return _CATEGORY_BY_LABEL.get(value, value.upper())
    if name == "status":
        return _STATUS_LABELS.get(value, value)
    return value


def _derive_category(header: Header, draft: RowDraft) -> None:
    """A register names the variety; its category follows from the catalogue."""
    document = draft.document
    if "category" in document or not isinstance(document.get("variety"), str):
        return
    entry = VARIETIES.get(document["variety"])
    if entry is None:
        draft.errors.append(
            RowError(
                header.header_of(("variety",)),
                ImportReason.unknown_variety,
                f"{document['variety']} is not a variety (品种) of the catalogue",
            )
        )
        return
    document["category"] = entry[0].value


@dataclass(frozen=True, slots=True)
class UseUnits:
    """The use units of a chunk's rows, as looked up: by credit code, and every id per name."""

    by_credit_code: Mapping[str, uuid.UUID]
    by_name: Mapping[str, Sequence[uuid.UUID]]


def resolve_use_unit(
    header: Header, draft: RowDraft, units: UseUnits
) -> tuple[str | None, RowError | None]:
    """The use unit's id for the document, or why there is none. (None, None): the row names
    its use unit by id, or not at all, and the schema has the last word."""
    if draft.use_unit_credit_code is not None:
        column = header.header_of(USE_UNIT_CREDIT_CODE)
        if any(e.field == column for e in draft.errors):
            return None, None
        unit = units.by_credit_code.get(draft.use_unit_credit_code)
        if unit is None:
            return None, RowError(
                column,
                ImportReason.unknown_use_unit,
                f"no use unit (使用单位) with credit code {draft.use_unit_credit_code}",
            )
        return str(unit), None
    if draft.use_unit_name is not None:
        column = header.header_of(USE_UNIT_NAME)
        ids = units.by_name.get(draft.use_unit_name, ())
        if len(ids) == 1:
            return str(ids[0]), None
        if not ids:
            return None, RowError(
                column,
                ImportReason.unknown_use_unit,
                f"no use unit (使用单位) named {draft.use_unit_name}",
            )
        return None, RowError(
            column,
            ImportReason.ambiguous_use_unit,
            f"{len(ids)} use units are named {draft.use_unit_name}; "
            "give the 统一社会信用代码 instead",
        )
    return None, None


def schema_errors(
    header: Header, earlier: Sequence[RowError], errors: Iterable[Mapping[str, Any]]
) -> list[RowError]:
    """The schema's findings, named by column. A column refused already is not named twice
    (so a use unit that could not be looked up is not also reported missing)."""
    refused = {error.field for error in earlier}
    found: list[RowError] = []
    for error in errors:
        column = header.header_of(error["loc"])
        if column not in refused:
            found.append(RowError(column, str(error["type"]), str(error["msg"])))
    return found


class CodesSeen:
    """The equipment codes of the rows read so far, so that a code repeated in one file is
    refused on its second row rather than imported twice."""

    def __init__(self) -> None:
        self._first_row: dict[str, int] = {}

    def repeat_of(self, code: str, row: int) -> int | None:
        """The earlier row with this code; else None, and this row is its first."""
        first = self._first_row.setdefault(code, row)
        return None if first == row else first


def row_key(values: Mapping[str, Any]) -> str:
    """The idempotency key of an imported row: its code and a digest of every value it
    stored. The same row imported again is recognised; another row with that code is not."""
    canonical = json.dumps(values, sort_keys=True, default=str, ensure_ascii=False)
    digest = hashlib.blake2b(canonical.encode(), digest_size=16).hexdigest()
    return f"{values['equipment_code']}:{digest}"
