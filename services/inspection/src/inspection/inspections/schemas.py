from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field

from inspection.inspection_rules.rules import Conclusion, DueKind
from tzsb_common.contracts.registry import EQUIPMENT_CODE_PATTERN
from tzsb_common.json_bodies import StrictModel

EQUIPMENT_CODE = EQUIPMENT_CODE_PATTERN

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date_only(value: object) -> object:
    # A query string is validated leniently, where "0" would be 1970-01-01; only YYYY-MM-DD is
    # a date here, as in every JSON body.
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


QueryDate = Annotated[date, BeforeValidator(_iso_date_only)]
"""A date in a query string: YYYY-MM-DD only."""


class InspectionKind(StrEnum):
    periodic = "periodic"  # 定期检验
    first = "first"  # 首次检验
    installation_supervision = "installation_supervision"  # 安装监督检验
    self_test = "self_test"  # 自行检测 (电梯, TSG T7008-2023)


class Severity(StrEnum):
    general = "general"  # 一般隐患
    major = "major"  # 重大隐患


CONCLUSION_DESCRIPTION = (
    "pass 合格 | pass_after_reinspection 复检合格 | fail 不合格 | monitored_use 允许监控使用"
)


class HazardWrite(StrictModel):
    description: str = Field(min_length=1, max_length=2000, description="隐患描述")
    severity: Severity = Field(description="general 一般 | major 重大")
    deadline: date = Field(description="整改期限")


class InspectionCreate(StrictModel):
    equipment_code: str = Field(pattern=EQUIPMENT_CODE, description="设备代码")
    report_number: str = Field(
        min_length=1, max_length=100, description="检验报告编号, unique per agency"
    )
    kind: InspectionKind = Field(
        description="periodic 定期检验 | first 首次检验 | installation_supervision 安装监督检验 "
        "| self_test 自行检测"
    )
    inspected_on: date = Field(description="检验日期")
    conclusion: Conclusion = Field(description=CONCLUSION_DESCRIPTION)
    next_due_on: date | None = Field(
        default=None, description="下次检验日期; computed from the rules when not given"
    )
    hazards: list[HazardWrite] = Field(default_factory=list, max_length=200, description="隐患")


class HazardRead(BaseModel):
    id: uuid.UUID
    description: str
    severity: Severity
    deadline: date | None
    state: str


class InspectionRead(BaseModel):
    id: uuid.UUID
    agency_id: uuid.UUID
    equipment_code: str
    report_number: str
    kind: InspectionKind
    inspected_on: date
    conclusion: Conclusion = Field(description=CONCLUSION_DESCRIPTION)
    next_due_on: date | None
    next_due_kind: DueKind | None
    next_due_computed: bool = Field(description="true: computed from the rules")
    legal_source: str | None
    valid: bool = Field(description="the inspection lets the equipment be used")
    hazards: list[HazardRead]
    recorded_at: datetime
