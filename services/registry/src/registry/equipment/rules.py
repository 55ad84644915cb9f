"""Pure decisions about equipment records: which codes, attributes, dates and status changes a
record may have. Each returns `Violation`s (or a reason) and does no I/O; `today` is passed in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from registry.equipment.catalogue import Category, class_of, is_gas_cylinder
from registry.equipment.schemas import EquipmentStatus


class EquipmentReason(StrEnum):
    """Why a record was refused. Values are stable API (the `code` of a validation problem)."""

    unknown_variety = "unknown_variety"
    unknown_use_unit = "unknown_use_unit"
    dates_inconsistent = "dates_inconsistent"
    status_change_not_allowed = "status_change_not_allowed"
    null_not_allowed = "null_not_allowed"
    invalid_attribute = "invalid_attribute"
    invalid_code_prefix = "invalid_code_prefix"
    cylinder_not_registered_here = "cylinder_not_registered_here"
    missing_attribute = "missing_attribute"
    date_in_future = "date_in_future"
    date_too_early = "date_too_early"
    initial_status_not_allowed = "initial_status_not_allowed"
    use_status_endpoint = "use_status_endpoint"
    use_registration_endpoint = "use_registration_endpoint"
    registration_number_required = "registration_number_required"
    effective_on_before_last_change = "effective_on_before_last_change"
    unknown_installation_notice = "unknown_installation_notice"
    installation_notice_of_another_unit = "installation_notice_of_another_unit"


class EquipmentConflict(StrEnum):
    """Why a well-formed write cannot apply to the record in its current state (409). Values are
    stable API (the `code` of the conflict problem)."""

    equipment_deregistered = "equipment_deregistered"
    equipment_scrapped = "equipment_scrapped"


class EquipmentWrite(StrEnum):
    """The ways a record changes once it exists."""

    edit = "edit"  # PATCH 变更信息
    register = "register"  # 使用登记
    change_status = "change_status"  # 停用/启用/报废/注销


@dataclass(frozen=True)
class Violation:
    """One refused value: the field it concerns (a path in the record, e.g. `("attributes",
    "stops")`), a stable code and a message for a person. The HTTP layer decides where in the
    request that field was."""

    field: tuple[str | int, ...]
    code: str
    message: str


class _Attributes(BaseModel):
    # JSON has no Infinity or NaN; PostgreSQL's jsonb refuses them too.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ElevatorAttributes(_Attributes):
    rated_load_kg: float | None = Field(
        default=None, gt=0, le=100_000, description="额定载重量 (kg)"
    )
    rated_speed_ms: float | None = Field(default=None, gt=0, le=25, description="额定速度 (m/s)")
    stops: int | None = Field(default=None, ge=2, le=500, description="层站数")


class BoilerAttributes(_Attributes):
    rated_capacity_t_h: float | None = Field(
        default=None, gt=0, le=10_000, description="额定蒸发量 (t/h)"
    )
    rated_pressure_mpa: float | None = Field(
        default=None, gt=0, le=1_000, description="额定工作压力 (MPa)"
    )
    fuel: str | None = Field(default=None, max_length=50, description="燃料种类")


class PressureVesselAttributes(_Attributes):
    safety_grade: int | None = Field(default=None, ge=1, le=5, description="安全状况等级 1–5")
    design_pressure_mpa: float | None = Field(
        default=None, gt=0, le=1_000, description="设计压力 (MPa)"
    )
    volume_m3: float | None = Field(default=None, gt=0, le=1_000_000, description="容积 (m³)")
    medium: str | None = Field(default=None, max_length=100, description="介质")


class PressurePipelineAttributes(_Attributes):
    safety_grade: int | None = Field(default=None, ge=1, le=5, description="安全状况等级 1–5")
    length_m: float | None = Field(default=None, gt=0, le=10_000_000, description="管道长度 (m)")
    design_pressure_mpa: float | None = Field(
        default=None, gt=0, le=1_000, description="设计压力 (MPa)"
    )
    medium: str | None = Field(default=None, max_length=100, description="介质")


class CraneAttributes(_Attributes):
    rated_lifting_capacity_t: float | None = Field(
        default=None, gt=0, le=50_000, description="额定起重量 (t)"
    )
    lifts_molten_metal: bool | None = Field(default=None, description="吊运熔融金属")


class InPlantVehicleAttributes(_Attributes):
    rated_capacity_kg: float | None = Field(
        default=None, gt=0, le=1_000_000, description="额定起重量/载客"
    )
    power: str | None = Field(default=None, max_length=50, description="动力方式")


class RideAttributes(_Attributes):
    rated_passengers: int | None = Field(default=None, gt=0, le=100_000, description="额定乘客人数")
    rated_speed_ms: float | None = Field(default=None, gt=0, le=100, description="额定速度 (m/s)")


class EmptyAttributes(_Attributes):
    pass


ATTRIBUTES_BY_CATEGORY: dict[Category, type[_Attributes]] = {
    Category.elevator: ElevatorAttributes,
    Category.boiler: BoilerAttributes,
    Category.pressure_vessel: PressureVesselAttributes,
    Category.pressure_pipeline: PressurePipelineAttributes,
    Category.crane: CraneAttributes,
    Category.in_plant_vehicle: InPlantVehicleAttributes,
    Category.amusement_ride: RideAttributes,
    Category.passenger_ropeway: RideAttributes,
    Category.pipeline_element: EmptyAttributes,
    Category.safety_accessory: EmptyAttributes,
}


ESCALATOR_CLASS = "3300"  # 自动扶梯与自动人行道

REQUIRED_ATTRIBUTES: dict[Category, tuple[str, ...]] = {
    Category.elevator: ("rated_load_kg", "rated_speed_ms", "stops"),
    Category.pressure_vessel: ("safety_grade",),
    Category.pressure_pipeline: ("safety_grade", "length_m"),
}
"""Attributes a record of the category cannot be registered without: an elevator's rated load,
rated speed and stops (档案信息完整率 counts them), the safety grade (安全状况等级) that sets a
vessel's or pipeline's inspection interval (TSG 21, TSG D7005), a pipeline's length in metres."""

