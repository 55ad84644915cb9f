"""The reporting rates of a period: inspection rate per category and park, hazard rate and
rectification rate."""

from __future__ import annotations

from datetime import date

from inspection.rates import queries
from inspection.rates.rules import percentage
from inspection.rates.schemas import (
    CategoryInspectionRate,
    HazardRate,
    InspectionRate,
    ParkInspectionRate,
    RatesRead,
    RectificationRate,
)
from tzsb_common.pg import Database


async def rates_of(database: Database, *, period_start: date, period_end: date) -> RatesRead:
    async with database.connection() as conn, conn.transaction(readonly=True):
        # One snapshot for both statements, so the figures agree with each other.
        groups = await queries.inspection_rates(conn, period_end=period_end)
        counts = await queries.period_counts(conn, period_start=period_start, period_end=period_end)
    overall = InspectionRate(equipment_in_use=0, inspected=0, rate=None)
    by_category: list[CategoryInspectionRate] = []
    by_park: list[ParkInspectionRate] = []
    for g in groups:
        figures = {
            "equipment_in_use": g["equipment_in_use"],
            "inspected": g["inspected"],
            "rate": percentage(g["inspected"], g["equipment_in_use"]),
        }
        if g["all_categories"] and g["all_parks"]:
            overall = InspectionRate(**figures)
        elif not g["all_categories"]:
            by_category.append(CategoryInspectionRate(category=g["category"], **figures))
        else:
            by_park.append(ParkInspectionRate(park=g["park"], **figures))
    return RatesRead(
        period_start=period_start,
        period_end=period_end,
        inspection_rate=overall,
        inspection_rates_by_category=by_category,
        inspection_rates_by_park=by_park,
        hazard_rate=HazardRate(
            hazards_found=counts["hazards_found"],
            equipment_checked=counts["equipment_checked"],
            rate=percentage(counts["hazards_found"], counts["equipment_checked"]),
        ),
        rectification_rate=RectificationRate(
            hazards_due=counts["hazards_due"],
            closed_within_deadline=counts["closed_within_deadline"],
            rate=percentage(counts["closed_within_deadline"], counts["hazards_due"]),
        ),
    )
