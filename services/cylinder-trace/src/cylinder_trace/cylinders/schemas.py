"""Request and answer models of cylinder registration (气瓶登记)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from cylinder_trace.ingestion import ItemError
from tzsb_common.json_bodies import StrictModel

CYLINDER_CODE = r"^[0-9A-Za-z][0-9A-Za-z._/-]{0,63}$"
"""The code on the cylinder's tag or QR code: letters, digits and . _ / -, at most 64."""


class CylinderStatus(StrEnum):
    in_use = "in_use"  # 在用
    scrapped = "scrapped"  # 报废


class CylinderCreate(StrictModel):
    cylinder_code: str = Field(pattern=CYLINDER_CODE, description="气瓶编码: tag or QR code")
    manufacturer: str = Field(min_length=1, max_length=200, description="制造单位")
    factory_number: str = Field(min_length=1, max_length=64, description="出厂编号")
    medium: str = Field(
        min_length=1, max_length=32, description="充装介质: LPG, O2, N2, Ar, CO2, C2H2, CNG, H2 …"
    )
    nominal_pressure_mpa: float = Field(gt=0, le=100, description="公称工作压力 MPa")
    water_volume_l: float = Field(gt=0, le=10_000, description="水容积 L")
    tare_mass_kg: float | None = Field(default=None, gt=0, le=10_000, description="皮重 kg")
    permitted_fill_kg: float | None = Field(
        default=None, gt=0, le=10_000, description="最大充装量 kg (required for liquefied media)"
    )
    manufactured_on: date = Field(description="制造日期")
    design_life_years: int = Field(ge=1, le=50, description="设计使用年限")
    last_inspected_on: date | None = Field(default=None, description="上次检验日期")
    next_inspection_on: date | None = Field(
        default=None,
        description="下次检验日期; computed from the medium's interval when not given",
    )
    owner_id: uuid.UUID = Field(description="产权单位; a station registers its own cylinders")
    status: CylinderStatus = CylinderStatus.in_use


CylinderItem = Annotated[CylinderCreate | Any, Field(union_mode="left_to_right")]


class CylinderBatch(StrictModel):
    cylinders: list[CylinderItem] = Field(description="at most 1,000 cylinders")


CylinderBody = Annotated[CylinderBatch | CylinderItem, Field(union_mode="left_to_right")]
"""One cylinder, or `{"cylinders": [...]}`."""


class RegistrationStatus(StrEnum):
    registered = "registered"
    duplicate = "duplicate"  # registered before by the same caller: a retry
    refused = "refused"


class CylinderResult(BaseModel):
    cylinder_code: str | None
    status: RegistrationStatus
    reasons: list[str] = Field(description="why it was refused; `invalid` with `errors`")
    errors: list[ItemError] | None = Field(
        default=None, description="the offending fields of an `invalid` item"
    )


class CylinderResults(BaseModel):
    results: list[CylinderResult] = Field(description="one per cylinder, in order")


class CylinderRead(BaseModel):
    cylinder_code: str
    manufacturer: str
    factory_number: str
    medium: str
    nominal_pressure_mpa: float
    water_volume_l: float
    tare_mass_kg: float | None
    permitted_fill_kg: float | None
    manufactured_on: date
    design_life_years: int
    last_inspected_on: date | None
    next_inspection_on: date
    owner_id: uuid.UUID
    status: CylinderStatus
    registered_by: uuid.UUID
    registered_at: datetime
    life_extension_years: int = Field(
        description="延长使用年限: what a passing inspection added to an LPG cylinder's life"
    )
    scrapped_on: date | None = Field(description="报废日期, when an inspection scrapped it")
    scrap_reason: str | None = Field(description="inspection_failed | service_life_ended")


# -- the trace of a cylinder (气瓶追溯) ---------------------------------------------------------


class TraceRegistration(BaseModel):
    """登记: the cylinder's record was opened."""

    kind: Literal["registration"] = "registration"
    at: datetime = Field(description="when the registration was recorded")
    registered_by: uuid.UUID
    owner_id: uuid.UUID = Field(description="产权单位")
    manufacturer: str
    factory_number: str
    manufactured_on: date
    medium: str
    design_life_years: int


class TraceInspection(BaseModel):
    """定期检验."""

    kind: Literal["inspection"] = "inspection"
    at: datetime = Field(description="the start of the inspection day (Asia/Shanghai)")
    inspection_id: uuid.UUID
    agency_id: uuid.UUID = Field(description="检验机构")
    report_number: str
    inspected_on: date
    result: str = Field(description="pass | fail")
    next_inspection_on: date | None
    life_extended: bool
    service_life_ends_on: date


class TraceFill(BaseModel):
    """充装 (`fill`) or a refused fill (`refusal`, 拒绝充装) with its reasons."""

    kind: Literal["fill", "refusal"]
    at: datetime = Field(description="when the fill started")
    station_id: uuid.UUID = Field(description="充装单位")
    fill_id: str
    filler_certificate: str = Field(description="充装人员作业人员证编号")
    medium: str
    ended_at: datetime
    filled_mass_kg: float | None
    final_pressure_mpa: float | None
    reasons: list[str]


class TraceScrapping(BaseModel):
    """报废."""

    kind: Literal["scrapping"] = "scrapping"
    at: datetime
    scrapped_on: date | None
    reason: str = Field(
        description="inspection_failed | service_life_ended (an inspection scrapped it) | "
        "registered_scrapped (registered as scrapped)"
    )
    inspection_id: uuid.UUID | None = Field(description="the inspection that scrapped it")


TraceEntry = Annotated[
    TraceRegistration | TraceInspection | TraceFill | TraceScrapping, Field(discriminator="kind")
]


class CylinderTrace(BaseModel):
    cylinder_code: str
    medium: str
    status: CylinderStatus
    entries: list[TraceEntry] = Field(
        description="the registration first, then everything else in time order"
    )