_ESCALATOR_REQUIRED = ("rated_speed_ms",)
"""Escalators and moving walks (3300) have no car to load and no landings to count."""


def required_attributes(category: Category, variety: str) -> tuple[str, ...]:
    if variety == ESCALATOR_CLASS or class_of(variety) == ESCALATOR_CLASS:
        return _ESCALATOR_REQUIRED
    return REQUIRED_ATTRIBUTES.get(category, ())


def installation_notice_problem(
    notice_use_unit_id: uuid.UUID | None, use_unit_id: uuid.UUID
) -> Violation | None:
    """An equipment record may name the installation notice (安装告知) it was installed under:
    one that exists (`notice_use_unit_id` None: it does not) and was filed for its use unit."""
    if notice_use_unit_id is None:
        return Violation(
            ("installation_notice_id",),
            EquipmentReason.unknown_installation_notice,
            "no installation notice (安装告知) with this id was filed",
        )
    if notice_use_unit_id != use_unit_id:
        return Violation(
            ("installation_notice_id",),
            EquipmentReason.installation_notice_of_another_unit,
            "the installation notice was filed for another use unit",
        )
    return None


def missing_attributes(
    category: Category, variety: str, attributes: dict[str, Any]
) -> list[Violation]:
    """One violation per required attribute absent (or null) from `attributes`."""
    return [
        Violation(
            ("attributes", name),
            EquipmentReason.missing_attribute,
            f"equipment of variety {variety} needs the attribute {name}",
        )
        for name in required_attributes(category, variety)
        if attributes.get(name) is None
    ]


