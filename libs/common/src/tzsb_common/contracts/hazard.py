"""Hazard signals (隐患线索): what a service saw that the bureau must look at.

Any service publishes a signal on `tzsb.hazard`; the inspection service turns each one into a
hazard (隐患) it tracks through orders and rectification. The signal says what was seen and who is
answerable for it; whether it becomes an order is the bureau's decision, not the sender's.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from tzsb_common.events import EventPayload, register_event

HAZARD_TOPIC = "tzsb.hazard"

SignalKind = Literal[
    "maintenance_overdue",
    "certificate_lending",
    "trapped_passenger_alarm",
    "rescue_breach",
    "refused_fill_filled",
    "complaint",
]
"""维保超期 | 借证挂靠 | 困人报警 | 救援超时 | 拒充仍充装 | 投诉.

A new kind is added here; a kind is never given a second meaning."""


@register_event
class HazardSignalV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.hazard.signal.v1"
    topic: ClassVar[str] = HAZARD_TOPIC
    summary: ClassVar[str] = (
        "A service observed a sign of a hazard (隐患线索) against equipment or a unit; the "
        "inspection service opens a hazard from it"
    )

    signal_id: uuid.UUID = Field(
        description="stable per observation: a re-sent signal carries the same id"
    )
    kind: SignalKind = Field(
        description="maintenance_overdue 维保超期 | certificate_lending 借证挂靠 | "
        "trapped_passenger_alarm 困人报警 | rescue_breach 救援超时 | "
        "refused_fill_filled 拒充仍充装 | complaint 投诉"
    )
    severity: Literal["general", "major"] = Field(description="一般 general | 重大 major")
    source_service: str = Field(description="the publishing service")
    observed_at: datetime = Field(description="when the sign was observed")
    equipment_code: str | None = Field(
        description="设备代码 (or a cylinder's code), when one piece of equipment is concerned"
    )
    unit_id: uuid.UUID | None = Field(
        description="the organisation answerable: use unit, maintenance company or filling station"
    )
    description: str = Field(description="what was seen, in Chinese, for the bureau")
    evidence: dict[str, Any] = Field(
        description="the records behind the signal (ids, counts, times), for the bureau to follow"
    )


# -- the hazard lifecycle, published by the inspection service ------------------------------

HazardSource = Literal[
    "inspection",
    "due_workflow",
    "online_patrol",
    "maintenance",
    "filling",
    "rescue",
    "spot_check",
    "complaint",
    "supervision",
]
"""检验 | 超期未检 | 网上巡查 | 维保 | 充装 | 应急救援 | 双随机抽查 | 投诉 | 日常监督检查."""

Severity = Literal["general", "major"]


@register_event
class HazardFoundV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.hazard.found.v1"
    topic: ClassVar[str] = HAZARD_TOPIC
    summary: ClassVar[str] = (
        "The inspection service opened a hazard (隐患): from an inspection, the due workflow, a "
        "signal of another service, or by the bureau's hand"
    )

    hazard_id: uuid.UUID
    source: HazardSource = Field(
        description="inspection 检验 | due_workflow 超期未检 | online_patrol 网上巡查 | "
        "maintenance 维保 | filling 充装 | rescue 应急救援 | spot_check 双随机抽查 | "
        "complaint 投诉 | supervision 日常监督检查"
    )
    severity: Severity = Field(description="一般 general | 重大 major")
    description: str
    equipment_code: str | None = Field(description="设备代码; null for a hazard of a unit")
    use_unit_id: uuid.UUID | None = Field(description="使用单位, when known")
    unit_id: uuid.UUID | None = Field(
        description="the organisation answerable when it is not the use unit (a maintenance "
        "company, a filling station)"
    )
    deadline: date | None = Field(description="整改期限, when set")
    inspection_id: uuid.UUID | None = Field(description="the inspection that found it")
    signal_id: uuid.UUID | None = Field(description="the signal it was opened from")


@register_event
class HazardOrderIssuedV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.hazard.order_issued.v1"
    topic: ClassVar[str] = HAZARD_TOPIC
    summary: ClassVar[str] = (
        "A supervision order (监察指令书) covering the hazard was issued; rectification is due "
        "by its deadline"
    )

    hazard_id: uuid.UUID
    order_id: uuid.UUID
    order_number: str = Field(description="文号, e.g. 市监特令〔2026〕第12号")
    deadline: date = Field(description="整改期限 named in the order")
    equipment_code: str | None
    use_unit_id: uuid.UUID | None
    unit_id: uuid.UUID | None


@register_event
class HazardRectifiedV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.hazard.rectified.v1"
    topic: ClassVar[str] = HAZARD_TOPIC
    summary: ClassVar[str] = (
        "The answerable unit reported the hazard rectified (整改完成), with evidence"
    )

    hazard_id: uuid.UUID
    equipment_code: str | None
    rectified_at: datetime
    evidence_sha256: list[str] = Field(description="SHA-256 of every evidence file, hex")
    deadline: date | None
    within_deadline: bool | None = Field(description="reported on or before the deadline")


@register_event
class HazardClosedV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.hazard.closed.v1"
    topic: ClassVar[str] = HAZARD_TOPIC
    summary: ClassVar[str] = "The bureau verified the rectification and closed the hazard (销号)"

    hazard_id: uuid.UUID
    equipment_code: str | None
    closed_at: datetime
    deadline: date | None
    rectified_within_deadline: bool | None = Field(
        description="整改率: rectified on or before the deadline (null without a deadline)"
    )


@register_event
class HazardOverdueV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.hazard.overdue.v1"
    topic: ClassVar[str] = HAZARD_TOPIC
    summary: ClassVar[str] = (
        "A hazard was not reported rectified by its deadline (整改超期); fired once per deadline"
    )

    hazard_id: uuid.UUID
    equipment_code: str | None
    use_unit_id: uuid.UUID | None
    unit_id: uuid.UUID | None
    severity: Severity
    state: str = Field(description="the hazard's state when the deadline passed")
    stage: Literal["overdue"]
    deadline: date = Field(description="整改期限 that passed")
    as_of: date = Field(description="the business date of the scan that found it")


@register_event
class HazardSealExpiredV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.hazard.seal_expired.v1"
    topic: ClassVar[str] = HAZARD_TOPIC
    summary: ClassVar[str] = (
        "A seal (查封) ran out without release or extension (查封期满); fired once per seal end. "
        "The bureau decides the release (解除查封决定, 行政强制法 第二十八条)"
    )

    hazard_id: uuid.UUID
    equipment_code: str = Field(description="设备代码 of the sealed equipment")
    use_unit_id: uuid.UUID | None
    severity: Severity
    sealed_on: date = Field(description="查封日期")
    extended: bool = Field(description="the seal was extended (延长) before it ran out")
    stage: Literal["expired"]
    seal_ends_on: date = Field(description="the seal's last day")
    as_of: date = Field(description="the business date of the scan that found it")
