from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator
from pydantic_core import PydanticCustomError

from registry.organisations.rules import credit_code_problem
from tzsb_common.json_bodies import StrictModel
from tzsb_common.pagination import Page


class OrganisationKind(StrEnum):
    """Who an organisation is to the bureau; the kind of its API clients' tokens follows it."""

    bureau = "bureau"  # 市场监督管理局
    government_system = "government_system"  # 其他政府系统
    use_unit = "use_unit"  # 使用单位
    maintenance_company = "maintenance_company"  # 维保单位
    filling_station = "filling_station"  # 充装单位
    inspection_agency = "inspection_agency"  # 检验机构
    installer = "installer"  # 安装单位


class OrganisationRegion(StrictModel):
    model_config = ConfigDict(extra="forbid")

    province: str = Field(min_length=1, max_length=50, description="省")
    city: str = Field(min_length=1, max_length=50, description="市")
    district: str = Field(min_length=1, max_length=50, description="区/县")
    park: str | None = Field(default=None, max_length=100, description="园区 (null outside a park)")


class OrganisationCreate(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    credit_code: str = Field(
        description="统一社会信用代码: 18 characters, the last a check character (GB 32100-2015)",
        examples=["91350100M000100Y43"],
        json_schema_extra={"pattern": "^[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18}$"},
    )
    name: str = Field(min_length=1, max_length=200, description="单位名称")
    kind: OrganisationKind = Field(
        description="bureau 监管部门 | government_system 政府系统 | use_unit 使用单位 | "
        "maintenance_company 维保单位 | filling_station 充装单位 | inspection_agency 检验机构 | "
        "installer 安装单位"
    )
    region: OrganisationRegion
    address: str | None = Field(default=None, max_length=300, description="地址")

    @field_validator("credit_code")
    @classmethod
    def _valid_credit_code(cls, value: str) -> str:
        value = value.upper()
        problem = credit_code_problem(value)
        if problem is not None:
            raise PydanticCustomError("credit_code_invalid", problem)
        return value


class OrganisationUpdate(StrictModel):
    """PATCH: a corrected name, address or region; only the fields sent change, and `region` is
    replaced as a whole. `credit_code` and `kind` are refused (422): they make the organisation
    what it is, and an organisation with others is a new one."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200, description="单位名称")
    region: OrganisationRegion | None = Field(
        default=None, description="省/市/区县/园区, replaced as a whole"
    )
    address: str | None = Field(default=None, max_length=300, description="地址; null clears it")
    # Declared (any JSON value) so that sending them is refused with its reason, not as unknown.
    credit_code: JsonValue = Field(
        default=None, description="Refused: the credit code identifies the organisation"
    )
    kind: JsonValue = Field(
        default=None, description="Refused: the kind decides the kind of its clients' tokens"
    )


class OrganisationRead(BaseModel):
    id: uuid.UUID
    credit_code: str | None
    name: str
    kind: OrganisationKind
    region: OrganisationRegion | None = Field(description="null only for the bureau itself")
    address: str | None
    version: int = Field(description="Increases by one with every change; the ETag is v<version>")
    created_at: datetime


OrganisationPage = Page[OrganisationRead]
