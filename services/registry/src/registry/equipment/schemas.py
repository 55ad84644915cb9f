from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from registry.equipment.catalogue import Category
from tzsb_common.json_bodies import StrictModel
from tzsb_common.pagination import Page

EQUIPMENT_CODE = r"^[0-9]{18}$"


class EquipmentStatus(StrEnum):
    in_use = "in_use"  # 在用
    suspended = "suspended"  # 停用
    scrapped = "scrapped"  # 报废
    deregistered = "deregistered"  # 注销


STATUS_DESCRIPTION = "in_use 在用 | suspended 停用 | scrapped 报废 | deregistered 注销"
CATEGORY_DESCRIPTION = (
    "特种设备目录 category: 1000 锅炉, 2000 压力容器, 3000 电梯, 4000 起重机械, "
    "5000 场(厂)内专用机动车辆, 6000 大型游乐设施, 7000 压力管道元件, 8000 压力管道, "
    "9000 客运索道, F000 安全附件"
)
ATTRIBUTES_DESCRIPTION = (
    "Per category. 电梯: rated_load_kg 额定载重量, rated_speed_ms 额定速度, stops 层站数; "
    "压力容器/压力管道: safety_grade 安全状况等级 (1–5), design_pressure_mpa, medium, "
    "volume_m3 / length_m; 锅炉: rated_capacity_t_h, rated_pressure_mpa, fuel; "
    "起重机械: rated_lifting_capacity_t, lifts_molten_metal; 场(厂)内车辆: rated_capacity_kg, "
    "power; 游乐设施/索道: rated_passengers, rated_speed_ms. Unknown attributes are refused."
)


class EquipmentRegion(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    province: str = Field(min_length=1, max_length=50, description="省")
    city: str = Field(min_length=1, max_length=50, description="市")
    district: str = Field(min_length=1, max_length=50, description="区/县")


class _EquipmentFields(StrictModel):
    """Fields a client may set; shared by create and update."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    registration_number: str | None = Field(
        default=None, min_length=1, max_length=100, description="使用登记证编号; null 未登记"
    )
    park: str | None = Field(default=None, max_length=100, description="园区; null outside a park")
    manufacturer: str | None = Field(default=None, max_length=200, description="制造单位")
    factory_number: str | None = Field(default=None, max_length=100, description="出厂编号")
    manufactured_on: date | None = Field(default=None, description="制造日期")
    commissioned_on: date | None = Field(default=None, description="投入使用日期")
    address: str | None = Field(default=None, max_length=300, description="设备使用地点")
    lat: float | None = Field(default=None, ge=-90, le=90, description="纬度 (WGS-84)")
    lon: float | None = Field(default=None, ge=-180, le=180, description="经度 (WGS-84)")
    rescue_code: str | None = Field(
        default=None, max_length=50, description="96333 应急处置服务平台识别码"
    )


class EquipmentCreate(_EquipmentFields):
    equipment_code: str = Field(pattern=EQUIPMENT_CODE, description="设备代码, 18 digits")
    category: Category = Field(description=CATEGORY_DESCRIPTION)
    variety: str = Field(
        min_length=4, max_length=4, description="品种 code of the category, e.g. 3110"
    )
    status: EquipmentStatus = Field(default=EquipmentStatus.in_use, description=STATUS_DESCRIPTION)
    use_unit_id: uuid.UUID = Field(description="使用单位 (an organisation of kind use_unit)")
    region: EquipmentRegion
    attributes: dict[str, Any] = Field(default_factory=dict, description=ATTRIBUTES_DESCRIPTION)
    rescue_sign_posted: bool = Field(default=False, description="轿厢内是否张贴应急救援标识")


class EquipmentUpdate(_EquipmentFields):
    """PATCH: only the fields present change; `null` clears a nullable field."""

    variety: str | None = Field(default=None, min_length=4, max_length=4)
    status: EquipmentStatus | None = Field(default=None, description=STATUS_DESCRIPTION)
    use_unit_id: uuid.UUID | None = None
    region: EquipmentRegion | None = None
    attributes: dict[str, Any] | None = Field(
        default=None, description=ATTRIBUTES_DESCRIPTION + " Replaces the whole object."
    )
    rescue_sign_posted: bool | None = None


class EquipmentRead(BaseModel):
    equipment_code: str = Field(description="设备代码")
    category: Category = Field(description=CATEGORY_DESCRIPTION)
    variety: str = Field(description="品种")
    status: EquipmentStatus = Field(description=STATUS_DESCRIPTION)
    registration_number: str | None = Field(description="使用登记证编号; null 未登记")
    use_unit_id: uuid.UUID
    region: EquipmentRegion
    park: str | None
    manufacturer: str | None
    factory_number: str | None
    manufactured_on: date | None
    commissioned_on: date | None
    address: str | None
    lat: float | None
    lon: float | None
    attributes: dict[str, Any]
    rescue_code: str | None
    rescue_sign_posted: bool
    version: int
    created_at: datetime
    updated_at: datetime


EquipmentPage = Page[EquipmentRead]

NOT_NULLABLE_ON_UPDATE = frozenset(
    {"variety", "status", "use_unit_id", "region", "attributes", "rescue_sign_posted"}
)
