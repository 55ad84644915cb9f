"""Answer models of the daily swipe statistics (刷卡统计)."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field


class SwipeDayStatistics(BaseModel):
    company_id: uuid.UUID = Field(description="维保单位")
    day: date = Field(description="营业日 (Asia/Shanghai) of the swipes' time `at`")
    swipes: int = Field(description="刷卡总数: swipes stored, accepted + rejected")
    accepted: int = Field(description="受理")
    rejected: int = Field(description="被拒")
    rejected_by_reason: dict[str, int] = Field(
        description="被拒原因: rejected swipes per reason code (e.g. outside_geofence 超出电子"
        "围栏); a swipe rejected for two reasons counts under both"
    )


class SwipeStatisticsPage(BaseModel):
    items: list[SwipeDayStatistics] = Field(description="by day, then company")
    next_cursor: str | None = None


class SwipeStatisticsCursor(BaseModel):
    day: date
    company_id: uuid.UUID
