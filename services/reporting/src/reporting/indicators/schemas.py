"""Request and response models of the elevator indicators (电梯综合管理指标, Table 3)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from tzsb_common.days import PlausibleDay


class IndicatorGrouping(StrEnum):
    """`group_by`: one row per region of this level."""

    park = "park"
    district = "district"
    city = "city"


class ExportFormat(StrEnum):
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


class Region(BaseModel):
    """A region as far as it is named; the levels not named are null."""

    province: str | None = Field(default=None, description="省")
    city: str | None = Field(default=None, description="市")
    district: str | None = Field(default=None, description="区县 / 新区")
    park: str | None = Field(default=None, description="园区")


_RATE = "percentage rounded half-up to two decimals; null when no elevator is in use"


class IndicatorRates(BaseModel):
    """The eight rates of Table 3 (DOMAIN.md defines each)."""

    record_completeness: float | None = Field(description=f"档案信息完整率, {_RATE}")
    registration: float | None = Field(description=f"登记率, {_RATE}")
    inspection: float | None = Field(description=f"检验率, {_RATE}")
    contract_validity: float | None = Field(description=f"维保合同有效率, {_RATE}")
    swipe_maintenance: float | None = Field(description=f"刷卡维保率, {_RATE}")
    on_time_maintenance: float | None = Field(description=f"按期维保率, {_RATE}")
    emergency_platform: float | None = Field(description=f"处置平台进入率, {_RATE}")
    label: float | None = Field(description=f"贴牌率, {_RATE}")


_VERSION = "the version of its definition (指标口径) the figure was computed by"


class DefinitionVersions(BaseModel):
    """Per rate, the version of its definition in effect on the period's last day."""

    record_completeness: int = Field(description=f"档案信息完整率: {_VERSION}")
    registration: int = Field(description=f"登记率: {_VERSION}")
    inspection: int = Field(description=f"检验率: {_VERSION}")
    contract_validity: int = Field(description=f"维保合同有效率: {_VERSION}")
    swipe_maintenance: int = Field(description=f"刷卡维保率: {_VERSION}")
    on_time_maintenance: int = Field(description=f"按期维保率: {_VERSION}")
    emergency_platform: int = Field(description=f"处置平台进入率: {_VERSION}")
    label: int = Field(description=f"贴牌率: {_VERSION}")


_COMPOSITE = "综合得分: the sum of the eight rounded rates; null when no elevator is in use"


class ElevatorIndicators(BaseModel):
    """电梯综合管理指标 of one region over a period."""

    region: Region
    period_start: date
    period_end: date
    elevators_in_use: int = Field(description="在用数: elevators in use on the period's last day")
    rates: IndicatorRates
    composite: float | None = Field(description=_COMPOSITE)
    definition_versions: DefinitionVersions


class RankedRegion(BaseModel):
    """One row of the ranking (综合排位)."""

    rank: int | None = Field(description="standard competition rank by composite (1, 2, 2, 2, 5)")
    region: Region
    elevators_in_use: int
    rates: IndicatorRates
    composite: float | None = Field(description=_COMPOSITE)


class ElevatorIndicatorRanking(BaseModel):
    """Table 3: one row per region of the `group_by` level inside the filtered region, best
    first. Regions without an elevator in use have no row."""

    region: Region = Field(description="the region filter the rows lie in")
    period_start: date
    period_end: date
    group_by: IndicatorGrouping
    rows: list[RankedRegion]
    definition_versions: DefinitionVersions


class IndicatorDefinitionRead(BaseModel):
    """One version of an indicator's definition (指标口径)."""

    indicator: str
    version: int
    valid_from: date = Field(description="in effect for periods ending on or after this day")
    name: str = Field(description="指标名称")
    formula: str = Field(description="口径")
    parameters: dict[str, object]


class IndicatorDefinitionList(BaseModel):
    items: list[IndicatorDefinitionRead]


class PublicationCreate(BaseModel):
    """公布: the figures of a period as the bureau publishes them."""

    model_config = ConfigDict(extra="forbid")

    period_start: PlausibleDay = Field(description="统计期起")
    period_end: PlausibleDay = Field(description="统计期止")
    province: str | None = Field(default=None, min_length=1, max_length=100)
    city: str | None = Field(default=None, min_length=1, max_length=100)
    district: str | None = Field(default=None, min_length=1, max_length=100)
    park: str | None = Field(default=None, min_length=1, max_length=100)
    group_by: IndicatorGrouping | None = Field(default=None, description="综合排位 by region")


class PublicationRead(BaseModel):
    publication_id: uuid.UUID
    period_start: date
    period_end: date
    region: Region
    group_by: IndicatorGrouping | None
    definition_versions: DefinitionVersions
    figures: ElevatorIndicators | ElevatorIndicatorRanking = Field(
        description="the answer as published, exactly"
    )
    published_by_client: str
    published_by_organisation: uuid.UUID
    published_at: datetime


class PublicationPage(BaseModel):
    items: list[PublicationRead]
    next_cursor: str | None = None
