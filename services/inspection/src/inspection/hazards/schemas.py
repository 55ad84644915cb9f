from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from inspection.hazards.rules import HazardSource, HazardState
from inspection.inspections.schemas import EQUIPMENT_CODE, Severity
from tzsb_common.json_bodies import StrictModel

EVIDENCE_CONTENT_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"})
"""整改证据 are photos and PDFs; anything else is refused (415)."""

SOURCE_DESCRIPTION = (
    "inspection 检验 | due_workflow 超期未检 | online_patrol 网上巡查 | maintenance 维保 | "
    "filling 充装 | rescue 应急救援 | spot_check 双随机抽查 | complaint 投诉 | "
    "supervision 日常监督检查"
)
STATE_DESCRIPTION = (
    "open 待处理 | order_issued 已下达指令书 | rectifying 整改中 | rectified 已整改 | "
    "closed 已验证销号"
)


class HazardCreate(StrictModel):
    """A hazard the bureau opens by hand (网上巡查, 双随机, 投诉, 日常监督检查)."""

    equipment_code: str | None = Field(
        default=None, pattern=EQUIPMENT_CODE, description="设备代码; omit for a unit's hazard"
    )
    unit_id: uuid.UUID | None = Field(
        default=None,
        description="责任单位, when not the equipment's use unit (required without equipment)",
    )
    source: HazardSource = Field(
        default=HazardSource.supervision,
        description="online_patrol 网上巡查 | spot_check 双随机抽查 | complaint 投诉 | "
        "supervision 日常监督检查",
    )
    severity: Severity = Field(description="general 一般 | major 重大")
    description: str = Field(min_length=1, max_length=2000, description="隐患描述")
    deadline: date | None = Field(default=None, description="整改期限")


class RectificationReport(StrictModel):
    note: str | None = Field(default=None, max_length=2000, description="整改情况说明")


class Verification(StrictModel):
    accepted: bool = Field(
        description="true: 验证通过, closed; false: 整改不到位, back to rectifying"
    )
    note: str | None = Field(default=None, max_length=2000, description="验证意见")


class SupervisionCreate(StrictModel):
    note: str | None = Field(default=None, max_length=2000, description="挂牌督办说明")


class SealCreate(StrictModel):
    days: int = Field(ge=1, description="查封天数, at most `SEAL_MAX_DAYS` (15)")


class SealExtension(StrictModel):
    days: int = Field(ge=1, description="延长天数, at most `SEAL_EXTENSION_MAX_DAYS` (30), once")


class SealRead(BaseModel):
    sealed_on: date = Field(description="查封日期")
    ends_on: date = Field(description="the seal's last day")
    extended: bool
    released_on: date | None = Field(description="解封日期")
    active: bool = Field(description="sealed today")
    expired_on: date | None = Field(
        description="查封期满: the day the deadline scan found the seal run out unreleased; "
        "the bureau then records its release (解封)"
    )


class EvidenceRead(BaseModel):
    id: uuid.UUID
    hazard_id: uuid.UUID
    filename: str
    content_type: str
    size_bytes: int
    sha256: str = Field(description="SHA-256 of the file, hex")
    uploaded_by: uuid.UUID
    uploaded_at: datetime


class EvidenceList(BaseModel):
    items: list[EvidenceRead]


class HazardRead(BaseModel):
    id: uuid.UUID
    equipment_code: str | None
    use_unit_id: uuid.UUID | None = Field(description="使用单位")
    unit_id: uuid.UUID | None = Field(description="责任单位 when not the use unit")
    source: HazardSource = Field(description=SOURCE_DESCRIPTION)
    severity: Severity
    description: str
    deadline: date | None = Field(description="整改期限")
    due_on: date | None = Field(description="the missed due date of a 超期未检 hazard")
    state: HazardState = Field(description=STATE_DESCRIPTION)
    inspection_id: uuid.UUID | None
    signal_id: uuid.UUID | None
    signal_kind: str | None
    order_id: uuid.UUID | None = Field(description="the latest supervision order covering it")
    patrol_question: str | None = Field(
        description="网上巡查: the patrol question whose list named the equipment"
    )
    spot_check_draw_id: uuid.UUID | None = Field(
        description="双随机: the draw whose check found it"
    )
    overdue_since: date | None = Field(description="整改超期 since this day")
    supervised: bool = Field(description="挂牌督办")
    supervised_at: datetime | None
    seal: SealRead | None = Field(description="查封, the latest")
    rectification_started_at: datetime | None
    rectified_at: datetime | None
    rectification_note: str | None
    closed_at: datetime | None
    verification_note: str | None
    evidence_count: int
    version: int
    created_at: datetime
    updated_at: datetime


class HazardPage(BaseModel):
    items: list[HazardRead]
    next_cursor: str | None = None
