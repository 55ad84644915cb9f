"""Request and answer models of fill records (充装记录)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, TypedDict

from pydantic import AwareDatetime, BaseModel, Field
from pydantic_core import to_json

from cylinder_trace.ingestion import ItemError
from tzsb_common.json_bodies import StrictModel
from tzsb_common.problems import FieldError


class PrefillChecks(StrictModel):
    """充装前检查 — true: the check passed."""

    appearance: bool = Field(description="外观")
    residual_pressure: bool = Field(description="余压")
    valve: bool = Field(description="瓶阀")
    inspection_mark: bool = Field(description="检验标志 (in date)")
    medium_marking: bool = Field(description="介质标识")

    @property
    def all_passed(self) -> bool:
        return (
            self.appearance
            and self.residual_pressure
            and self.valve
            and self.inspection_mark
            and self.medium_marking
        )


class PostfillChecks(StrictModel):
    """充装后检查 — true: the check passed."""

    leak: bool = Field(description="泄漏检查")
    mass_or_pressure: bool = Field(description="充装量或压力复核")
    temperature: bool = Field(description="瓶体温度")

    @property
    def all_passed(self) -> bool:
        return self.leak and self.mass_or_pressure and self.temperature


class FillCreate(StrictModel):
    fill_id: str = Field(
        min_length=1, max_length=100, description="the station's own id; a retry repeats it"
    )
    cylinder_code: str = Field(min_length=1, max_length=64, description="气瓶编码")
    filler_certificate: str = Field(
        min_length=1, max_length=64, description="充装人员作业人员证编号 (item P)"
    )
    medium: str = Field(min_length=1, max_length=32, description="充装介质")
    started_at: AwareDatetime = Field(description="RFC 3339")
    ended_at: AwareDatetime = Field(description="RFC 3339, not before started_at")
    prefill_checks: PrefillChecks
    postfill_checks: PostfillChecks
    filled_mass_kg: float | None = Field(default=None, ge=0, le=10_000, description="充装量 kg")
    final_pressure_mpa: float | None = Field(default=None, ge=0, le=100, description="充装压力 MPa")


FillItem = Annotated[FillCreate | Any, Field(union_mode="left_to_right")]


class FillBatch(StrictModel):
    fills: list[FillItem] = Field(description="at most 1,000 fills")


FillBody = Annotated[FillBatch | FillItem, Field(union_mode="left_to_right")]
"""One fill, or `{"fills": [...]}`."""


class FillStatus(StrEnum):
    accepted = "accepted"
    refused = "refused"
    duplicate = "duplicate"


class FillResult(BaseModel):
    fill_id: str | None
    status: FillStatus
    reasons: list[str] = Field(
        description="every refusal reason that applies; for a duplicate, those of the first"
    )
    errors: list[ItemError] | None = Field(
        default=None, description="the offending fields of an `invalid` item"
    )


class FillResults(BaseModel):
    results: list[FillResult] = Field(description="one per fill, in order")


class FillAnswer(TypedDict):
    """A `FillResult` as the service builds it, from values it made or stored: validating
    1,000 answers again would cost about as much as judging the fills."""

    fill_id: str | None
    status: str
    reasons: list[str]
    errors: list[FieldError] | None


def fill_results_json(answers: Sequence[FillAnswer]) -> bytes:
    """The `FillResults` document of these answers."""
    return to_json({"results": answers})


class FillRead(BaseModel):
    station_id: uuid.UUID
    fill_id: str
    cylinder_code: str
    filler_certificate: str
    medium: str
    started_at: datetime
    ended_at: datetime
    prefill_checks: PrefillChecks
    postfill_checks: PostfillChecks
    filled_mass_kg: float | None
    final_pressure_mpa: float | None
    status: FillStatus
    reasons: list[str]


class FillPage(BaseModel):
    items: list[FillRead]
    next_cursor: str | None = None


class FillCursor(BaseModel):
    started_at: datetime
    station_id: uuid.UUID
    fill_id: str


class FillFilter(BaseModel):
    """A recall: whose fills, between which business dates (Asia/Shanghai, both included), of
    which medium."""

    station_id: uuid.UUID | None = None
    from_date: date | None = None
    to_date: date | None = None
    medium: str | None = None
