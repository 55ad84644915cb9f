"""Hazard signals (隐患线索): what a service saw that the bureau must look at.

Any service publishes a signal on `tzsb.hazard`; the inspection service turns each one into a
hazard (隐患) it tracks through orders and rectification. The signal says what was seen and who is
answerable for it; whether it becomes an order is the bureau's decision, not the sender's.
"""

from __future__ import annotations

import uuid
from datetime import datetime
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
