"""Registering cylinders: every item checked, the valid ones written in one statement, one
answer per item in the order they came."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from cylinder_trace.cylinders import queries
from cylinder_trace.cylinders.access import may_read_cylinder
from cylinder_trace.cylinders.rules import (
    REGISTERED_SCRAPPED,
    CylinderReason,
    check_new_cylinder,
    next_inspection_on,
    trace_key,
)
from cylinder_trace.cylinders.schemas import (
    CylinderCreate,
    CylinderRead,
    CylinderResult,
    CylinderStatus,
    CylinderTrace,
    RegistrationStatus,
    TraceEntry,
    TraceFill,
    TraceInspection,
    TraceRegistration,
    TraceScrapping,
)
from cylinder_trace.ingestion import RawItem, item_errors
from tzsb_common.auth import Principal
from tzsb_common.pg import Database
from tzsb_common.problems import field_error


def _refused(code: str | None, reasons: list[str], errors: Any = None) -> CylinderResult:
    return CylinderResult(
        cylinder_code=code, status=RegistrationStatus.refused, reasons=reasons, errors=errors
    )


async def register_cylinders(
    database: Database,
    *,
    principal: Principal,
    items: Sequence[CylinderCreate | RawItem],
    batch: bool,
    today: date,
) -> list[CylinderResult]:
    station_id = None if principal.is_bureau else principal.organisation_id
    registrant = principal.organisation_id
    results: list[CylinderResult | None] = []
    rows: list[dict[str, Any]] = []
    pending: list[tuple[int, str]] = []
    async with database.transaction() as conn:
        media = await queries.media(conn)
        for index, item in enumerate(items):
            if isinstance(item, RawItem):
                errors = item_errors(CylinderCreate, item)
                results.append(
                    _refused(item.text_field("cylinder_code"), [CylinderReason.invalid], errors)
                )
                continue
            location = ("body", "cylinders", index) if batch else ("body",)
            violations = check_new_cylinder(item, media, station_id=station_id, today=today)
            if violations:
                results.append(
                    _refused(
                        item.cylinder_code,
                        sorted({v.code.value for v in violations}),
                        [field_error([*location, *v.field], v.message, v.code) for v in violations],
                    )
                )
                continue
            rows.append(
                {
                    **item.model_dump(exclude={"next_inspection_on", "status"}),
                    "next_inspection_on": next_inspection_on(item, media[item.medium]),
                    "status": item.status.value,
                    "registered_by": registrant,
                }
            )
            pending.append((len(results), item.cylinder_code))
            results.append(None)
        inserted = await queries.insert_cylinders(conn, rows)
        held = await queries.registrants(
            conn, [code for _, code in pending if code not in inserted]
        )
    answered: set[str] = set()
    for position, code in pending:
        if code in inserted and code not in answered:
            results[position] = CylinderResult(
                cylinder_code=code, status=RegistrationStatus.registered, reasons=[]
            )
        elif held.get(code) == registrant or code in answered:
            results[position] = CylinderResult(
                cylinder_code=code, status=RegistrationStatus.duplicate, reasons=[]
            )
        else:
            results[position] = _refused(code, [CylinderReason.cylinder_code_taken])
        answered.add(code)
    return [result for result in results if result is not None]


async def get_cylinder(
    database: Database, code: str, *, station_id: uuid.UUID | None
) -> CylinderRead | None:
    """The cylinder, if the caller may read it (a station: its own); None otherwise."""
    async with database.connection() as conn:
        row = await queries.get_cylinder(conn, code)
    if row is None or not may_read_cylinder(station_id, row["owner_id"], row["registered_by"]):
        return None
    return CylinderRead.model_validate(row)


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)


async def trace(
    database: Database, code: str, *, station_id: uuid.UUID | None, zone: ZoneInfo
) -> CylinderTrace | None:
    """Everything known of the cylinder (GB/T 38059-2019): its registration, inspections,
    fills and refusals, and its scrapping. None when the caller may not read the cylinder;
    a station reads its own cylinders, and among their fills its own (as in a recall)."""
    async with database.connection() as conn:
        cylinder = await queries.get_cylinder(conn, code)
        if cylinder is None or not may_read_cylinder(
            station_id, cylinder["owner_id"], cylinder["registered_by"]
        ):
            return None
        inspections = await queries.trace_inspections(conn, code)
        fills = await queries.trace_fills(conn, code, station_id=station_id)
    entries: list[TraceEntry] = [
        TraceRegistration(
            at=cylinder["registered_at"],
            registered_by=cylinder["registered_by"],
            owner_id=cylinder["owner_id"],
            manufacturer=cylinder["manufacturer"],
            factory_number=cylinder["factory_number"],
            manufactured_on=cylinder["manufactured_on"],
            medium=cylinder["medium"],
            design_life_years=cylinder["design_life_years"],
        )
    ]
    for inspection in inspections:
        at = _day_start(inspection["inspected_on"], zone)
        entries.append(
            TraceInspection(
                at=at,
                inspection_id=inspection["inspection_id"],
                agency_id=inspection["agency_id"],
                report_number=inspection["report_number"],
                inspected_on=inspection["inspected_on"],
                result=inspection["result"],
                next_inspection_on=inspection["next_inspection_on"],
                life_extended=inspection["life_extended"],
                service_life_ends_on=inspection["service_life_ends_on"],
            )
        )
        if inspection["scrap_reason"] is not None:
            entries.append(
                TraceScrapping(
                    at=at,
                    scrapped_on=inspection["inspected_on"],
                    reason=inspection["scrap_reason"],
                    inspection_id=inspection["inspection_id"],
                )
            )
    scrapped_by_inspection = any(i["scrap_reason"] is not None for i in inspections)
    if cylinder["status"] == CylinderStatus.scrapped and not scrapped_by_inspection:
        entries.append(
            TraceScrapping(
                at=cylinder["registered_at"],
                scrapped_on=cylinder["scrapped_on"],
                reason=REGISTERED_SCRAPPED,
                inspection_id=None,
            )
        )
    entries.extend(
        TraceFill(
            kind="fill" if fill["status"] == "accepted" else "refusal",
            at=fill["started_at"],
            station_id=fill["station_id"],
            fill_id=fill["fill_id"],
            filler_certificate=fill["filler_certificate"],
            medium=fill["medium"],
            ended_at=fill["ended_at"],
            filled_mass_kg=fill["filled_mass_kg"],
            final_pressure_mpa=fill["final_pressure_mpa"],
            reasons=list(fill["reasons"]),
        )
        for fill in fills
    )
    entries.sort(key=lambda entry: trace_key(entry.kind, entry.at))
    return CylinderTrace(
        cylinder_code=code,
        medium=cylinder["medium"],
        status=cylinder["status"],
        entries=entries,
    )
