"""Reading an uploaded register: CSV as Chinese Excel writes it, or a workbook.

CSV comes as UTF-8 (with or without the BOM Excel adds), as GB18030 (what Excel writes on a
Chinese Windows when told "CSV"; it contains GBK and GB2312), or as UTF-16 tab-separated text
(Excel's "Unicode text"). Workbooks (XLSX, the older XLS, ODS) are read by python-calamine,
whose cells come typed: numbers, dates, text. Rows are numbered as the spreadsheet shows them
(the first row is 1), so a refused row can be found in the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from python_calamine import CalamineWorkbook

_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the legacy .xls container
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Spreadsheet cells may be long (a remark column), but a CSV field of megabytes is not a register.
csv.field_size_limit(1 << 20)


class UnreadableFile(ValueError):
    """The upload is neither a CSV in a known encoding nor a workbook calamine can open."""


@dataclass(frozen=True)
class Sheet:
    """The rows of the first sheet, each with its row number; read again on every iteration."""

    row_count: int
    """Rows in the sheet, the header and any title rows above it included."""
    _rows: Any

    def rows(self) -> Iterator[tuple[int, Sequence[Any]]]:
        rows: Iterator[tuple[int, Sequence[Any]]] = self._rows()
        return rows


def read_sheet(content: bytes, *, charset: str | None = None, max_unpacked_bytes: int) -> Sheet:
    """The sheet of an upload. `charset` is the one a client declared for its CSV, if any."""
    if content.startswith(_ZIP) or content.startswith(_OLE2):
        return _workbook(content, max_unpacked_bytes=max_unpacked_bytes)
    return _csv(_decode(content, charset))


def _decode(content: bytes, charset: str | None) -> str:
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return _decoded(content, encoding)
    if charset:
        try:
            codecs.lookup(charset)
        except LookupError:
            raise UnreadableFile(f"unknown charset {charset}") from None
        return _decoded(content, charset)
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return _decoded(content, "gb18030")


def _decoded(content: bytes, encoding: str) -> str:
    try:
        return content.decode(encoding)
    except UnicodeDecodeError:
        raise UnreadableFile(
            f"the file is not valid {encoding}: save it as CSV UTF-8 or as an Excel workbook"
        ) from None


def _csv(text: str) -> Sheet:
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","

    def rows() -> Iterator[tuple[int, Sequence[Any]]]:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            yield from enumerate(reader, start=1)
        except csv.Error as exc:
            raise UnreadableFile(f"the CSV cannot be read: {exc}") from None

    count = 0
    for count, _ in rows():  # noqa: B007 (the count is all we want from this pass)
        pass
    return Sheet(count, rows)


def _workbook(content: bytes, *, max_unpacked_bytes: int) -> Sheet:
    if content.startswith(_ZIP):
        _refuse_a_zip_bomb(content, max_unpacked_bytes)
    try:
        book = CalamineWorkbook.from_object(io.BytesIO(content))
        sheet = book.get_sheet_by_index(0)
        end = sheet.end
    except BaseException as exc:
        # calamine's errors (zip, XML, password, no sheet), and a panic of its Rust code, which
        # pyo3 raises as a BaseException; nothing else is swallowed.
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
            raise
        raise UnreadableFile(f"the workbook cannot be read: {type(exc).__name__}") from None

    def rows() -> Iterator[tuple[int, Sequence[Any]]]:
        # calamine yields every row from the first, with cells from the data's first column.
        yield from enumerate(sheet.iter_rows(), start=1)

    return Sheet(0 if end is None else end[0] + 1, rows)


def _refuse_a_zip_bomb(content: bytes, max_unpacked_bytes: int) -> None:
    """A workbook is a zip: a few megabytes can claim gigabytes unpacked. The sizes its
    directory declares are checked before anything is unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UnreadableFile("the workbook is not a valid zip archive") from None
    if unpacked > max_unpacked_bytes:
        raise UnreadableFile(
            f"the workbook unpacks to {unpacked} bytes, over the limit of {max_unpacked_bytes}"
        )
