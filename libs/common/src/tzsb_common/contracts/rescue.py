"""Events of emergency rescue (96333 应急处置), published by the elevator-maintenance service.

An incident (困人事件) is dispatched to the maintenance company holding the elevator's valid
contract; the company acknowledges, arrives and releases the passengers; the platform escalates
to the bureau's backup team when the company has not arrived in time. The caller's phone number
never travels on the bus: it stays with the bureau.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from tzsb_common.events import EventPayload, register_event

RESCUE_TOPIC = "tzsb.elevator.rescue"

RescueSource = Literal["call_centre", "government_system", "monitoring_alarm"]
"""96333 呼叫中心 | 政府系统 | 远程监测困人报警"""


class _RescueEvent(EventPayload):
    topic: ClassVar[str] = RESCUE_TOPIC

    incident_id: uuid.UUID = Field(description="困人事件")
    equipment_code: str = Field(description="设备代码")
    maintenance_company_id: uuid.UUID | None = Field(
        description="维保单位 holding the valid contract; null when none does"
    )


@register_event
class RescueDispatchedV1(_RescueEvent):
    event_type: ClassVar[str] = "tzsb.elevator.rescue.dispatched.v1"
    summary: ClassVar[str] = (
        "A trapped-passenger incident (困人) was dispatched to the maintenance company holding "
        "the elevator's contract (level 1)"
    )

    source: RescueSource = Field(description="call_centre | government_system | monitoring_alarm")
    rescue_code: str | None = Field(description="救援识别码 (96333 code) of the elevator")
    reported_at: datetime = Field(description="when the call or the alarm came in")
    dispatched_at: datetime
    trapped_people: int | None = Field(description="被困人数 as reported; null when unknown")
    acknowledge_due_at: datetime = Field(description="响应时限, 3 minutes by default")
    escalate_at: datetime = Field(description="when the backup team is sent without an arrival")
    arrival_due_at: datetime = Field(description="到达时限: 30 minutes urban, 60 elsewhere")
    urban: bool = Field(description="the elevator's district is urban (城区)")


@register_event
class RescueAcknowledgedV1(_RescueEvent):
    event_type: ClassVar[str] = "tzsb.elevator.rescue.acknowledged.v1"
    summary: ClassVar[str] = "The maintenance company acknowledged the dispatch (响应)"

    dispatched_at: datetime
    acknowledged_at: datetime
    within_limit: bool = Field(description="acknowledged by the acknowledgement deadline")


@register_event
class RescueAcknowledgementOverdueV1(_RescueEvent):
    event_type: ClassVar[str] = "tzsb.elevator.rescue.acknowledgement_overdue.v1"
    summary: ClassVar[str] = (
        "The maintenance company has not acknowledged the dispatch in time (响应超时, 催办)"
    )

    dispatched_at: datetime
    stage: Literal["overdue"]
    acknowledge_due_at: datetime = Field(description="the acknowledgement deadline that passed")
    as_of: datetime = Field(description="the clock pass that saw it")


@register_event
class RescueArrivedV1(_RescueEvent):
    event_type: ClassVar[str] = "tzsb.elevator.rescue.arrived.v1"
    summary: ClassVar[str] = "The maintenance company's workers arrived at the elevator (到达现场)"

    dispatched_at: datetime
    arrived_at: datetime
    within_limit: bool = Field(description="arrived by the arrival deadline")
    distance_m: float | None = Field(
        description="distance from the elevator's registered position, when both are known"
    )


@register_event
class RescueEscalatedV1(_RescueEvent):
    event_type: ClassVar[str] = "tzsb.elevator.rescue.escalated.v1"
    summary: ClassVar[str] = (
        "Nobody arrived in time (or no company holds a contract): the incident was dispatched "
        "a second time, to the bureau's backup rescue team (level 2)"
    )

    reason: Literal["not_arrived", "no_valid_contract"] = Field(
        description="not_arrived 未按时到达 | no_valid_contract 无有效维保合同"
    )
    backup_team: str = Field(description="the bureau's backup team (备用救援队伍)")
    dispatched_at: datetime
    stage: Literal["escalated"]
    escalate_at: datetime = Field(description="the escalation deadline that passed")
    as_of: datetime = Field(description="the clock pass that escalated")


@register_event
class RescueReleasedV1(_RescueEvent):
    event_type: ClassVar[str] = "tzsb.elevator.rescue.released.v1"
    summary: ClassVar[str] = "The trapped passengers were freed (解困); the fault's cause is coded"

    dispatched_at: datetime
    arrived_at: datetime
    released_at: datetime
    people_freed: int = Field(description="解救人数")
    fault_cause: str = Field(description="故障原因代码 (the fault-cause code table)")
    arrival_minutes: float = Field(description="dispatch to arrival")
    rescue_minutes: float = Field(description="arrival to release (现场救援用时)")


__all__ = [
    "RESCUE_TOPIC",
    "RescueAcknowledgedV1",
    "RescueAcknowledgementOverdueV1",
    "RescueArrivedV1",
    "RescueDispatchedV1",
    "RescueEscalatedV1",
    "RescueReleasedV1",
    "RescueSource",
]
