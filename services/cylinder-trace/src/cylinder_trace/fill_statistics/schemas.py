"""Answer models of the daily fill statistics (充装统计)."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field


class FillDayStatistics(BaseModel):
    station_id: uuid.UUID = Field(description="充装单位")
    day: date = Field(description="营业日 (Asia/Shanghai) the fills started on")
    fills: int = Field(description="fills stored: accepted + refused")
    accepted: int
    refused: int = Field(description="拒绝充装")
    refusals_by_reason: dict[str, int] = Field(
        description="refused fills per reason; a fill refused for two reasons counts in both"
    )
    accepted_by_medium: dict[str, int] = Field(description="accepted fills per medium (充装介质)")
    refused_by_medium: dict[str, int] = Field(description="refused fills per medium")


class FillStatisticsPage(BaseModel):
    items: list[FillDayStatistics] = Field(description="by day, then station")
    next_cursor: str | None = None


class FillStatisticsCursor(BaseModel):
    day: date
    station_id: uuid.UUID
