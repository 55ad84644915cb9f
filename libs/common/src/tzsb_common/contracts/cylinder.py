"""Events the cylinder-trace service publishes (气瓶追溯): every fill record a station posts, and
every periodic inspection of a cylinder an agency records."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from tzsb_common.events import EventPayload, register_event

FILL_TOPIC = "tzsb.cylinder.fill"


class FillRecord(BaseModel):
    """A fill as the station posted it (充装记录), keyed by the station's own fill id."""

    model_config = ConfigDict(extra="forbid")

    station_id: uuid.UUID = Field(description="充装单位")
    fill_id: str = Field(description="the station's own id of the fill")
    cylinder_code: str = Field(description="气瓶编码: the tag or QR code the station read")
    filler_certificate: str = Field(description="充装人员作业人员证编号 (item P)")
    medium: str = Field(description="充装介质, e.g. LPG, O2, CNG, H2")
    started_at: datetime
    ended_at: datetime
    prefill_checks_passed: bool = Field(description="every pre-fill check (充装前检查) passed")
    postfill_checks_passed: bool = Field(description="every post-fill check (充装后检查) passed")
    filled_mass_kg: float | None = Field(description="充装量; null when a pressure was given")
    final_pressure_mpa: float | None = Field(description="充装压力; null when a mass was given")


@register_event
class FillAcceptedV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.cylinder.fill.accepted.v1"
    topic: ClassVar[str] = FILL_TOPIC
    summary: ClassVar[str] = "A station recorded a fill that every filling rule allowed (充装)"

    fill: FillRecord


@register_event
class FillRefusedV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.cylinder.fill.refused.v1"
    topic: ClassVar[str] = FILL_TOPIC
    summary: ClassVar[str] = (
        "A station recorded a fill the rules refuse (拒绝充装), with every reason that applies"
    )

    fill: FillRecord
    reasons: list[str] = Field(
        description="unknown_cylinder | cylinder_scrapped | inspection_overdue | "
        "past_design_life | medium_mismatch | medium_outside_licence | licence_invalid | "
        "filler_not_certified | lpg_not_own_property | prefill_check_failed | overfilled"
    )


FILL_STATISTICS_TOPIC = "tzsb.cylinder.fill_statistics"
"""Compacted: the latest totals of every station-day stay readable, so a read model rebuilt
from the topic has every day, not only the last week's."""


class FillDayStatistics(BaseModel):
    """One filling station's fills of one business day, as they stand after a batch."""

    model_config = ConfigDict(extra="forbid")

    station_id: uuid.UUID = Field(description="充装单位")
    day: date = Field(description="营业日 (Asia/Shanghai) the fills started on")
    accepted: int = Field(description="充装: fills accepted")
    refused: int = Field(description="拒绝充装: fills refused (stored, never malformed ones)")
    accepted_by_medium: dict[str, int] = Field(description="accepted fills per medium (充装介质)")
    refused_by_medium: dict[str, int] = Field(description="refused fills per medium")
    refused_by_reason: dict[str, int] = Field(
        description="refused fills per reason code (e.g. inspection_overdue 超期未检); a fill "
        "refused for two reasons counts under both"
    )
    version: int = Field(
        description="grows by one with every batch that adds to the day: keep the highest"
    )


@register_event
class FillStatisticsV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.cylinder.fill_statistics.v1"
    topic: ClassVar[str] = FILL_STATISTICS_TOPIC
    summary: ClassVar[str] = (
        "A filling station's fill statistics of a business day changed (充装统计): the day's new "
        "totals, per medium and refusals by reason, published once per batch that stored fills "
        "of that day. Keyed `<station id>:<day>`; a consumer keeps the highest version"
    )
    snapshot_field: ClassVar[str | None] = "statistics"

    statistics: FillDayStatistics


def fill_statistics_subject(station_id: uuid.UUID, day: date) -> str:
    """The key of one station's day: every version of it lands on one partition, in order, and
    compaction keeps the latest."""
    return f"{station_id}:{day.isoformat()}"


INSPECTION_TOPIC = "tzsb.cylinder.inspection"


class CylinderInspectionRecord(BaseModel):
    """A periodic inspection of a cylinder (气瓶定期检验) and what it did to the cylinder."""

    model_config = ConfigDict(extra="forbid")

    inspection_id: uuid.UUID
    agency_id: uuid.UUID = Field(description="检验机构")
    report_number: str = Field(description="检验报告编号, unique per agency")
    cylinder_code: str = Field(description="气瓶编码")
    medium: str = Field(description="the cylinder's medium")
    inspected_on: date = Field(description="检验日期 (Asia/Shanghai)")
    result: Literal["pass", "fail"] = Field(description="合格 pass | 不合格 fail")
    next_inspection_on: date | None = Field(
        description="下次检验日期, given or from the medium's interval; null once scrapped"
    )
    life_extended: bool = Field(
        description="this inspection extended an LPG cylinder's service life (延长使用年限)"
    )
    service_life_ends_on: date = Field(description="the end of its service life after it")
    cylinder_status: Literal["in_use", "scrapped"] = Field(description="在用 | 报废, after it")
    scrap_reason: str | None = Field(
        description="inspection_failed | service_life_ended, when it scrapped the cylinder"
    )


@register_event
class CylinderInspectedV1(EventPayload):
    event_type: ClassVar[str] = "tzsb.cylinder.inspection.recorded.v1"
    topic: ClassVar[str] = INSPECTION_TOPIC
    summary: ClassVar[str] = (
        "An inspection agency recorded a cylinder's periodic inspection (气瓶定期检验); a failed "
        "one, or one at the end of its service life, scraps the cylinder (报废)"
    )

    inspection: CylinderInspectionRecord
