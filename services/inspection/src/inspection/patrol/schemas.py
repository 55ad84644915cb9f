from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from inspection.inspections.schemas import EQUIPMENT_CODE, Severity
from inspection.patrol.rules import PatrolHazardOutcome
from tzsb_common.json_bodies import StrictModel
from tzsb_common.pagination import Page


class PatrolCounts(BaseModel):
    as_of: date = Field(description="巡查日期: the day the questions are asked for")
    past_due: int = Field(description="在用超期未检: in use, due date before as_of")
    never_inspected: int = Field(description="在用未检验: in use, no inspection recorded")
    no_maintenance_contract: int = Field(
        description="在用电梯无有效维保合同: elevators in use without a contract in force on as_of"
    )
    failed_inspection: int = Field(
        description="检验不合格仍在用: in use, the latest inspection failed"
    )
    unregistered_in_use: int = Field(
        description="未登记仍使用: codes seen in use (hazard signals, inspection reports, "
        "rescues, monitoring alarms) that "
        "the registry does not hold, and registry equipment in use without a 使用登记证"
    )


class PatrolItem(BaseModel):
    equipment_code: str = Field(description="设备代码")
    known_to_registry: bool = Field(description="the registry holds a record of this code")
    category: str | None
    variety: str | None
    park: str | None
    use_unit_id: uuid.UUID | None = Field(
        description="使用单位 (for an unknown code: the unit the sender named, if any)"
    )
    registration_number: str | None = Field(description="使用登记证编号")
    due_on: date | None = Field(description="下次检验日期")
    last_inspected_on: date | None
    last_conclusion: str | None
    seen_in: list[str] = Field(
        description="where the code was seen in use: hazard_signal | inspection_post | "
        "rescue 96333困人 | monitoring_alarm 远程监测报警"
    )
    last_seen_at: datetime | None


class PatrolPage(Page[PatrolItem]):
    as_of: date
    question: str


class PatrolHazardsCreate(StrictModel):
    """网上巡查发现隐患 — open hazards on equipment a patrol question names."""

    equipment_codes: list[Annotated[str, StringConstraints(pattern=EQUIPMENT_CODE)]] | None = Field(
        default=None,
        min_length=1,
        max_length=1000,
        description="设备代码 on the question's list; or `all: true`",
    )
    all: bool = Field(default=False, description="every piece of equipment the question names")
    as_of: date | None = Field(default=None, description="巡查日期; today if omitted")
    park: str | None = Field(
        default=None, min_length=1, max_length=100, description="园区, with `all`"
    )
    use_unit_id: uuid.UUID | None = Field(default=None, description="使用单位, with `all`")
    severity: Severity | None = Field(
        default=None, description="general 一般 | major 重大; the question's default if omitted"
    )
    deadline: date | None = Field(default=None, description="整改期限")


class PatrolHazardItem(BaseModel):
    equipment_code: str
    outcome: PatrolHazardOutcome = Field(
        description="opened 已立案 | already_open 已有未销号隐患 | not_on_list 不在该问题清单 | "
        "no_answerable_unit 无法确定责任单位"
    )
    hazard_id: uuid.UUID | None = Field(description="the hazard opened, or the one still open")


class PatrolHazardsRead(BaseModel):
    question: str
    as_of: date
    opened: int
    already_open: int
    items: list[PatrolHazardItem]
