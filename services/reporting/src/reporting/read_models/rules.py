"""Pure decisions of the read models: what a record must hold to count as complete, which
business day a visit falls on, which month a day belongs to."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

ELEVATOR_CATEGORY = "3000"  # 电梯, 特种设备目录
ESCALATOR_CLASS = "33"
"""3300 自动扶梯与自动人行道: varieties 33xx have no car to load and no landings to count."""

RECORD_FIELDS = (
    "registration_number",
    "use_unit_id",
    "variety",
    "manufacturer",
    "factory_number",
    "manufactured_on",
    "address",
    "position",
    "rated_load_kg",
    "rated_speed_ms",
    "stops",
)
"""档案信息完整率 (DOMAIN.md, Table 3): registration number, use unit, variety, manufacturer,
factory number, manufacture date, installation address, position, rated load, rated speed and
number of stops."""

_ESCALATOR_SKIPS = frozenset({"rated_load_kg", "stops"})


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def missing_record_fields(record: Mapping[str, Any]) -> list[str]:
    """The required record fields an elevator's record lacks (empty: complete).

    `record` holds the snapshot's fields flat, with `lat` and `lon` for the position. An
    escalator or moving walk (33xx) is complete without a rated load or stops, as the registry
    registers it without them."""
    escalator = str(record.get("variety") or "").startswith(ESCALATOR_CLASS)
    missing = []
    for name in RECORD_FIELDS:
        if escalator and name in _ESCALATOR_SKIPS:
            continue
        if name == "position":
            present = _present(record.get("lat")) and _present(record.get("lon"))
        else:
            present = _present(record.get(name))
        if not present:
            missing.append(name)
    return missing


def record_complete(record: Mapping[str, Any]) -> bool | None:
    """None for equipment other than elevators: the rate is defined for elevators only."""
    if record.get("category") != ELEVATOR_CATEGORY:
        return None
    return not missing_record_fields(record)


def business_day(moment: datetime, zone: ZoneInfo) -> date:
    """The day a visit counts for: its start, on the bureau's calendar (Asia/Shanghai)."""
    return moment.astimezone(zone).date()


def month_of(day: date) -> date:
    return day.replace(day=1)


def number_attribute(attributes: Mapping[str, Any], name: str) -> float | None:
    value = attributes.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def integer_attribute(attributes: Mapping[str, Any], name: str) -> int | None:
    value = attributes.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value
