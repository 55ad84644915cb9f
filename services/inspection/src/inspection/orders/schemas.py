from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from inspection.inspections.schemas import Severity
from tzsb_common.json_bodies import StrictModel
from tzsb_common.pagination import Page

KIND_DESCRIPTION = (
    "rectify_hazards 责令整改 (issued for hazards) | apply_for_inspection 责令申报检验 | "
    "stop_use 责令停止使用 (drafted by the due workflow)"
)


class OrderCreate(StrictModel):
    hazard_ids: list[uuid.UUID] = Field(
        min_length=1, max_length=100, description="the hazards (隐患) the order covers, of one unit"
    )
    deadline: date = Field(description="整改期限: the hazards' rectification deadline")
    requirements: str | None = Field(
        default=None, max_length=4000, description="指令内容, beyond correcting each hazard"
    )


class OrderHazard(BaseModel):
    id: uuid.UUID
    equipment_code: str | None
    registration_number: str | None = Field(description="使用登记证编号, when known")
    severity: Severity
    description: str


class OrderRead(BaseModel):
    id: uuid.UUID
    number: str | None = Field(description="文号, e.g. 市监特令〔2026〕第12号; null for a draft")
    number_year: int | None
    number_seq: int | None
    kind: str = Field(description=KIND_DESCRIPTION)
    status: str = Field(description="draft 草稿 | issued 已下达")
    bureau_id: uuid.UUID | None
    unit_id: uuid.UUID | None = Field(description="受令单位")
    addressee_name: str | None = Field(
        description="受令单位名称, from the registry's organisations (null until it has sent it)"
    )
    addressee_credit_code: str | None = Field(description="受令单位统一社会信用代码")
    use_unit_id: uuid.UUID | None
    equipment_code: str | None = Field(description="the equipment of a drafted order")
    due_on: date | None = Field(description="the due date a drafted order is about")
    deadline: date | None = Field(description="整改期限")
    requirements: str | None
    issued_on: date | None
    issued_at: datetime | None
    hazards: list[OrderHazard]
    created_at: datetime


class OrderPage(Page[OrderRead]):
    pass
