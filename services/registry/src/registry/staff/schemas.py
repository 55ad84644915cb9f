from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from tzsb_common.json_bodies import StrictModel
from tzsb_common.pagination import Page


class CertificateLevel(StrEnum):
    """特种设备安全监察员证: A类 or B类 (the seed's table 1 counts them apart)."""

    a = "A"
    b = "B"


class GroupBy(StrEnum):
    city = "city"
    district = "district"
    park = "park"
    supervision_body = "supervision_body"


class StaffRegion(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    province: str = Field(min_length=1, max_length=50, description="省")
    city: str = Field(min_length=1, max_length=50, description="市")
    district: str = Field(min_length=1, max_length=50, description="区/县")
    park: str | None = Field(default=None, max_length=100, description="园区")


class _StaffFields(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    supervision_body: str | None = Field(
        default=None, max_length=200, description="监察机构, e.g. 中川园区市场监督管理局"
    )
    certificate_number: str | None = Field(
        default=None, min_length=1, max_length=100, description="特种设备安全监察员证编号"
    )
    certificate_level: CertificateLevel | None = Field(
        default=None, description="A类 | B类; null without a certificate"
    )


class StaffCreate(_StaffFields):
    name: str = Field(min_length=1, max_length=100, description="姓名")
    region: StaffRegion
    active: bool = Field(default=True, description="在岗 — on duty")


class StaffUpdate(_StaffFields):
    """PATCH: only the fields present change; `null` clears a nullable field."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    region: StaffRegion | None = None
    active: bool | None = None


NOT_NULLABLE_ON_UPDATE = frozenset({"name", "region", "active"})


class StaffRead(BaseModel):
    id: uuid.UUID
    name: str
    region: StaffRegion
    supervision_body: str | None
    certificate_number: str | None
    certificate_level: CertificateLevel | None
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


StaffPage = Page[StaffRead]


class StaffCount(BaseModel):
    """One line of table 1 (特种设备安全监察机构情况)."""

    province: str | None = Field(description="null in the total")
    city: str | None = Field(description="null in the total")
    district: str | None = Field(description="null when grouped by city or body")
    park: str | None = Field(description="grouped by park: null for staff outside a park")
    supervision_body: str | None = Field(description="grouped by supervision body only")
    staff: int = Field(description="监察人员数")
    certificate_level_a: int = Field(description="安全监察员证 A类")
    certificate_level_b: int = Field(description="安全监察员证 B类")
    active: int = Field(description="在岗人数")


class StaffCounts(BaseModel):
    group_by: GroupBy
    groups: list[StaffCount]
    total: StaffCount = Field(description="合计 (region fields null)")
