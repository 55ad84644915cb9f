"""Events the elevator-maintenance service publishes (电梯维保)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from tzsb_common.events import EventPayload, register_event

MAINTENANCE_TOPIC = "tzsb.elevator.maintenance"

VisitKind = Literal["half_monthly", "quarterly", "half_yearly", "yearly"]


@register_event
class VisitCompletedV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.elevator.maintenance.visit_completed.v1"
    topic: ClassVar[str] = MAINTENANCE_TOPIC
    summary: ClassVar[str] = (
        "A maintenance visit (维保) was completed: a start and an end swipe paired. Published "
        "again, with the same visit_id, when another worker's swipes join the visit"
    )

    visit_id: uuid.UUID
    equipment_code: str = Field(description="设备代码")
    maintenance_company_id: uuid.UUID = Field(description="维保单位")
    started_at: datetime
    ended_at: datetime
    kind: VisitKind | None = Field(
        description="半月 half_monthly | 季度 quarterly | 半年 half_yearly | 年度 yearly; null "
        "when the client did not say"
    )
    workers: list[str] = Field(description="作业人员证编号 of every worker at the visit")
