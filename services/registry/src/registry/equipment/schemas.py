from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field

from registry.equipment.catalogue import Category
from tzsb_common.contracts.registry import EQUIPMENT_CODE_PATTERN
from tzsb_common.json_bodies import StrictModel
from tzsb_common.pagination import Page

EQUIPMENT_CODE = EQUIPMENT_CODE_PATTERN
"""设备代码: the variety code (four characters; 4D00, 23T0 and 6A00 hold a letter), then the
manufacturer, the year and a serial number in 14 digits."""
LEGACY_REGISTRATION_CODE = r"^[0-9]{20}$"
"""旧注册代码: the 20-digit registration code of records made before equipment codes."""
EQUIPMENT_CODE_DESCRIPTION = "设备代码: the variety (e.g. 3110, 4D00), then 14 digits"
STATUS_ENDPOINT = "POST /api/v1/equipment/{code}/status"
REGISTRATION_ENDPOINT = "POST /api/v1/equipment/{code}/registration"


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


class ElevatorInsurance(StrictModel):
    """电梯责任保险 — the elevator's liability insurance policy."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    insurer: str = Field(min_length=1, max_length=200, description="保险公司")
    policy_number: str = Field(min_length=1, max_length=100, description="保单号")
    valid_from: date = Field(description="保险起期")
    valid_to: date = Field(description="保险止期")


class _EquipmentFields(StrictModel):
    """Fields a client may set; shared by create and update."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

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
    legacy_registration_code: str | None = Field(
        default=None, pattern=LEGACY_REGISTRATION_CODE, description="旧注册代码, 20 digits"
    )
    insurance: ElevatorInsurance | None = Field(default=None, description="电梯责任保险")
    remote_monitoring_device_id: str | None = Field(
        default=None, min_length=1, max_length=100, description="远程监测装置编号"
    )
    installation_notice_id: uuid.UUID | None = Field(
        default=None, description="安装告知 this equipment was installed under"
    )


class EquipmentCreate(_EquipmentFields):
    equipment_code: str = Field(pattern=EQUIPMENT_CODE, description=EQUIPMENT_CODE_DESCRIPTION)
    category: Category = Field(description=CATEGORY_DESCRIPTION)
    variety: str = Field(
        min_length=4, max_length=4, description="品种 code of the category, e.g. 3110"
    )
    status: EquipmentStatus = Field(
        default=EquipmentStatus.in_use,
        description="in_use 在用 | suspended 停用: a record starts in one of them; "
        f"later changes go through {STATUS_ENDPOINT}",
    )
    registration_number: str | None = Field(
        default=None, min_length=1, max_length=100, description="使用登记证编号; null 未登记"
    )
    registered_on: date | None = Field(
        default=None, description="登记日期; only with registration_number"
    )
    use_unit_id: uuid.UUID = Field(description="使用单位 (an organisation of kind use_unit)")
    region: EquipmentRegion
    attributes: dict[str, Any] = Field(default_factory=dict, description=ATTRIBUTES_DESCRIPTION)
    rescue_sign_posted: bool = Field(default=False, description="轿厢内是否张贴应急救援标识")


class EquipmentUpdate(_EquipmentFields):
    """PATCH: only the fields present change; `null` clears a nullable field."""

    variety: str | None = Field(default=None, min_length=4, max_length=4)
    # Refused when sent: each has its own endpoint, with its event and (for status) its audit.
    status: EquipmentStatus | None = Field(
        default=None, description=f"Refused: status changes only through {STATUS_ENDPOINT}"
    )
    registration_number: str | None = Field(
        default=None, description=f"Refused: registration only through {REGISTRATION_ENDPOINT}"
    )
    registered_on: date | None = Field(
        default=None, description=f"Refused: registration only through {REGISTRATION_ENDPOINT}"
    )
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
    status_since: date | None = Field(
        description="the day the current status took effect; null if it never changed"
    )
    registration_number: str | None = Field(description="使用登记证编号; null 未登记")
    registered_on: date | None = Field(description="登记日期")
    legacy_registration_code: str | None = Field(description="旧注册代码")
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
    insurance: ElevatorInsurance | None = Field(description="电梯责任保险")
    remote_monitoring_device_id: str | None = Field(description="远程监测装置编号")
    installation_notice_id: uuid.UUID | None = Field(description="安装告知")
    version: int
    created_at: datetime
    updated_at: datetime

    @computed_field(description="已登记: holds a 使用登记证 number")  # type: ignore[prop-decorator]
    @property
    def registered(self) -> bool:
        return self.registration_number is not None


EquipmentPage = Page[EquipmentRead]

NOT_NULLABLE_ON_UPDATE = frozenset(
    {"variety", "use_unit_id", "region", "attributes", "rescue_sign_posted"}
)
REFUSED_ON_UPDATE: dict[str, str] = {
    "status": STATUS_ENDPOINT,
    "registration_number": REGISTRATION_ENDPOINT,
    "registered_on": REGISTRATION_ENDPOINT,
}
"""Fields PATCH refuses, and the endpoint that changes each."""


class EquipmentRegistration(StrictModel):
    """使用登记: the certificate the registering authority issued."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    registration_number: str = Field(
        min_length=1, max_length=100, description="使用登记证编号, as printed"
    )
    registered_on: date = Field(description="登记日期")


class EquipmentStatusChange(StrictModel):
    """在用 ↔ 停用, → 报废, → 注销: a transition with its reason and the day it took effect."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: EquipmentStatus = Field(description=STATUS_DESCRIPTION)
    reason: str = Field(min_length=1, max_length=500, description="变更原因")
    effective_on: date = Field(description="生效日期")


class EquipmentStatusChangeRead(BaseModel):
    """One audited status change (状态变更记录)."""

    equipment_code: str
    from_status: EquipmentStatus
    to_status: EquipmentStatus
    reason: str
    effective_on: date
    version: int = Field(description="the record's version after this change")
    changed_by: str = Field(description="the API client that made the change")
    changed_by_organisation_id: uuid.UUID
    changed_at: datetime


class EquipmentStatusChangeList(BaseModel):
    items: list[EquipmentStatusChangeRead]