def check_attributes(
    category: Category, attributes: dict[str, Any]
) -> tuple[dict[str, Any], list[Violation]]:
    """Validate a record's `attributes` against its category.

    Returns the normalised attributes (unset ones dropped) and the violations, each under
    `attributes`, so an unknown or mistyped attribute is refused, never silently dropped. The
    code is pydantic's error type (`extra_forbidden`, `greater_than_equal`, …).
    """
    model = ATTRIBUTES_BY_CATEGORY[category]
    try:
        # Strict, like every JSON body: "1000" is not a load and true is not a number.
        parsed = model.model_validate(attributes, strict=True)
    except ValidationError as exc:
        return {}, [
            Violation(("attributes", *error["loc"]), error["type"], error["msg"])
            for error in exc.errors(include_input=False)
        ]
    return parsed.model_dump(exclude_none=True), []


def code_prefix_problem(equipment_code: str, variety: str) -> Violation | None:
    """The 18-character equipment code (设备代码) begins with the code of its variety (品种):
    `3110…` is a 曳引驱动乘客电梯 and cannot be registered as 3120. A record filed under a class
    (3100) accepts the code of any variety of that class (3110…, 3120…)."""
    prefix = equipment_code[:4]
    if prefix == variety or class_of(prefix) == variety:
        return None
    return Violation(
        ("equipment_code",),
        EquipmentReason.invalid_code_prefix,
        f"an equipment code of variety {variety} begins with {variety}, not {prefix}",
    )


def cylinder_problem(variety: str) -> Violation | None:
    """气瓶 are registered one by one in the cylinder-trace service (by their filling station),
    not in this register; their filling stations are organisations here."""
    if not is_gas_cylinder(variety):
        return None
    return Violation(
        ("variety",),
        EquipmentReason.cylinder_not_registered_here,
        "gas cylinders (气瓶) are registered in the cylinder-trace service, not here",
    )


EARLIEST_DATE = date(1950, 1, 1)
"""No piece of special equipment still on a register was made or put in use before this."""

BUSINESS_TIMEZONE = timezone(timedelta(hours=8), "Asia/Shanghai")
"""Business dates are dates in China (no daylight saving since 1991, so a fixed offset is exact
and needs no time-zone database in the image)."""


def business_today(now: datetime) -> date:
    return now.astimezone(BUSINESS_TIMEZONE).date()


def _date_bounds(field: str, value: date | None, today: date) -> Violation | None:
    if value is None:
        return None
    if value > today:
        return Violation((field,), EquipmentReason.date_in_future, f"{field} is in the future")
    if value < EARLIEST_DATE:
        return Violation(
            (field,), EquipmentReason.date_too_early, f"{field} is before {EARLIEST_DATE}"
        )
    return None


def date_violations(
    *,
    manufactured_on: date | None,
    commissioned_on: date | None,
    today: date,
    changed: frozenset[str],
) -> list[Violation]:
    """Manufacture and commissioning dates (制造日期, 投入使用日期): neither in the future nor
    before 1950, and commissioning not before manufacture. Only the fields in `changed` are
    judged, so a record entered before these rules can still be edited in other fields."""
    violations = [
        violation
        for field, value in (
            ("manufactured_on", manufactured_on),
            ("commissioned_on", commissioned_on),
        )
        if field in changed and (violation := _date_bounds(field, value, today)) is not None
    ]
    if changed & {"manufactured_on", "commissioned_on"}:
        problem = dates_problem(manufactured_on, commissioned_on)
        if problem is not None:
            field = "manufactured_on" if "manufactured_on" in changed else "commissioned_on"
            violations.append(Violation((field,), EquipmentReason.dates_inconsistent, problem))
    return violations


