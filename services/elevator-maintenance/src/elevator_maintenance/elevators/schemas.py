from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from tzsb_common.pagination import Page


class ElevatorRead(BaseModel):
    equipment_code: str = Field(description="设备代码")
    status: str = Field(description="in_use 在用 | suspended 停用 | scrapped | deregistered")
    maintenance_company_id: uuid.UUID | None = Field(
        description="维保单位 holding a contract in force today"
    )
    last_visit_id: uuid.UUID | None = Field(description="最近一次维保")
    last_visit_ended_at: datetime | None
    interval_days: int = Field(description="allowed interval: 15 days, or the contract's 按需维保")
    due_by: date | None = Field(description="the last day the next visit may end")
    overdue_since: date | None = Field(description="维保超期 since this day; null while in time")


ElevatorPage = Page[ElevatorRead]


class ElevatorCursor(BaseModel):
    equipment_code: str
