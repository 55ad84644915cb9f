"""Use cases of the annual report: gather its counts from the read models (and Table 3 and
Table 4 from their own services), let the rules turn them into figures, and keep the bureau's
plan text with its audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from reporting.annual_report import queries
from reporting.annual_report.rules import (
    certificate_section,
    due_stage_rows,
    equipment_days,
    equipment_section,
    hazard_section,
    inspection_section,
    licence_rows,
    month_ends,
    rescue_section,
    staff_section,
    year_end,
)
from reporting.annual_report.schemas import (
    AnnualReport,
    ElevatorSection,
    PlanRead,
    PlanUpdate,
)
from reporting.indicators import service as indicators
from reporting.indicators.schemas import IndicatorGrouping, Region
from reporting.rankings import service as rankings
from tzsb_common.auth import Principal
from tzsb_common.pg import Database

TOP_COMPANIES = 10
"""Table 4 prints the first ten (前十名)."""


async def annual_report(
    database: Database,
    *,
    year: int,
    default_interval_days: int,
    star_floors: Sequence[float],
    business_timezone: str,
    now: datetime,
) -> AnnualReport:
    """年度特种设备安全状况分析报告 for `year`: every figure from the read models."""
    first, last = date(year, 1, 1), year_end(year)
    async with database.connection() as conn:
        equipment_rows = await queries.equipment_counts(conn, equipment_days(year))
        coverage_rows = await queries.inspection_coverage(conn, month_ends(year))
        inspection_rows = await queries.inspections_in_year(conn, first, last)
        hazard_rows = await queries.hazards_in_year(conn, first, last, business_timezone)
        certificate_rows = await queries.certificates_by_item(conn, first, last)
        licence_count_rows = await queries.licences_by_kind(conn, first, last)
        due_rows = await queries.due_stage_counts(conn, first, last)
        rescue_rows = await queries.rescues_in_year(conn, first, last, business_timezone)
        staff_rows = await queries.staff_by_body(conn, last, business_timezone)
        plan = await queries.get_plan(conn, year)
    whole = Region()
    table3 = await indicators.elevator_indicators(
        database,
        period_start=first,
        period_end=last,
        region=whole,
        default_interval_days=default_interval_days,
    )
    table3_by_park = await indicators.elevator_indicator_ranking(
        database,
        period_start=first,
        period_end=last,
        region=whole,
        group_by=IndicatorGrouping.park,
        default_interval_days=default_interval_days,
    )
    table4 = await rankings.maintenance_company_ranking(
        database,
        period_start=first,
        period_end=last,
        region=whole,
        default_interval_days=default_interval_days,
        star_floors=star_floors,
    )
    equipment = equipment_section(equipment_rows, year)
    return AnnualReport(
        year=year,
        period_start=first,
        period_end=last,
        generated_at=now,
        equipment=equipment,
        staff=staff_section(staff_rows, year),
        licences=licence_rows(licence_count_rows),
        elevators=ElevatorSection(
            on_register=equipment.elevators_on_register,
            indicators=table3,
            by_park=table3_by_park,
            maintenance_companies=len(table4.rows),
            top_companies=table4.rows[:TOP_COMPANIES],
            rescue=rescue_section(rescue_rows, elevators_in_use=table3.elevators_in_use),
        ),
        inspections=inspection_section(inspection_rows, coverage_rows),
        hazards=hazard_section(inspection_rows, hazard_rows),
        certificates=certificate_section(certificate_rows),
        due_workflow=due_stage_rows(due_rows),
        plan=None if plan is None else PlanRead.model_validate(plan),
    )


async def get_plan(database: Database, *, year: int) -> PlanRead | None:
    async with database.connection() as conn:
        row = await queries.get_plan(conn, year)
    return None if row is None else PlanRead.model_validate(row)


class PlanVersionMismatch(Exception):
    """`If-Match` named a version the plan no longer has."""


async def save_plan(
    database: Database,
    *,
    year: int,
    plan: PlanUpdate,
    written_by: Principal,
    expected_versions: frozenset[int] | None,
) -> PlanRead:
    """Write the year's plan text: a new version, and a revision row recording who wrote it
    (the audit trail). With `If-Match`, refused unless a plan exists in a version it names
    (`*`: in any version)."""
    async with database.transaction() as conn:
        current = await queries.lock_plan_version(conn, year)
        if expected_versions is not None and (
            current is None or (expected_versions and current not in expected_versions)
        ):
            raise PlanVersionMismatch
        row = await queries.save_plan(
            conn,
            year=year,
            plan_text=plan.plan_text,
            client_id=written_by.client_id,
            organisation_id=written_by.organisation_id,
        )
    return PlanRead.model_validate(row)
