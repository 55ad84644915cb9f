"""Registering cylinders: every item checked, the valid ones written in one statement, one
answer per item in the order they came."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from cylinder_trace.cylinders import queries
from cylinder_trace.cylinders.access import may_read_cylinder
from cylinder_trace.cylinders.rules import CylinderReason, check_new_cylinder, next_inspection_on
from cylinder_trace.cylinders.schemas import (
    CylinderCreate,
    CylinderRead,
    CylinderResult,
    RegistrationStatus,
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
