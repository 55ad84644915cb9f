"""Request and response models of the maintenance-company ranking (Table 4) and bonuses."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from reporting.indicators.schemas import DefinitionVersions, IndicatorRates, Region


class BonusCreate(BaseModel):
    """加分: points the bureau awards a maintenance company, with the reason."""

    model_config = ConfigDict(extra="forbid")

    maintenance_company_id: uuid.UUID = Field(description="维保单位")
    points: Decimal = Field(
        ge=-100, le=100, max_digits=5, decimal_places=2, description="加分; negative deducts"
    )
    reason: str = Field(min_length=1, max_length=1000, description="理由")
    awarded_on: date = Field(description="counts in the rankings of periods that hold this day")


class BonusRead(BaseModel):
    bonus_id: uuid.UUID
    maintenance_company_id: uuid.UUID
    points: float
    reason: str
    awarded_on: date
    awarded_by_client: str = Field(description="the API client that awarded it (audit)")
    awarded_by_organisation: uuid.UUID
    created_at: datetime


class BonusPage(BaseModel):
    items: list[BonusRead]
    next_cursor: str | None = None


class CompanyRow(BaseModel):
    """One maintenance company's row of Table 4 (维保综合排位)."""

    rank: int | None = Field(description="standard competition rank by score (1, 2, 2, 2, 5)")
    maintenance_company_id: uuid.UUID
    name: str | None = Field(description="维保单位名称; null while its registry record is unseen")
    elevators: int = Field(description="维保数: elevators in use under its valid contracts")
    rates: IndicatorRates = Field(description="the eight rates over those elevators")
    composite: float | None = Field(description="the sum of the eight rounded rates")
    bonus_points: float = Field(description="加分 awarded within the period")
    score: float | None = Field(description="综合得分 = composite + bonus points")
    stars: int | None = Field(description="星级, 1–5 by the score bands in the settings")


class MaintenanceCompanyRanking(BaseModel):
    region: Region
    period_start: date
    period_end: date
    rows: list[CompanyRow]
    definition_versions: DefinitionVersions
