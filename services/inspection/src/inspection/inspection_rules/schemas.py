from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from inspection.inspection_rules.rules import Schedule
from tzsb_common.json_bodies import StrictModel

CATEGORY_PATTERN = r"^[1-9F]000$"
VARIETY_PATTERN = r"^[0-9A-Z]{4}$"
SCHEDULE_DESCRIPTION = (
    "months 按月周期 | elevator_years 电梯年度计划 (TSG T7001-2023: 定期检验 in the "
    "inspection_years, 自行检测 in the others) | not_permitted 不得使用 (e.g. 安全状况等级 5)"
)


class _InspectionRuleFields(BaseModel):
    category: str = Field(pattern=CATEGORY_PATTERN, description="设备种类, e.g. 3000 电梯")
    variety: str | None = Field(
        default=None,
        pattern=VARIETY_PATTERN,
        description="品种 or 类别 (4300 covers 4310, 4320); null: the whole category",
    )
    safety_grade: int | None = Field(
        default=None, ge=1, le=5, description="安全状况等级; null: any grade"
    )
    schedule: Schedule = Field(description=SCHEDULE_DESCRIPTION)
    interval_months: int | None = Field(
        default=None, ge=1, le=240, description="检验周期 (months) used when the agency sets none"
    )
    max_interval_months: int | None = Field(
        default=None, ge=1, le=240, description="最长检验周期: the latest next due date allowed"
    )
    first_inspection_months: int | None = Field(
        default=None, ge=1, le=240, description="首次检验期限 after commissioning (投入使用)"
    )
    monitored_use_max_months: int | None = Field(
        default=None, ge=1, le=120, description="允许监控使用 at most this long in total"
    )
    inspection_years: list[int] = Field(
        default_factory=list,
        max_length=100,
        description="elevator_years: the years after commissioning with an agency inspection",
    )
    early_inspection_months: int = Field(
        default=0, ge=0, le=12, description="how early an agency may inspect (电梯: 2 months)"
    )
    legal_source: str = Field(min_length=1, max_length=300, description="依据, e.g. TSG 21-2016")
    valid_from: date = Field(description="施行日期: applies to inspections from this date")


class InspectionRuleWrite(_InspectionRuleFields):
    model_config = StrictModel.model_config


class InspectionRuleRead(_InspectionRuleFields):
    pass


class InspectionRulesWrite(StrictModel):
    rules: list[InspectionRuleWrite] = Field(min_length=1, max_length=1000)


class InspectionRulesRead(BaseModel):
    version: int = Field(description="the table's version; send it back in If-Match")
    rules: list[InspectionRuleRead]
