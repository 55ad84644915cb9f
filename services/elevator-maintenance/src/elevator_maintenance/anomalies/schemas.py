from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from elevator_maintenance.anomalies.rules import AnomalyKind
from tzsb_common.pagination import Page


class AnomalyRead(BaseModel):
    id: uuid.UUID
    company_id: uuid.UUID = Field(description="维保单位")
    kind: AnomalyKind = Field(
        description="short_visit 维保时间过短 | impossible_travel 异地不可能到达 | "
        "too_many_visits 单日维保过多 | overlapping_visits 维保时间重叠"
    )
    equipment_code: str = Field(description="设备代码 of the visit that revealed it")
    certificate_number: str | None = Field(description="作业人员证编号; null for a short visit")
    visit_id: uuid.UUID
    other_visit_id: uuid.UUID | None = Field(description="the visit it conflicts with")
    observed_at: datetime = Field(description="when the anomalous visit took place")
    details: dict[str, Any] = Field(description="minutes, km and km/h, visit count and day")
    created_at: datetime


AnomalyPage = Page[AnomalyRead]


class AnomalyCursor(BaseModel):
    observed_at: datetime
    id: uuid.UUID
