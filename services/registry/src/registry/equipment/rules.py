"""Pure decisions about equipment records: which attributes a category carries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from registry.equipment.catalogue import Category
from registry.equipment.schemas import EquipmentStatus


class EquipmentReason(StrEnum):
    """Why a record was refused. Values are stable API (the `code` of a validation problem)."""

    unknown_variety = "unknown_variety"
    unknown_use_unit = "unknown_use_unit"
    dates_inconsistent = "dates_inconsistent"
    status_change_not_allowed = "status_change_not_allowed"
    null_not_allowed = "null_not_allowed"
    invalid_attribute = "invalid_attribute"


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


# 报废 (scrapped) is final for use; 注销 (deregistered) ends the record. Moving between in use
# and suspended (停用/重新启用) is the ordinary change of status.
_STATUS_CHANGES: dict[EquipmentStatus, frozenset[EquipmentStatus]] = {
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
    if new is current or new in _STATUS_CHANGES[current]:
        return None
    return f"equipment that is {current.value} cannot become {new.value}"


def dates_problem(manufactured_on: date | None, commissioned_on: date | None) -> str | None:
    if manufactured_on and commissioned_on and commissioned_on < manufactured_on:
        return "commissioned_on is before manufactured_on"
    return None
