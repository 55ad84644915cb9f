from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field

from inspection.risk_grades.rules import RiskGrade
from tzsb_common.pagination import Page

GRADE_DESCRIPTION = "A 低风险 | B | C | D 高风险"


class RiskFiguresRead(BaseModel):
    equipment_in_use: int = Field(description="在用设备 (not scored; for scale)")
    general_hazards: int = Field(description="一般隐患 found in the year")
    major_hazards: int = Field(description="重大隐患 found in the year")
    overdue_equipment: int = Field(description="equipment that went 超期未检 in the year")
    failed_inspections: int = Field(description="不合格 inspections in the year")


class RiskWeightsRead(BaseModel):
    general_hazard: int
    major_hazard: int
    overdue_equipment: int
    failed_inspection: int


class GradeBandsRead(BaseModel):
    b_from: int = Field(description="lowest score graded B")
    c_from: int = Field(description="lowest score graded C")
    d_from: int = Field(description="lowest score graded D")


class RiskGradeSummary(BaseModel):
    use_unit_id: uuid.UUID = Field(description="使用单位")
    grade: RiskGrade = Field(description=GRADE_DESCRIPTION)
    score: int
    figures: RiskFiguresRead


class RiskGradeRead(RiskGradeSummary):
    as_of: date
    year_from: date = Field(description="first day of the year graded (included)")
    year_to: date = Field(description="last day of the year graded (included): as_of")
    weights: RiskWeightsRead = Field(description="points per finding (settings)")
    bands: GradeBandsRead = Field(description="where each grade starts (settings)")


class RiskGradePage(Page[RiskGradeSummary]):
    as_of: date
    year_from: date
    year_to: date
