from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from elevator_maintenance.visits.rules import VisitKind
from tzsb_common.pagination import Page


class VisitRead(BaseModel):
    id: uuid.UUID
    company_id: uuid.UUID = Field(description="维保单位")
    equipment_code: str = Field(description="设备代码")
    started_at: datetime
    ended_at: datetime
    kind: VisitKind | None = Field(description="维保类型, when the client gave it")
    workers: list[str] = Field(description="作业人员证编号 of the workers at the visit")


VisitPage = Page[VisitRead]


class MaintenanceRead(BaseModel):
    equipment_code: str
    status: str = Field(description="in_use 在用 | suspended 停用 | scrapped | deregistered")
    maintenance_company_id: uuid.UUID | None = Field(
        description="the company holding a contract in force today"
    )
    last_visit: VisitRead | None = Field(description="最近一次维保")
    interval_days: int = Field(description="allowed interval: 15 days, or the contract's 按需维保")
    due_by: date | None = Field(description="the last day the next visit may end")
    overdue_since: date | None = Field(description="超期 since this day; null while in time")


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


_EARLIEST_DAY, _LATEST_DAY = date(1990, 1, 1), date(2999, 12, 31)


def _iso_day(value: object) -> object:
    # Query strings are parsed in pydantic's lax mode, which reads "0" as a Unix time.
    if isinstance(value, str) and not _ISO_DAY.fullmatch(value):
        raise PydanticCustomError("date_parsing", "Input should be a day written YYYY-MM-DD")
    return value


def _plausible_day(value: date) -> date:
    # A day at the ends of the calendar has no next day, nor a UTC instant for its midnight.
    if not _EARLIEST_DAY <= value <= _LATEST_DAY:
        raise PydanticCustomError(
            "date_range", "Input should be a day between 1990-01-01 and 2999-12-31"
        )
    return value


QueryDay = Annotated[date, BeforeValidator(_iso_day), AfterValidator(_plausible_day)]
"""A day given in a query string (`?from=2026-06-01`), in Asia/Shanghai."""


class VisitCursor(BaseModel):
    ended_at: datetime
    id: uuid.UUID
