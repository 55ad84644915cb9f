"""The answers of the equipment import: one per row, a summary, and the NDJSON lines."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

NDJSON_MEDIA_TYPE = "application/x-ndjson"
CSV_MEDIA_TYPE = "text/csv"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLS_MEDIA_TYPE = "application/vnd.ms-excel"
UPLOAD_MEDIA_TYPES = (
    CSV_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    XLS_MEDIA_TYPE,
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/octet-stream",
)


class RowStatus(StrEnum):
    imported = "imported"
    refused = "refused"


class RowErrorRead(BaseModel):
    field: str = Field(
        description="The column as the file names it (设备代码, 额定载重量, …), else the field"
    )
    code: str = Field(
        description="Stable: the schema's codes (missing, date_from_datetime_parsing, …), "
        "the registry's (unknown_use_unit, unknown_variety, dates_inconsistent, …) and the "
        "import's (duplicate_code, ambiguous_use_unit, credit_code_invalid, not_text, "
        "unstorable_value)"
    )
    message: str


class RowResult(BaseModel):
    row: int = Field(description="The row's number in the sheet, as a spreadsheet shows it")
    status: RowStatus = Field(description="imported 已导入 | refused 未导入")
    equipment_code: str | None = Field(default=None, description="设备代码, when the row has one")
    replayed: bool = Field(
        default=False,
        description="This very row was imported before (same code, same values): nothing was "
        "written again",
    )
    errors: list[RowErrorRead] = Field(default_factory=list)


class ImportSummary(BaseModel):
    rows: int = Field(description="Data rows read (empty rows are skipped)")
    imported: int = Field(description="Rows stored now, or stored by an earlier import of them")
    replayed: int = Field(description="Of the imported rows, those an earlier import stored")
    refused: int
    header_row: int = Field(description="The row the column names were found in")
    ignored_columns: list[str] = Field(
        description="Columns the import does not know; their cells were not read"
    )


class ImportAnswer(BaseModel):
    summary: ImportSummary
    rows: list[RowResult]


class ProgressLine(BaseModel):
    type: Literal["progress"] = "progress"
    rows_done: int
    rows_total: int = Field(description="Rows below the header, empty ones included")
    imported: int
    refused: int


class RowLine(RowResult):
    type: Literal["row"] = "row"


class SummaryLine(ImportSummary):
    type: Literal["summary"] = "summary"


class ErrorLine(BaseModel):
    type: Literal["error"] = "error"
    row: int = Field(description="The first row of the chunk that could not be written")
    message: str = Field(
        description="The rows before it are stored; upload the file again to continue: the "
        "rows already imported are recognised and not written twice"
    )
