"""Recording a cylinder's periodic inspection: one transaction that stores it, applies what it
does to the cylinder (next date, life extension, scrapping) and writes its event."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from cylinder_trace.inspections import queries
from cylinder_trace.inspections.rules import (
    CylinderLife,
    InspectionFacts,
    InspectionReason,
    Violation,
    check_inspection,
    inspection_outcome,
)
from cylinder_trace.inspections.schemas import CylinderInspectionCreate, CylinderInspectionRead
from tzsb_common.contracts.cylinder import CylinderInspectedV1, CylinderInspectionRecord
from tzsb_common.outbox import Outbox
from tzsb_common.pg import Database


class InspectionRefused(Exception):
    """The inspection cannot be recorded; the route answers 422 naming the fields."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__(", ".join(v.code.value for v in violations))
        self.violations = violations


def _read(row: dict[str, Any]) -> CylinderInspectionRead:
    return CylinderInspectionRead.model_validate(row)


def _answer_retry(stored: dict[str, Any], data: CylinderInspectionCreate) -> CylinderInspectionRead:
    """The agency posted this report before: the same cylinder is a retry, answered with what
    was recorded; another cylinder under the same report number is refused."""
    if stored["cylinder_code"] != data.cylinder_code:
        raise InspectionRefused(
            [
                Violation(
                    "report_number",
                    InspectionReason.report_number_taken,
                    "this agency recorded the report for another cylinder",
                )
            ]
        )
    return _read(stored)


async def record_inspection(
    database: Database,
    outbox: Outbox,
    *,
    agency_id: uuid.UUID,
    data: CylinderInspectionCreate,
    today: date,
) -> tuple[CylinderInspectionRead, bool]:
    """The inspection as recorded, and whether it was recorded now (False: a retry)."""
    async with database.transaction() as conn:
        # The cylinder's lock first: a concurrent retry of the same report waits here for the
        # first to commit, then finds the report below, instead of judging a cylinder the
        # first may have scrapped.
        cylinder = await queries.cylinder_for_inspection(conn, data.cylinder_code)
        stored = await queries.stored_inspection(conn, agency_id, data.report_number)
        if stored is not None:
            return _answer_retry(stored, data), False
        facts = InspectionFacts(
            inspected_on=data.inspected_on,
            result=data.result,
            next_inspection_on=data.next_inspection_on,
        )
        life = (
            None
            if cylinder is None
            else CylinderLife(
                medium=cylinder["medium"],
                status=cylinder["status"],
                manufactured_on=cylinder["manufactured_on"],
                design_life_years=cylinder["design_life_years"],
                life_extension_years=cylinder["life_extension_years"],
                last_inspected_on=cylinder["last_inspected_on"],
            )
        )
        violations = check_inspection(facts, life, today=today)
        if violations:
            raise InspectionRefused(violations)
        # Known: an unknown cylinder is a violation.
        assert cylinder is not None
        assert life is not None
        outcome = inspection_outcome(
            facts, life, interval_years=cylinder["inspection_interval_years"]
        )
        row = {
            "inspection_id": uuid.uuid4(),
            "agency_id": agency_id,
            "report_number": data.report_number,
            "cylinder_code": data.cylinder_code,
            "inspected_on": data.inspected_on,
            "result": data.result.value,
            "next_inspection_on": outcome.next_inspection_on,
            "life_extended": outcome.life_extended,
            "service_life_ends_on": outcome.service_life_ends_on,
            "scrap_reason": outcome.scrap_reason.value if outcome.scrap_reason else None,
            "remarks": data.remarks,
        }
        recorded_at = await queries.record_inspection(
            conn, row, life_extension_years=outcome.life_extension_years
        )
        if recorded_at is None:
            stored = await queries.stored_inspection(conn, agency_id, data.report_number)
            assert stored is not None  # the conflicting row is committed once we get here
            return _answer_retry(stored, data), False
        status = "scrapped" if outcome.scrapped else "in_use"
        event_fields = {key: value for key, value in row.items() if key != "remarks"}
        payload = CylinderInspectedV1(
            inspection=CylinderInspectionRecord(
                **event_fields, medium=cylinder["medium"], cylinder_status=status
            )
        )
        await outbox.add_on_connection(conn, payload, subject=data.cylinder_code)
    return _read({**row, "cylinder_status": status, "recorded_at": recorded_at}), True
