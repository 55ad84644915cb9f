from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

RATE_DESCRIPTION = "percentage, half-up to two decimals; null when the denominator is 0"


class InspectionRate(BaseModel):
    equipment_in_use: int = Field(description="在用设备 (denominator)")
    inspected: int = Field(
        description="of them, with a valid inspection whose next due date is on or after "
        "period_end (numerator)"
    )
    rate: Decimal | None = Field(description=f"检验率, {RATE_DESCRIPTION}")


class CategoryInspectionRate(InspectionRate):
    category: str = Field(description="设备类别, e.g. 3000 电梯")


class ParkInspectionRate(InspectionRate):
    park: str | None = Field(description="园区; null: equipment in no park")


class HazardRate(BaseModel):
    hazards_found: int = Field(
        description="hazards recorded with the period's inspections (numerator)"
    )
    equipment_checked: int = Field(
        description="distinct equipment inspected in the period (denominator)"
    )
    rate: Decimal | None = Field(description=f"隐患率, {RATE_DESCRIPTION}")


class RectificationRate(BaseModel):
    hazards_due: int = Field(description="hazards whose deadline falls in the period")
    closed_within_deadline: int = Field(
        description="of them, closed. The hazards table does not yet record when a hazard was "
        "closed, so a hazard closed after its deadline also counts until it does"
    )
    rate: Decimal | None = Field(description=f"整改率, {RATE_DESCRIPTION}")


class RatesRead(BaseModel):
    period_start: date
    period_end: date = Field(description="included")
    inspection_rate: InspectionRate = Field(description="over all equipment in use")
    inspection_rates_by_category: list[CategoryInspectionRate]
    inspection_rates_by_park: list[ParkInspectionRate]
    hazard_rate: HazardRate
    rectification_rate: RectificationRate