def registration_violations(
    *,
    registration_number: str | None,
    registered_on: date | None,
    manufactured_on: date | None,
    today: date,
) -> list[Violation]:
    """使用登记: a date needs the certificate it dates; it is neither in the future nor before
    the equipment was made. (Registration may precede commissioning: TSG 08 lets a unit
    register before first use or within 30 days after.)"""
    if registered_on is None:
        return []
    if registration_number is None:
        return [
            Violation(
                ("registered_on",),
                EquipmentReason.registration_number_required,
                "a registration date needs the registration number it dates",
            )
        ]
    bounds = _date_bounds("registered_on", registered_on, today)
    if bounds is not None:
        return [bounds]
    if manufactured_on is not None and registered_on < manufactured_on:
        return [
            Violation(
                ("registered_on",),
                EquipmentReason.dates_inconsistent,
                "registered_on is before manufactured_on",
            )
        ]
    return []


def insurance_violations(valid_from: date, valid_to: date) -> list[Violation]:
    if valid_to < valid_from:
        return [
            Violation(
                ("insurance", "valid_to"),
                EquipmentReason.dates_inconsistent,
                "the policy ends before it starts",
            )
        ]
    return []


INITIAL_STATUSES = frozenset({EquipmentStatus.in_use, EquipmentStatus.suspended})
"""A record enters the register in use or suspended (equipment already 停用 when its register
is taken over); it is scrapped or deregistered only by a transition, which is audited."""


def initial_status_problem(status: EquipmentStatus) -> Violation | None:
    if status in INITIAL_STATUSES:
        return None
    return Violation(
        ("status",),
        EquipmentReason.initial_status_not_allowed,
        f"a new record starts in_use or suspended, not {status.value}; "
        "POST /api/v1/equipment/{code}/status changes it afterwards",
    )


def effective_on_violations(
    effective_on: date, *, status_since: date | None, today: date
) -> list[Violation]:
    """A status change happened on a day: not in the future, and not before the change it
    follows, so the history reads in order."""
    bounds = _date_bounds("effective_on", effective_on, today)
    if bounds is not None:
        return [bounds]
    if status_since is not None and effective_on < status_since:
        return [
            Violation(
                ("effective_on",),
                EquipmentReason.effective_on_before_last_change,
                f"the current status took effect on {status_since}; a change cannot precede it",
            )
        ]
    return []


def write_conflict(status: EquipmentStatus, write: EquipmentWrite) -> EquipmentConflict | None:
    """注销 (deregistered) ends the record: it is kept for the history and nothing changes it.
    报废 (scrapped) equipment may still be corrected and deregistered, but not registered."""
    if status is EquipmentStatus.deregistered:
        return EquipmentConflict.equipment_deregistered
    if status is EquipmentStatus.scrapped and write is EquipmentWrite.register:
        return EquipmentConflict.equipment_scrapped
    return None


# 报废 (scrapped) is final for use; 注销 (deregistered) ends the record. Moving between in use
# and suspended (停用/重新启用) is the ordinary change of status.
# Deregistration (注销登记) also ends a record still in use or suspended: equipment moved to
# another city (移装) is deregistered here and registered there.
STATUS_TRANSITIONS: dict[EquipmentStatus, frozenset[EquipmentStatus]] = {
    EquipmentStatus.in_use: frozenset(
        {EquipmentStatus.suspended, EquipmentStatus.scrapped, EquipmentStatus.deregistered}
    ),
    EquipmentStatus.suspended: frozenset(
        {EquipmentStatus.in_use, EquipmentStatus.scrapped, EquipmentStatus.deregistered}
    ),
    EquipmentStatus.scrapped: frozenset({EquipmentStatus.deregistered}),
    EquipmentStatus.deregistered: frozenset(),
}


def status_change_problem(current: EquipmentStatus, new: EquipmentStatus) -> str | None:
    """None when a record may move from `current` to `new`, else why not."""
    if new is current or new in STATUS_TRANSITIONS[current]:
        return None
    return f"equipment that is {current.value} cannot become {new.value}"


def dates_problem(manufactured_on: date | None, commissioned_on: date | None) -> str | None:
    if manufactured_on and commissioned_on and commissioned_on < manufactured_on:
        return "commissioned_on is before manufactured_on"
    return None
