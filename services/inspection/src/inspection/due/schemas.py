from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from tzsb_common.json_bodies import StrictModel


class DueScanCreate(StrictModel):
    as_of: date = Field(description="the business date to scan for (a missed day, a re-run)")


class DueStageCounts(BaseModel):
    reminder: int = Field(description="提醒 sent by this pass")
    warning: int = Field(description="预警 sent (and supervision orders drafted)")
    overdue: int = Field(description="超期 (major hazards opened, orders to stop use drafted)")


class DueScanRead(BaseModel):
    as_of: date
    counts: DueStageCounts = Field(description="stages newly fired by this pass")
    hazards_overdue: int = Field(
        default=0, description="整改超期: hazards this pass found past their deadline"
    )
    seals_expired: int = Field(
        default=0, description="查封期满: seals this pass found run out unreleased"
    )
