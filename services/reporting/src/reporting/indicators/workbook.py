"""Tables as Excel workbooks (.xlsx) for the bureau's downloads.

xlsxwriter writes the file (it is write-only, pure Python and small); each figure goes in as a
number with two decimals shown, so a spreadsheet sums and sorts it as the bureau expects, and
an empty cell stands for a figure that does not exist (a region without elevators)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import xlsxwriter  # type: ignore[import-untyped]

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Cell = str | int | float | None


def workbook(title: str, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """One sheet named `title`: the header in bold, then the rows; floats shown as 0.00."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet(title[:31])  # Excel's limit on a sheet name
    bold = book.add_format({"bold": True})
    figure = book.add_format({"num_format": "0.00"})
    sheet.write_row(0, 0, list(header), bold)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, float):
                sheet.write_number(number, column, value, figure)
            elif isinstance(value, int):
                sheet.write_number(number, column, value)
            else:
                sheet.write_string(number, column, value)
    sheet.set_column(0, len(header) - 1, 14)
    sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()
