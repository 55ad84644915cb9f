from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from inspection.inspections.schemas import EQUIPMENT_CODE, Severity
from inspection.risk_grades.rules import RiskGrade
from inspection.spot_checks.rules import MAX_SEED, SpotCheckConclusion
from tzsb_common.json_bodies import StrictModel
from tzsb_common.pagination import Page

CONCLUSION_DESCRIPTION = "compliant 未发现问题 | hazards_found 发现问题 | not_checkable 无法检查"


class InspectorCreate(StrictModel):
    name: str = Field(min_length=1, max_length=100, description="姓名")
    certificate_number: str = Field(
        min_length=1, max_length=100, description="执法证 / 监察员证编号, unique"
    )
    park: str | None = Field(default=None, min_length=1, max_length=100, description="园区")


class InspectorUpdate(StrictModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    park: str | None = Field(default=None, min_length=1, max_length=100)
    active: bool | None = Field(default=None, description="在岗: only active inspectors are drawn")


class InspectorRead(BaseModel):
    id: uuid.UUID
    name: str
    certificate_number: str
    park: str | None
    active: bool
    version: int
    created_at: datetime


class InspectorPage(Page[InspectorRead]):
    pass


class DrawCreate(StrictModel):
    unit_count: int = Field(ge=1, le=1000, description="N: use units to draw")
    inspector_count: int = Field(ge=1, le=100, description="M: inspectors to draw")
    as_of: date | None = Field(
        default=None, description="the day whose risk grades weigh the draw; today if omitted"
    )
    park: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="园区: draw only units with equipment in use there",
    )
    seed: int | None = Field(
        default=None,
        ge=0,
        le=MAX_SEED,
        description="a seed announced beforehand (e.g. a lottery number); random if omitted",
    )


class SpotCheckHazardWrite(StrictModel):
    equipment_code: str | None = Field(
        default=None, pattern=EQUIPMENT_CODE, description="设备代码; omit for a hazard of the unit"
    )
    severity: Severity = Field(description="general 一般 | major 重大")
    description: str = Field(min_length=1, max_length=2000, description="隐患描述")
    deadline: date | None = Field(default=None, description="整改期限")


class SpotCheckResultWrite(StrictModel):
    use_unit_id: uuid.UUID = Field(description="使用单位, one of the draw's units")
    conclusion: SpotCheckConclusion = Field(description=CONCLUSION_DESCRIPTION)
    checked_on: date = Field(description="检查日期")
    equipment_checked: int = Field(ge=0, le=100_000, description="设备 checked")
    hazards_found: int = Field(ge=0, le=100_000, description="隐患 found")
    findings: str = Field(min_length=1, max_length=4000, description="检查情况")
    hazards: list[SpotCheckHazardWrite] = Field(
        default_factory=list,
        max_length=100,
        description="隐患 found, each opened as a hazard (source spot_check); as many as "
        "`hazards_found`. Without a list, counted hazards open one hazard of the unit",
    )


class SpotCheckResultRead(BaseModel):
    conclusion: SpotCheckConclusion = Field(description=CONCLUSION_DESCRIPTION)
    checked_on: date
    equipment_checked: int
    hazards_found: int
    findings: str
    recorded_at: datetime
    hazard_ids: list[uuid.UUID] = Field(
        default_factory=list, description="the hazards (隐患) the result opened, in its order"
    )


class DrawnUnitRead(BaseModel):
    position: int = Field(description="order drawn, from 1")
    use_unit_id: uuid.UUID
    grade: RiskGrade
    result: SpotCheckResultRead | None = Field(description="null until recorded")


class DrawnInspectorRead(BaseModel):
    position: int
    inspector_id: uuid.UUID
    name: str | None = Field(description="null if the inspector was since removed")


class CandidateRead(BaseModel):
    use_unit_id: uuid.UUID
    grade: RiskGrade
    weight: int = Field(description="lots held in the draw")


class DrawRead(BaseModel):
    id: uuid.UUID
    seed: int = Field(description="the seed of random.Random")
    as_of: date
    park: str | None
    unit_count: int
    inspector_count: int
    drawn_at: datetime
    units: list[DrawnUnitRead]
    inspectors: list[DrawnInspectorRead]
    candidates: list[CandidateRead] = Field(
        description="the units drawn from, in the order the draw walks them"
    )
    inspector_pool: list[uuid.UUID] = Field(
        description="the inspectors drawn from, in the order the draw walks them"
    )
    reproduced: bool = Field(
        description="drawing again from the seed and the lists above gives the same picks"
    )
