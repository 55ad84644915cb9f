"""Request and response models of the quarterly contractor rating (维保单位季度评级)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from reporting.indicators.schemas import DefinitionVersions, IndicatorRates
from reporting.ratings.rules import AppealOutcome, AppealStatus

Year = Field(ge=1990, le=2999, description="年度")
Quarter = Field(ge=1, le=4, description="季度 1–4")


class RatingPublish(BaseModel):
    """发布: rate every company of a quarter and publish the ratings."""

    model_config = ConfigDict(extra="forbid")

    year: int = Year
    quarter: int = Quarter


class AppealCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=4000, description="申诉理由")


class AppealDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: AppealOutcome = Field(description="upheld 申诉成立 | dismissed 驳回")
    reason: str = Field(min_length=1, max_length=4000, description="处理意见")
    revised_score: Decimal | None = Field(
        default=None,
        ge=0,
        le=2000,
        max_digits=6,
        decimal_places=2,
        description="更正后得分, for an upheld appeal that corrects the score",
    )


class AppealRead(BaseModel):
    appeal_id: uuid.UUID
    rating_id: uuid.UUID
    reason: str
    lodged_by_client: str
    lodged_by_organisation: uuid.UUID
    lodged_at: datetime
    status: AppealStatus
    decision_reason: str | None
    revised_score: float | None
    decided_by_client: str | None
    decided_by_organisation: uuid.UUID | None
    decided_at: datetime | None


class RatingRead(BaseModel):
    """One company's rating for a quarter, the formula beside the score."""

    rating_id: uuid.UUID | None = Field(description="null until the quarter is published")
    year: int
    quarter: int
    maintenance_company_id: uuid.UUID
    company_name: str | None
    elevators: int = Field(description="维保数 on the quarter's last day")
    rates: IndicatorRates
    composite: float
    bonus_points: float
    rescue_breaches: int = Field(
        description="救援超时: 96333 rescues of the quarter not reached by their arrival deadline"
    )
    rescue_deduction: float = Field(description="points taken off for them")
    score: float = Field(description="得分 as published")
    formula: str = Field(description="计算公式: the sum with this company's figures")
    stars: int = Field(description="星级 1–5")
    rank: int = Field(description="standard competition rank among the rated companies")
    definition_versions: DefinitionVersions
    score_after_appeal: float | None = Field(
        description="the score an upheld appeal corrected it to; null when none did"
    )
    appeals: list[AppealRead]


class UnratedCompany(BaseModel):
    maintenance_company_id: uuid.UUID
    company_name: str | None
    elevators: int = Field(description="too few to be rated")


class QuarterRatings(BaseModel):
    year: int
    quarter: int
    period_start: date
    period_end: date
    published: bool = Field(description="false: a preview of what publishing would rate")
    published_at: datetime | None
    minimum_elevators: int = Field(description="companies with fewer elevators are not rated")
    formula: str = Field(description="计算公式")
    ratings: list[RatingRead]
    not_rated: list[UnratedCompany]
