"""Registers as a bureau keeps them — CSV and XLSX with Chinese headers — for the import tests."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Sequence
from datetime import date
from typing import Any

import xlsxwriter

HEADERS = (
    "序号",
    "设备代码",
    "设备品种",
    "使用单位统一社会信用代码",
    "省",
    "市",
    "区县",
    "园区",
    "制造单位",
    "出厂编号",
    "制造日期",
    "投入使用日期",
    "设备地址",
    "纬度",
    "经度",
    "使用登记证编号",
    "额定载重量(kg)",
    "额定速度（m/s）",
    "层站数",
    "安全状况等级",
)


def code(variety: str = "3110") -> str:
    return f"{variety}{random.randrange(10**14):014d}"


def elevator_row(credit_code: str, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "序号": 1,
        "设备代码": code(),
        "设备品种": "曳引驱动乘客电梯",
        "使用单位统一社会信用代码": credit_code,
        "省": "甘肃省",
        "市": "兰州市",
        "区县": "兰州新区",
        "园区": "中川园区",
        "制造单位": "兰州电梯制造有限公司",
        "出厂编号": "F2026-0001",
        "制造日期": date(2025, 6, 1),
        "投入使用日期": date(2026, 1, 15),
        "设备地址": "兰州新区中川园区纬一路 1 号",
        "纬度": 36.51,
        "经度": 103.62,
        "使用登记证编号": "梯11甘A00001(26)",
        "额定载重量(kg)": 1000,
        "额定速度（m/s）": 1.75,
        "层站数": 18,
        "安全状况等级": None,
    }
    row.update(overrides)
    return row


def vessel_row(credit_code: str, **overrides: Any) -> dict[str, Any]:
    return elevator_row(
        credit_code,
        **{
            "设备代码": code("2150"),
            "设备品种": "2150",
            "额定载重量(kg)": None,
            "额定速度（m/s）": None,
            "层站数": None,
            "安全状况等级": 2,
            **overrides,
        },
    )


def csv_bytes(
    rows: Sequence[dict[str, Any]],
    *,
    encoding: str = "utf-8-sig",
    headers: Sequence[str] = HEADERS,
) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else _csv_cell(row.get(h)) for h in headers])
    return text.getvalue().encode(encoding)


def _csv_cell(value: Any) -> str:
    if isinstance(value, date):
        return value.strftime("%Y/%m/%d")  # as Excel on a Chinese Windows writes dates
    return str(value)


def xlsx_bytes(
    rows: Sequence[dict[str, Any]], *, title: str | None = None, headers: Sequence[str] = HEADERS
) -> bytes:
    """A workbook with typed cells: numbers as numbers, dates as dates, codes as text."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("设备台账")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    first = 0
    if title is not None:
        sheet.write_string(0, 0, title)
        first = 2
    for column, header in enumerate(headers):
        sheet.write_string(first, column, header)
    for offset, row in enumerate(rows, start=first + 1):
        for column, header in enumerate(headers):
            value = row.get(header)
            if value is None:
                continue
            if isinstance(value, date):
                sheet.write_datetime(offset, column, value, date_format)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                sheet.write_number(offset, column, value)
            else:
                sheet.write_string(offset, column, str(value))
    book.close()
    return buffer.getvalue()
