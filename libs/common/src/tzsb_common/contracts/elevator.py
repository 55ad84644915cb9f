"""Events the elevator-maintenance service publishes (电梯维保)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

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


AnomalyKind = Literal["short_visit", "impossible_travel", "too_many_visits", "overlapping_visits"]
"""过短维保 | 不可能的行程 | 单日维保过多 | 时间重叠 — recorded and published, never a rejection."""


@register_event
class MaintenanceAnomalyV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.elevator.maintenance.anomaly.v1"
    topic: ClassVar[str] = MAINTENANCE_TOPIC
    summary: ClassVar[str] = (
        "A maintenance anomaly (维保异常) was found when visits formed: a visit too short, or a "
        "certificate's visits that one worker could not have made (signs of certificate "
        "lending 借证挂靠 and perfunctory maintenance). The swipes stay accepted"
    )

    anomaly_id: uuid.UUID = Field(description="stable: the same finding is never published twice")
    kind: AnomalyKind = Field(
        description="short_visit 过短维保 | impossible_travel 不可能的行程 | "
        "too_many_visits 单日维保过多 | overlapping_visits 时间重叠"
    )
    maintenance_company_id: uuid.UUID = Field(description="维保单位")
    equipment_code: str = Field(description="设备代码 of the visit that revealed it")
    certificate_number: str | None = Field(
        description="作业人员证编号; null for a short visit (a fact of the visit, not a worker)"
    )
    visit_id: uuid.UUID = Field(description="the visit that revealed it")
    other_visit_id: uuid.UUID | None = Field(
        description="the visit it conflicts with (impossible travel, overlap)"
    )
    observed_at: datetime = Field(description="when the anomalous visit took place")
    details: dict[str, Any] = Field(
        description="the figures: minutes, km and km/h, visit count and business day"
    )


@register_event
class MaintenanceOverdueV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.elevator.maintenance.overdue.v1"
    topic: ClassVar[str] = MAINTENANCE_TOPIC
    summary: ClassVar[str] = (
        "An elevator in use went past its allowed maintenance interval (维保超期): published "
        "once per overdue spell; a visit ends the spell"
    )

    equipment_code: str = Field(description="设备代码")
    use_unit_id: uuid.UUID = Field(description="使用单位")
    maintenance_company_id: uuid.UUID | None = Field(
        description="维保单位 holding a contract in force on as_of, if any"
    )
    last_visit_on: date = Field(description="the business day the last visit ended")
    interval_days: int = Field(description="allowed interval: 15, or the contract's 按需维保")
    stage: Literal["overdue"]
    due_by: date = Field(description="the last day the next visit could have ended")
    as_of: date = Field(description="the business day of the pass that found it")


class SwipeDayStatistics(BaseModel):
    """One maintenance company's swipes on one business day, as they stand after a batch."""

    model_config = ConfigDict(extra="forbid")

    maintenance_company_id: uuid.UUID = Field(description="维保单位")
    day: date = Field(description="营业日 (Asia/Shanghai) of the swipes' time `at`")
    accepted: int = Field(description="刷卡受理: swipes accepted")
    rejected: int = Field(description="刷卡被拒: swipes rejected (stored, never malformed ones)")
    rejected_by_reason: dict[str, int] = Field(
        description="被拒原因: rejected swipes per reason code (e.g. outside_geofence 超出电子"
        "围栏); a swipe rejected for two reasons counts under both"
    )
    version: int = Field(
        description="grows by one with every publication of the day's new totals: keep the highest"
    )


@register_event
class SwipeStatisticsV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.elevator.maintenance.swipe_statistics.v1"
    topic: ClassVar[str] = MAINTENANCE_TOPIC
    summary: ClassVar[str] = (
        "A maintenance company's swipe statistics of a business day changed (刷卡统计): the "
        "day's new totals, accepted and rejected by reason, published at most once a second "
        "(SWIPE_STATISTICS_FOLD_INTERVAL_S) however many batches stored swipes of that day. "
        "Keyed `<company id>:<day>`; a consumer keeps the highest "
        "version"
    )
    snapshot_field: ClassVar[str | None] = "statistics"

    statistics: SwipeDayStatistics


def swipe_statistics_subject(company_id: uuid.UUID, day: date) -> str:
    """The key of one company's day: every version of it lands on one partition, in order."""
    return f"{company_id}:{day.isoformat()}"
