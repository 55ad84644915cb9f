"""Request and response models of the annual report (年度特种设备安全状况分析报告)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from reporting.indicators.schemas import ElevatorIndicatorRanking, ElevatorIndicators
from reporting.rankings.schemas import CompanyRow

_PERCENT = "percentage rounded half-up to two decimals; null when there is nothing to divide by"


class ReportFormat(StrEnum):
    html = "html"
    pdf = "pdf"
    json = "json"


class CategoryCount(BaseModel):
    category: str = Field(description="特种设备目录 code, e.g. 3000")
    label: str = Field(description="类别, e.g. 电梯")
    on_register: int = Field(description="在册 at the year's end")
    in_service: int = Field(description="在用 at the year's end")


class YearCount(BaseModel):
    year: int
    count: int
    growth_rate: float | None = Field(description=f"较上年增长, {_PERCENT}")


class ParkCount(BaseModel):
    park: str = Field(description="园区")
    on_register: int
    share: float | None = Field(description=f"占总量, {_PERCENT}")
    by_category: dict[str, int] = Field(description="on the register, per category code")
    trend: list[YearCount] = Field(description="on the register at each trend year's end")


class EquipmentSection(BaseModel):
    """特种设备基本情况 (figures 1–6): gas cylinders counted apart (不含气瓶)."""

    as_of: date
    on_register: int
    growth_rate: float | None = Field(description=f"较上年增长, {_PERCENT}")
    cylinders: int = Field(description="在册气瓶")
    by_category: list[CategoryCount]
    by_park: list[ParkCount]
    trend: list[YearCount] = Field(description="figure 4: on the register, last three years")
    elevators_on_register: int
    elevator_trend: list[YearCount] = Field(description="figure 6: elevators in service")


class StaffRow(BaseModel):
    """One line of table 1: a supervision body (监察机构), or the total (合计)."""

    supervision_body: str = Field(description="监察机构; 合计 in the total")
    staff: int = Field(description="监察人员数")
    certificate_level_a: int = Field(description="安全监察员证数 A类")
    certificate_level_b: int = Field(description="安全监察员证数 B类")
    active: int = Field(description="在岗人数")


class StaffSection(BaseModel):
    """表 1 特种设备安全监察机构情况: the supervision staff the registry holds, by body.

    Counted as at the year's end as far as the data allows: a member entered in the registry
    after the year's end is left out, but body, certificate and on duty (在岗) are each
    member's current state, since the registry publishes no history of them."""

    as_of: date
    bodies: int = Field(description="监察机构数 (staff without a body named are not one)")
    certified: int = Field(description="持证特种设备安全监察员 (A类 + B类)")
    rows: list[StaffRow] = Field(description="one per body")
    total: StaffRow = Field(description="合计")
    note: str | None = Field(description="why the table is empty; null when it is not")


class LicenceRow(BaseModel):
    kind: str = Field(description="maintenance | filling | inspection | installation")
    label: str
    units: int = Field(description="units holding an active licence valid at the year's end")
    issued: int = Field(description="licences whose validity began in the year (新发/换发)")


class RescueSection(BaseModel):
    """困人救援 (96333): the incidents dispatched in the year, as the elevator-maintenance
    service's rescue figures count them — times from dispatch; an incident never acknowledged
    or never reached counts against its rate."""

    incidents: int
    people_freed: int
    acknowledged_within_3_min: int
    arrived_within_30_min: int
    response_rate: float | None = Field(description="3 分钟响应率 (%)")
    arrival_rate: float | None = Field(description="30 分钟到达率 (%)")
    average_arrival_minutes: float | None = Field(description="平均到达用时 (dispatch → arrival)")
    average_rescue_minutes: float | None = Field(description="平均救援用时 (arrival → release)")
    trappings_per_1000_elevators_per_month: float | None = Field(
        description="困人率: incidents per 1,000 elevators in use per month"
    )


class ElevatorSection(BaseModel):
    """电梯维保情况 with Table 3 and Table 4."""

    on_register: int
    indicators: ElevatorIndicators = Field(description="Table 3's figures for all elevators")
    by_park: ElevatorIndicatorRanking = Field(description="Table 3, one row per park")
    maintenance_companies: int = Field(description="companies holding a valid contract")
    top_companies: list[CompanyRow] = Field(description="Table 4: the first ten by rank")
    rescue: RescueSection


class InspectionCategoryRow(BaseModel):
    category: str
    label: str
    inspections: int = Field(description="the agencies' inspections in the year")
    average_rate: float | None = Field(description=f"年平均检验率 of the category, {_PERCENT}")


class ParkRate(BaseModel):
    park: str
    rate: float | None = Field(description=_PERCENT)


class InspectionSection(BaseModel):
    """特种设备检验检测情况 (figure 7)."""

    inspections: int = Field(description="the agencies' inspections in the year (自检 aside)")
    by_category: list[InspectionCategoryRow]
    average_rate: float | None = Field(
        description=f"年平均检验率: the mean of the twelve month-end inspection rates, {_PERCENT}"
    )
    by_park: list[ParkRate]


class ParkHazards(BaseModel):
    park: str
    hazards: int
    checked: int
    rate: float | None = Field(description=f"隐患率, {_PERCENT}")
    due: int = Field(description="hazards whose deadline fell in the year")
    rectified_in_time: int = Field(description="of those, closed within their deadline")
    rectification_rate: float | None = Field(description=f"整改率, {_PERCENT}")


class HazardSection(BaseModel):
    """特种设备隐患率 (figures 8–9)."""

    source: str = Field(description="where the hazards were counted from")
    hazards: int
    checked: int
    rate: float | None = Field(
        description=f"年平均隐患率 = hazards ÷ equipment checked, {_PERCENT}"
    )
    due: int
    rectified_in_time: int
    rectification_rate: float | None = Field(
        description=f"整改率 = closed within deadline ÷ due in the year, {_PERCENT}"
    )
    by_source: dict[str, int] = Field(description="hazards found in the year per source")
    by_park: list[ParkHazards]


class CertificateRow(BaseModel):
    item: str = Field(description="作业项目代号")
    label: str
    valid: int = Field(description="valid at the year's end")
    issued: int = Field(description="issued in the year")


class CertificateSection(BaseModel):
    """作业人员持证情况 (figure 10)."""

    valid: int
    issued: int
    by_item: list[CertificateRow]


class DueStageRow(BaseModel):
    stage: str = Field(description="reminder | warning | overdue")
    label: str
    stages: int = Field(description="stages fired in the year (台次)")
    use_units: int = Field(description="distinct use units they concerned (家)")


class PlanRead(BaseModel):
    year: int
    plan_text: str = Field(description="下一年度工作计划")
    version: int
    updated_at: datetime
    updated_by_client: str = Field(description="the API client that wrote it (audit)")
    updated_by_organisation: uuid.UUID


class PlanUpdate(BaseModel):
    """The bureau's plan for the next year, printed as the report's last section."""

    model_config = ConfigDict(extra="forbid")

    plan_text: str = Field(min_length=1, max_length=50_000, description="工作计划, plain text")


class AnnualReport(BaseModel):
    year: int
    period_start: date
    period_end: date
    generated_at: datetime
    equipment: EquipmentSection
    staff: StaffSection
    licences: list[LicenceRow]
    elevators: ElevatorSection
    inspections: InspectionSection
    hazards: HazardSection
    certificates: CertificateSection
    due_workflow: list[DueStageRow]
    plan: PlanRead | None
