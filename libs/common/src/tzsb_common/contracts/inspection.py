"""Events the inspection service publishes (检验): results, the stages of the due schedule, and
spot checks (双随机、一公开)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from tzsb_common.events import EventPayload, register_event

RESULT_TOPIC = "tzsb.inspection.result"
DUE_TOPIC = "tzsb.inspection.due"
SPOT_CHECK_TOPIC = "tzsb.inspection.spot_check"

InspectionKind = Literal["periodic", "first", "installation_supervision", "self_test"]
Conclusion = Literal["pass", "pass_after_reinspection", "fail", "monitored_use"]
DueStage = Literal["reminder", "warning", "overdue"]
DueKind = Literal["periodic", "self_test"]


class HazardFound(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hazard_id: uuid.UUID
    description: str
    severity: Literal["general", "major"] = Field(description="一般 general | 重大 major")
    deadline: date = Field(description="整改期限")


@register_event
class InspectionResultV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.inspection.result.v1"
    topic: ClassVar[str] = RESULT_TOPIC
    summary: ClassVar[str] = "An inspection agency recorded an inspection (检验结果) of equipment"

    inspection_id: uuid.UUID
    equipment_code: str = Field(description="设备代码")
    agency_id: uuid.UUID = Field(description="检验机构")
    report_number: str = Field(description="检验报告编号, unique per agency")
    kind: InspectionKind = Field(
        description="periodic 定期检验 | first 首次检验 | installation_supervision 安装监督检验 "
        "| self_test 自行检测"
    )
    inspected_on: date
    conclusion: Conclusion = Field(
        description="pass 合格 | pass_after_reinspection 复检合格 | fail 不合格 "
        "| monitored_use 允许监控使用"
    )
    valid: bool = Field(description="the equipment holds a valid inspection after this one")
    next_due_on: date | None = Field(description="下次检验日期; null after a failed inspection")
    next_due_kind: DueKind | None = Field(description="what is due next: inspection or self-test")
    hazards: list[HazardFound]


@register_event
class InspectionDueV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.inspection.due.v1"
    topic: ClassVar[str] = DUE_TOPIC
    summary: ClassVar[str] = (
        "A stage of the three-step due workflow: reminder 提醒, warning 预警 (a supervision order "
        "drafted), overdue 超期 (a major hazard opened, use to stop)"
    )

    equipment_code: str = Field(description="设备代码")
    stage: DueStage
    due_on: date = Field(description="the due date this stage belongs to")
    due_kind: DueKind
    as_of: date = Field(description="the business date of the scan that fired the stage")
    use_unit_id: uuid.UUID = Field(description="使用单位")
    category: str
    variety: str
    park: str | None


RiskGrade = Literal["A", "B", "C", "D"]
SpotCheckConclusion = Literal["compliant", "hazards_found", "not_checkable"]


class SpotCheckUnitDrawn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    position: int = Field(description="order in which the unit was drawn, from 1")
    use_unit_id: uuid.UUID = Field(description="使用单位")
    grade: RiskGrade = Field(description="风险等级 at the draw: A 低 … D 高")


@register_event
class SpotCheckDrawnV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.inspection.spot_check.drawn.v1"
    topic: ClassVar[str] = SPOT_CHECK_TOPIC
    summary: ClassVar[str] = (
        "The bureau drew units to check and inspectors to send (双随机); the seed and the "
        "candidate lists are kept, so anyone can draw it again (一公开)"
    )

    draw_id: uuid.UUID
    seed: int = Field(description="the seed of random.Random the draw used")
    as_of: date = Field(description="the risk grades were those of this day")
    park: str | None = Field(description="园区 the candidates were limited to, if any")
    candidate_count: int = Field(description="units the draw chose from")
    units: list[SpotCheckUnitDrawn]
    inspector_ids: list[uuid.UUID] = Field(description="执法检查人员, in draw order")


@register_event
class SpotCheckResultV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.inspection.spot_check.result.v1"
    topic: ClassVar[str] = SPOT_CHECK_TOPIC
    summary: ClassVar[str] = "The result of checking one drawn unit was recorded (一公开)"

    draw_id: uuid.UUID
    use_unit_id: uuid.UUID = Field(description="使用单位")
    conclusion: SpotCheckConclusion = Field(
        description="compliant 未发现问题 | hazards_found 发现问题 | not_checkable 无法检查"
    )
    checked_on: date = Field(description="检查日期")
    equipment_checked: int = Field(description="设备 checked at the unit")
    hazards_found: int = Field(description="隐患 found")
    findings: str = Field(description="检查情况, in Chinese")
