from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from registry.equipment.schemas import EQUIPMENT_CODE
from tzsb_common.json_bodies import StrictModel
from tzsb_common.pagination import Page

MIN_MAINTENANCE_INTERVAL_DAYS = 15
"""TSG T5002: the regular interval between maintenance visits is at most 15 days."""
MAX_MAINTENANCE_INTERVAL_DAYS = 90
"""按需维保 pilots let a remotely monitored elevator go up to a quarter between visits."""
MAX_ELEVATORS_PER_CONTRACT = 1000


class ContractStatus(StrEnum):
    active = "active"  # 有效
    terminated = "terminated"  # 提前终止


INTERVAL_DESCRIPTION = (
    f"按需维保 (on-demand maintenance with remote monitoring): days between visits, "
    f"{MIN_MAINTENANCE_INTERVAL_DAYS}–{MAX_MAINTENANCE_INTERVAL_DAYS}; null (default): the "
    "regular half-monthly maintenance, at most 15 days apart (TSG T5002)"
)


class ContractCreate(StrictModel):
    """维保合同 — a maintenance company takes over one or more elevators for a period."""

    model_config = ConfigDict(extra="forbid")

    maintenance_company_id: uuid.UUID = Field(description="维保单位")
    equipment_codes: list[Annotated[str, Field(pattern=EQUIPMENT_CODE)]] = Field(
        min_length=1,
        max_length=MAX_ELEVATORS_PER_CONTRACT,
        description="the elevators (设备代码, category 3000) the contract covers",
    )
    valid_from: date = Field(description="合同起始日 (included)")
    valid_to: date = Field(description="合同终止日 (included)")
    maintenance_interval_days: int | None = Field(
        default=None,
        ge=MIN_MAINTENANCE_INTERVAL_DAYS,
        le=MAX_MAINTENANCE_INTERVAL_DAYS,
        description=INTERVAL_DESCRIPTION,
    )


class ContractTermination(StrictModel):
    """提前终止 — the contract ends before its term."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    terminated_on: date = Field(
        description="终止日期: the last day the contract is in force (included); the day "
        "before valid_from voids a contract that has not begun"
    )
    reason: str = Field(min_length=1, max_length=1000, description="终止原因")


class ContractRead(BaseModel):
    id: uuid.UUID
    maintenance_company_id: uuid.UUID = Field(description="维保单位")
    equipment_codes: list[str] = Field(description="设备代码, sorted")
    valid_from: date
    valid_to: date
    maintenance_interval_days: int | None = Field(description=INTERVAL_DESCRIPTION)
    status: ContractStatus = Field(description="active 有效 | terminated 提前终止")
    terminated_on: date | None
    termination_reason: str | None
    in_force_until: date = Field(description="terminated_on if set, else valid_to (included)")
    version: int
    created_at: datetime
    updated_at: datetime


ContractPage = Page[ContractRead]
