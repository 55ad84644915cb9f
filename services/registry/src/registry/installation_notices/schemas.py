from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from registry.equipment.catalogue import Category
from registry.equipment.schemas import CATEGORY_DESCRIPTION, EQUIPMENT_CODE
from tzsb_common.json_bodies import StrictModel
from tzsb_common.pagination import Page


class NoticeRegion(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    province: str = Field(min_length=1, max_length=50, description="省")
    city: str = Field(min_length=1, max_length=50, description="市")
    district: str = Field(min_length=1, max_length=50, description="区/县")
    park: str | None = Field(default=None, max_length=100, description="园区")


class NoticeCreate(StrictModel):
    """安装告知: filed before installation work starts."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    installer_id: uuid.UUID | None = Field(
        default=None,
        description="安装单位. An installer filing its own notice may leave it out (it is the "
        "caller's organisation); the bureau names it.",
    )
    use_unit_id: uuid.UUID = Field(description="使用单位 (an organisation of kind use_unit)")
    category: Category = Field(description=CATEGORY_DESCRIPTION)
    variety: str = Field(min_length=4, max_length=4, description="设备品种 code, e.g. 3110")
    equipment_code: str | None = Field(
        default=None, pattern=EQUIPMENT_CODE, description="设备代码, when the equipment has one"
    )
    manufacturer: str | None = Field(default=None, max_length=200, description="制造单位")
    factory_number: str | None = Field(default=None, max_length=100, description="出厂编号")
    planned_start_on: date = Field(description="计划施工日期")
    region: NoticeRegion
    address: str = Field(min_length=1, max_length=300, description="施工地点")


class NoticeRead(BaseModel):
    id: uuid.UUID
    installer_id: uuid.UUID
    use_unit_id: uuid.UUID
    category: Category
    variety: str
    equipment_code: str | None
    manufacturer: str | None
    factory_number: str | None
    planned_start_on: date
    region: NoticeRegion
    address: str
    filed_by: uuid.UUID = Field(description="The organisation that filed it")
    version: int
    created_at: datetime


NoticePage = Page[NoticeRead]
