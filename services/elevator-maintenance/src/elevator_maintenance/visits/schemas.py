from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

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


class VisitCursor(BaseModel):
    ended_at: datetime
    id: uuid.UUID
