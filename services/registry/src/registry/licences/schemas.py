from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from tzsb_common.json_bodies import StrictModel
from tzsb_common.pagination import Page


class LicenceKind(StrEnum):
    """What a licence (许可证) permits; each fits one kind of organisation."""

    maintenance = "maintenance"  # 维护保养 / 修理
    filling = "filling"  # 充装
    inspection = "inspection"  # 检验检测
    installation = "installation"  # 安装改造


class LicenceStatus(StrEnum):
    active = "active"  # 有效
    suspended = "suspended"  # 暂停
    revoked = "revoked"  # 撤销 / 吊销


class LicenceAction(StrEnum):
    """The transitions of a licence's status; each is a request of its own."""

    suspend = "suspend"  # 暂停
    reinstate = "reinstate"  # 恢复
    revoke = "revoke"  # 撤销


class FillingMedium(StrEnum):
    """充装介质 — what a filling licence's scope may name."""

    LPG = "LPG"  # 液化石油气
    CNG = "CNG"  # 压缩天然气
    LNG = "LNG"  # 液化天然气
    DME = "DME"  # 二甲醚
    O2 = "O2"  # 氧气
    N2 = "N2"  # 氮气
    Ar = "Ar"  # 氩气
    He = "He"  # 氦气
    H2 = "H2"  # 氢气
    CO2 = "CO2"  # 二氧化碳
    C2H2 = "C2H2"  # 溶解乙炔
    N2O = "N2O"  # 氧化亚氮
    NH3 = "NH3"  # 液氨
    Cl2 = "Cl2"  # 液氯
    air = "air"  # 压缩空气
    mixed_gas = "mixed_gas"  # 混合气体
    refrigerant = "refrigerant"  # 制冷剂


KIND_DESCRIPTION = (
    "maintenance 维保 (维保单位) | filling 充装 (充装单位) | inspection 检验 (检验机构) | "
    "installation 安装 (维保/安装单位)"
)
SCOPE_DESCRIPTION = (
    "许可范围. filling: the media the station may fill (LPG, CNG, LNG, DME, O2, N2, Ar, He, H2, "
    "CO2, C2H2, N2O, NH3, Cl2, air, mixed_gas, refrigerant); maintenance, inspection and "
    "installation: the equipment categories served (特种设备目录 codes, e.g. 3000 电梯)."
)
STATUS_DESCRIPTION = "active 有效 | suspended 暂停 | revoked 撤销"


class LicenceCreate(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    organisation_id: uuid.UUID = Field(description="持证单位")
    number: str = Field(min_length=1, max_length=100, description="许可证编号")
    kind: LicenceKind = Field(description=KIND_DESCRIPTION)
    scope: list[str] = Field(min_length=1, max_length=50, description=SCOPE_DESCRIPTION)
    valid_from: date = Field(description="有效期起 (included)")
    valid_to: date = Field(description="有效期至 (included)")


class LicenceTransition(StrictModel):
    """暂停/恢复/撤销: why, and from which day."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=1000, description="原因")
    effective_on: date | None = Field(
        default=None, description="生效日期; today (Asia/Shanghai) when omitted"
    )


class LicenceRead(BaseModel):
    id: uuid.UUID
    organisation_id: uuid.UUID
    number: str = Field(description="许可证编号")
    kind: LicenceKind = Field(description=KIND_DESCRIPTION)
    scope: list[str] = Field(description=SCOPE_DESCRIPTION)
    valid_from: date
    valid_to: date
    status: LicenceStatus = Field(description=STATUS_DESCRIPTION)
    status_reason: str | None = Field(description="原因 of the last status change")
    status_changed_on: date | None = Field(description="生效日期 of the last status change")
    version: int
    created_at: datetime
    updated_at: datetime


class LicenceStatusChangeRead(BaseModel):
    """One entry of a licence's audit trail (变更记录)."""

    action: LicenceAction
    from_status: LicenceStatus
    to_status: LicenceStatus
    reason: str
    effective_on: date
    version: int = Field(description="the licence's version after this change")
    changed_by_client: str = Field(description="the API client that made the change")
    changed_by_organisation: uuid.UUID
    changed_at: datetime


class LicenceStatusChanges(BaseModel):
    items: list[LicenceStatusChangeRead]


LicencePage = Page[LicenceRead]
