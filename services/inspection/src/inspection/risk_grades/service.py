"""Grading use units: the figures of the year that ends on a day, scored and banded."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from inspection.risk_grades import queries
from inspection.risk_grades.rules import (
    GradeBands,
    Grading,
    RiskGrade,
    RiskWeights,
    last_year,
)
from inspection.risk_grades.schemas import (
    GradeBandsRead,
    RiskFiguresRead,
    RiskGradeRead,
    RiskGradeSummary,
    RiskWeightsRead,
)
from inspection.settings import InspectionSettings
from tzsb_common.pg import Connection, Database


def grading_from(settings: InspectionSettings) -> Grading:
    return Grading(
        weights=RiskWeights(
            general_hazard=settings.risk_weight_general_hazard,
            major_hazard=settings.risk_weight_major_hazard,
            overdue_equipment=settings.risk_weight_overdue_equipment,
            failed_inspection=settings.risk_weight_failed_inspection,
        ),
        bands=GradeBands(
            b_from=settings.risk_grade_b_from,
            c_from=settings.risk_grade_c_from,
            d_from=settings.risk_grade_d_from,
        ),
    )


def _instants(year: tuple[date, date], zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The year's days as instants: from its first midnight to the midnight after its last."""
    return (
        datetime.combine(year[0], time(), zone),
        datetime.combine(year[1] + timedelta(days=1), time(), zone),
    )


def _summary(row: dict[str, Any]) -> RiskGradeSummary:
    return RiskGradeSummary(
        use_unit_id=row["use_unit_id"],
        grade=RiskGrade(row["grade"]),
        score=row["score"],
        figures=RiskFiguresRead.model_validate(row),
    )


async def graded_units_on(
    conn: Connection,
    *,
    grading: Grading,
    as_of: date,
    zone: ZoneInfo,
    grade: RiskGrade | None = None,
    after: uuid.UUID | None = None,
    limit: int | None = None,
) -> list[RiskGradeSummary]:
    """On a connection the caller holds (a spot-check draw grades every unit in its own
    transaction)."""
    year = last_year(as_of)
    rows = await queries.graded_units(
        conn,
        year=year,
        instants=_instants(year, zone),
        weights=grading.weights,
        bands=grading.bands,
        grade=grade,
        after=after,
        limit=limit,
    )
    return [_summary(row) for row in rows]


async def list_grades(
    database: Database,
    *,
    grading: Grading,
    as_of: date,
    zone: ZoneInfo,
    grade: RiskGrade | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[RiskGradeSummary]:
    async with database.connection() as conn:
        return await graded_units_on(
            conn, grading=grading, as_of=as_of, zone=zone, grade=grade, after=after, limit=limit
        )


async def get_grade(
    database: Database, *, grading: Grading, as_of: date, zone: ZoneInfo, use_unit_id: uuid.UUID
) -> RiskGradeRead | None:
    """None when nothing is known of the unit: no equipment in use and no findings."""
    year = last_year(as_of)
    async with database.connection() as conn:
        rows = await queries.graded_units(
            conn,
            year=year,
            instants=_instants(year, zone),
            weights=grading.weights,
            bands=grading.bands,
            use_unit_id=use_unit_id,
        )
    if not rows:
        return None
    summary = _summary(rows[0])
    return RiskGradeRead(
        **summary.model_dump(),
        as_of=as_of,
        year_from=year[0],
        year_to=year[1],
        weights=RiskWeightsRead(**dataclasses.asdict(grading.weights)),
        bands=GradeBandsRead(**dataclasses.asdict(grading.bands)),
    )
