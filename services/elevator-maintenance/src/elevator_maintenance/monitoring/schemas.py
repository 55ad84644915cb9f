from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from elevator_maintenance.monitoring.rules import MonitoringKind
from tzsb_common.contracts.registry import EQUIPMENT_CODE_PATTERN
from tzsb_common.json_bodies import StrictModel


class MonitoringEventIn(StrictModel):
    event_id: str = Field(
        min_length=1,
        max_length=100,
        description="the device's or platform's own id; a retry repeats it",
    )
    equipment_code: str = Field(pattern=EQUIPMENT_CODE_PATTERN, description="设备代码")
    kind: MonitoringKind = Field(description="fault 故障 | trapped_passenger 困人报警")
    fault_code: str | None = Field(
        default=None, min_length=1, max_length=64, description="故障代码 (required for a fault)"
    )
    occurred_at: AwareDatetime = Field(description="RFC 3339 timestamp with offset")
    detail: str | None = Field(default=None, max_length=2000)


class MonitoringEventRead(BaseModel):
    id: uuid.UUID
    event_id: str
    equipment_code: str
    kind: MonitoringKind
    fault_code: str | None
    occurred_at: datetime
    detail: str | None
    incident_id: uuid.UUID | None = Field(description="the rescue a trapped-passenger alarm opened")
    received_at: datetime
    status: Literal["accepted", "duplicate"] = Field(
        description="duplicate: this event_id was posted before; the first record is answered"
    )


class FaultCount(BaseModel):
    fault_code: str
    count: int


class MonitoringSummary(BaseModel):
    equipment_code: str
    faults: int = Field(description="故障 events")
    trapped_passenger_alarms: int = Field(description="困人报警 events")
    by_fault_code: list[FaultCount]
    last_event_at: datetime | None
    open_incident_id: uuid.UUID | None = Field(description="the elevator's rescue still open")
