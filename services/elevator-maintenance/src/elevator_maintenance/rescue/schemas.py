from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from elevator_maintenance.rescue.rules import RescueStatus
from tzsb_common.contracts.registry import EQUIPMENT_CODE_PATTERN
from tzsb_common.json_bodies import StrictModel
from tzsb_common.pagination import Page

RESCUE_CODE_PATTERN = r"^[0-9A-Za-z-]{4,20}$"


class RescueCreate(StrictModel):
    equipment_code: str | None = Field(
        default=None, pattern=EQUIPMENT_CODE_PATTERN, description="设备代码"
    )
    rescue_code: str | None = Field(
        default=None,
        pattern=RESCUE_CODE_PATTERN,
        description="救援识别码 (96333 code) posted in the car, as the caller quoted it",
    )
    reported_at: AwareDatetime = Field(description="when the call came in (RFC 3339)")
    trapped_people: int | None = Field(default=None, ge=0, le=200, description="被困人数")
    caller_phone: str | None = Field(
        default=None,
        pattern=r"^\+?[0-9][0-9 -]{2,30}$",
        description="报警人电话: kept for the bureau, never shown to a company nor published",
    )


class AcknowledgeIn(StrictModel):
    at: AwareDatetime | None = Field(default=None, description="响应时间; default: now")


class ArriveIn(StrictModel):
    at: AwareDatetime | None = Field(default=None, description="到达时间; default: now")
    lat: float = Field(ge=-90, le=90, description="WGS-84, checked against the elevator")
    lon: float = Field(ge=-180, le=180, description="WGS-84")


class ReleaseIn(StrictModel):
    at: AwareDatetime | None = Field(default=None, description="解困时间; default: now")
    people_freed: int = Field(ge=0, le=200, description="解救人数")
    fault_cause: str = Field(
        min_length=1, max_length=64, description="故障原因代码, from `GET /api/v1/fault-causes`"
    )
    note: str | None = Field(default=None, max_length=2000, description="处置说明")


class RescueRead(BaseModel):
    """An incident as the company dispatched to it sees it: no caller's phone."""

    id: uuid.UUID
    equipment_code: str = Field(description="设备代码")
    rescue_code: str | None = Field(description="救援识别码")
    source: Literal["call_centre", "government_system", "monitoring_alarm"]
    reported_at: datetime
    trapped_people: int | None = Field(description="被困人数 as reported")
    maintenance_company_id: uuid.UUID | None = Field(description="维保单位 dispatched to")
    district: str
    urban: bool = Field(description="城区: 30 minutes to arrive, else 60")
    status: RescueStatus = Field(
        description="dispatched 已派单 | acknowledged 已响应 | arrived 已到达 | released 已解困"
    )
    dispatched_at: datetime
    acknowledge_due_at: datetime
    escalate_at: datetime
    arrival_due_at: datetime
    acknowledged_at: datetime | None
    arrived_at: datetime | None
    arrival_distance_m: float | None
    released_at: datetime | None
    people_freed: int | None
    fault_cause: str | None
    fault_note: str | None
    acknowledgement_overdue_at: datetime | None = Field(description="响应超时 seen by the clock")
    escalated_at: datetime | None = Field(description="sent to the backup team (level 2)")
    backup_team: str | None
    breached_at: datetime | None = Field(description="救援超时 seen by the clock")
    version: int


class RescueBureauRead(RescueRead):
    """The bureau's view: the caller's phone too."""

    caller_phone: str | None = Field(description="报警人电话")
    monitoring_event_id: uuid.UUID | None


RescuePage = Page[RescueRead]
RescueBureauPage = Page[RescueBureauRead]


class RescueCursor(BaseModel):
    dispatched_at: datetime
    id: uuid.UUID


class ClockScanCreate(StrictModel):
    as_of: AwareDatetime = Field(description="the instant to run the rescue clocks for")


class ClockScanCounts(BaseModel):
    acknowledgement_overdue: int = Field(description="响应超时 seen by this pass")
    escalated: int = Field(description="sent to the backup team by this pass")
    breached: int = Field(description="救援超时 hazard signals raised by this pass")


class ClockScanRead(BaseModel):
    as_of: datetime
    counts: ClockScanCounts


class RegionPut(StrictModel):
    province: str = Field(min_length=1, max_length=64)
    city: str = Field(min_length=1, max_length=64)
    district: str = Field(min_length=1, max_length=64)
    urban: bool = Field(description="城区: arrival within 30 minutes, else 60")


class RegionRead(BaseModel):
    province: str
    city: str
    district: str
    urban: bool
    updated_at: datetime


class RegionList(BaseModel):
    items: list[RegionRead]


class FaultCauseRead(BaseModel):
    code: str
    name: str = Field(description="中文名称")
    category: str


class FaultCauseList(BaseModel):
    items: list[FaultCauseRead]


class GroupFiguresRead(BaseModel):
    group: str = Field(
        description="the company's id (`none`: no contract holder) or province/city/district"
    )
    elevators: int = Field(
        description="elevators in use (of the company: under its contracts on the last day)"
    )
    incidents: int = Field(description="困人次数 dispatched in the period")
    people_freed: int = Field(description="解救人数")
    acknowledged_in_3_min: int
    arrived_in_30_min: int
    response_in_3_min_pct: Decimal | None = Field(
        description="3分钟响应率 (%), half-up to 2 decimals; null without incidents"
    )
    arrival_in_30_min_pct: Decimal | None = Field(
        description="30分钟到达率 (%); null without incidents"
    )
    average_arrival_minutes: Decimal | None = Field(
        description="平均到达时间, dispatch to arrival; null when nobody arrived"
    )
    average_rescue_minutes: Decimal | None = Field(
        description="平均现场救援时间, arrival to release; null when none was released"
    )
    trapping_rate_per_1000_per_month: Decimal | None = Field(
        description="困人率: incidents per 1,000 elevators per month; null without elevators"
    )


class FiguresRead(BaseModel):
    period_start: date
    period_end: date
    group_by: Literal["company", "district"]
    months: Decimal = Field(description="calendar months in the period")
    groups: list[GroupFiguresRead]
