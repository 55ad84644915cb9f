"""Pure decisions on a monitoring event (远程监测): is it believable, and what it sets off."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum


class MonitoringKind(StrEnum):
    fault = "fault"  # 故障代码
    trapped_passenger = "trapped_passenger"  # 困人报警


class MonitoringReason(StrEnum):
    """Why an event is refused. Values are stable API."""

    unknown_equipment = "unknown_equipment"
    no_valid_contract = "no_valid_contract"
    fault_code_required = "fault_code_required"
    time_in_future = "time_in_future"


def check_monitoring_event(
    kind: MonitoringKind,
    fault_code: str | None,
    occurred_at: datetime,
    *,
    now: datetime,
    future_tolerance: timedelta,
) -> list[MonitoringReason]:
    reasons = []
    if kind is MonitoringKind.fault and not fault_code:
        reasons.append(MonitoringReason.fault_code_required)
    if occurred_at > now + future_tolerance:
        reasons.append(MonitoringReason.time_in_future)
    return reasons


def opens_rescue(kind: MonitoringKind) -> bool:
    """A trapped-passenger alarm is a 96333 incident by itself: nobody needs to call."""
    return kind is MonitoringKind.trapped_passenger
