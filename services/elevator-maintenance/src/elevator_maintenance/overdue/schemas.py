from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from tzsb_common.json_bodies import StrictModel


class OverdueScanCreate(StrictModel):
    as_of: date = Field(description="the business date to scan for (a missed day, a re-run)")


class OverdueStageCounts(BaseModel):
    overdue: int = Field(description="维保超期 spells found by this pass (each signalled once)")


class OverdueScanRead(BaseModel):
    as_of: date
    counts: OverdueStageCounts = Field(description="stages newly fired by this pass")
