"""Request and answer models of cylinder inspections (气瓶定期检验)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from cylinder_trace.cylinders.schemas import CYLINDER_CODE, CylinderStatus
from cylinder_trace.inspections.rules import InspectionResult, ScrapReason
from tzsb_common.json_bodies import StrictModel


class CylinderInspectionCreate(StrictModel):
    cylinder_code: str = Field(pattern=CYLINDER_CODE, description="气瓶编码")
    report_number: str = Field(
        min_length=1,
        max_length=64,
        description="检验报告编号; unique per agency — a retry repeats it",
    )
    inspected_on: date = Field(description="检验日期 (Asia/Shanghai)")
    result: InspectionResult = Field(description="检验结论: pass 合格 | fail 不合格 (scraps it)")
    next_inspection_on: date | None = Field(
        default=None,
        description="下次检验日期; from the medium's interval when not given; "
        "ignored when the inspection scraps the cylinder",
    )
    remarks: str | None = Field(default=None, max_length=2000, description="检验意见")


class CylinderInspectionRead(BaseModel):
    inspection_id: uuid.UUID
    agency_id: uuid.UUID = Field(description="检验机构")
    report_number: str
    cylinder_code: str
    inspected_on: date
    result: InspectionResult
    next_inspection_on: date | None = Field(description="null once the cylinder is scrapped")
    life_extended: bool = Field(description="it extended an LPG cylinder's life by 4 years")
    service_life_ends_on: date = Field(description="the first day past the service life")
    cylinder_status: CylinderStatus = Field(description="the cylinder's status after it")
    scrap_reason: ScrapReason | None = Field(description="why it scrapped the cylinder (报废)")
    remarks: str | None
    recorded_at: datetime
