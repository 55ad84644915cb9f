"""Pure decisions about equipment records: which attributes a category carries."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from registry.equipment.catalogue import Category
from tzsb_common.problems import FieldError, field_error


class _Attributes(BaseModel):
    # JSON has no Infinity or NaN; PostgreSQL's jsonb refuses them too.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ElevatorAttributes(_Attributes):
    rated_load_kg: float | None = Field(default=None, gt=0, description="额定载重量 (kg)")
    rated_speed_ms: float | None = Field(default=None, gt=0, description="额定速度 (m/s)")
    stops: int | None = Field(default=None, ge=2, description="层站数")


class BoilerAttributes(_Attributes):
    rated_capacity_t_h: float | None = Field(default=None, gt=0, description="额定蒸发量 (t/h)")
    rated_pressure_mpa: float | None = Field(default=None, gt=0, description="额定工作压力 (MPa)")
    fuel: str | None = Field(default=None, max_length=50, description="燃料种类")


class PressureVesselAttributes(_Attributes):
    safety_grade: int | None = Field(default=None, ge=1, le=5, description="安全状况等级 1–5")
    design_pressure_mpa: float | None = Field(default=None, gt=0, description="设计压力 (MPa)")
    volume_m3: float | None = Field(default=None, gt=0, description="容积 (m³)")
    medium: str | None = Field(default=None, max_length=100, description="介质")


class PressurePipelineAttributes(_Attributes):
    safety_grade: int | None = Field(default=None, ge=1, le=5, description="安全状况等级 1–5")
    length_m: float | None = Field(default=None, gt=0, description="管道长度 (m)")
    design_pressure_mpa: float | None = Field(default=None, gt=0, description="设计压力 (MPa)")
    medium: str | None = Field(default=None, max_length=100, description="介质")


class CraneAttributes(_Attributes):
    rated_lifting_capacity_t: float | None = Field(default=None, gt=0, description="额定起重量 (t)")
    lifts_molten_metal: bool | None = Field(default=None, description="吊运熔融金属")


class InPlantVehicleAttributes(_Attributes):
    rated_capacity_kg: float | None = Field(default=None, gt=0, description="额定起重量/载客")
    power: str | None = Field(default=None, max_length=50, description="动力方式")


class RideAttributes(_Attributes):
    rated_passengers: int | None = Field(default=None, gt=0, description="额定乘客人数")
    rated_speed_ms: float | None = Field(default=None, gt=0, description="额定速度 (m/s)")


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
) -> tuple[dict[str, Any], list[FieldError]]:
    """Validate a record's `attributes` against its category.

    Returns the normalised attributes (unset ones dropped) and the errors, each with its location
    under `attributes`, so an unknown or mistyped attribute is refused, never silently dropped.
    """
    model = ATTRIBUTES_BY_CATEGORY[category]
    try:
        parsed = model.model_validate(attributes)
    except ValidationError as exc:
        return {}, [
            field_error(["body", "attributes", *error["loc"]], error["msg"], error["type"])
            for error in exc.errors(include_input=False)
        ]
    return parsed.model_dump(exclude_none=True), []
