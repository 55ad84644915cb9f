"""Recording an inspection: one transaction with its hazards, the equipment's new standing and
the `tzsb.inspection.result.v1` event."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from inspection.inspection_rules.service import current_rules
from inspection.inspections import queries
from inspection.inspections.rules import (
    EquipmentStanding,
    InspectionReason,
    Violation,
    judge_inspection,
)
from inspection.inspections.schemas import HazardRead, InspectionCreate, InspectionRead
from inspection.patrol.rules import Sighting, SightingSource
from inspection.patrol.service import note_sighting
from tzsb_common.auth import Principal
from tzsb_common.contracts.hazard import HazardFoundV1
from tzsb_common.contracts.inspection import HazardFound, InspectionResultV1
from tzsb_common.outbox import Outbox
from tzsb_common.pg import Database
from tzsb_common.problems import Conflict


class InspectionRefused(Exception):
    """The record breaks a rule; nothing was written."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__(", ".join(v.code for v in violations))
        self.violations = violations


def _to_read(row: dict[str, Any], hazards: list[dict[str, Any]]) -> InspectionRead:
    return InspectionRead.model_validate(
        {**row, "hazards": [HazardRead.model_validate(h) for h in hazards]}
    )


def _same_report(row: dict[str, Any], data: InspectionCreate) -> bool:
    return (
        row["equipment_code"] == data.equipment_code
        and row["kind"] == data.kind
        and row["inspected_on"] == data.inspected_on
        and row["conclusion"] == data.conclusion
        and (data.next_due_on is None or row["next_due_on"] == data.next_due_on)
    )


async def record_inspection(
    database: Database,
    outbox: Outbox,
    *,
    principal: Principal,
    data: InspectionCreate,
    today: date,
) -> tuple[InspectionRead, bool]:
    """The record and whether it is new. The same report sent again (a retry) answers the
    record already held; another report under a number the agency used is a conflict. A
    report on a code the registry does not hold is refused, and the code is noted as seen in
    use (the online patrol asks for such equipment)."""
    try:
        return await _record_inspection(
            database, outbox, principal=principal, data=data, today=today
        )
    except InspectionRefused as exc:
        if any(v.code is InspectionReason.unknown_equipment for v in exc.violations):
            await note_sighting(
                database,
                Sighting(
                    equipment_code=data.equipment_code,
                    source=SightingSource.inspection_post,
                    unit_id=None,
                    reference=f"{principal.organisation_id}/{data.report_number}",
                    seen_at=datetime.now(UTC),
                ),
            )
        raise


async def _record_inspection(
    database: Database,
    outbox: Outbox,
    *,
    principal: Principal,
    data: InspectionCreate,
    today: date,
) -> tuple[InspectionRead, bool]:
    agency_id = principal.organisation_id
    async with database.transaction() as conn:
        standing_row = await queries.lock_standing(conn, data.equipment_code)
        if standing_row is None:
            raise InspectionRefused(
                [
                    Violation(
                        ("equipment_code",),
                        InspectionReason.unknown_equipment,
                        "no registered equipment has this code",
                    )
                ]
            )
        held = await queries.get_by_report(conn, agency_id, data.report_number)
        if held is not None:
            if not _same_report(held, data):
                raise Conflict(
                    f"report {data.report_number} of this agency records another inspection",
                    code="report_number_taken",
                )
            return _to_read(held, await queries.hazards_of(conn, held["id"])), False
        standing = EquipmentStanding(
            category=standing_row["category"],
            variety=standing_row["variety"],
            safety_grade=standing_row["safety_grade"],
            commissioned_on=standing_row["commissioned_on"],
            last_inspected_on=standing_row["last_inspected_on"],
            last_conclusion=standing_row["last_conclusion"],
            monitored_since=standing_row["monitored_since"],
        )
        outcome, violations = judge_inspection(
            data, standing, await current_rules(conn), today=today
        )
        if outcome is None:
            raise InspectionRefused(violations)
        due = outcome.next_due
        row = await queries.insert_inspection(
            conn,
            {
                "id": uuid.uuid4(),
                "agency_id": agency_id,
                "client_id": principal.client_id,
                "equipment_code": data.equipment_code,
                "report_number": data.report_number,
                "kind": data.kind.value,
                "inspected_on": data.inspected_on,
                "conclusion": data.conclusion.value,
                "next_due_on": due.due_on if due else None,
                "next_due_kind": due.kind.value if due else None,
                "next_due_computed": outcome.next_due_computed,
                "legal_source": outcome.legal_source,
                "valid": outcome.valid,
            },
        )
        if row is None:  # the same number, for another piece of equipment, at the same moment
            raise Conflict(
                f"report {data.report_number} of this agency is already recorded",
                code="report_number_taken",
            )
        hazards = await queries.insert_hazards(
            conn,
            equipment_code=data.equipment_code,
            use_unit_id=standing_row["use_unit_id"],
            inspection_id=row["id"],
            hazards=[h.model_dump() for h in data.hazards],
        )
        if outcome.moves_schedule:
            if due is not None:
                await queries.schedule_after_valid(
                    conn,
                    equipment_code=data.equipment_code,
                    due_on=due.due_on,
                    due_kind=due.kind.value,
                    inspection_id=row["id"],
                    inspected_on=data.inspected_on,
                    conclusion=data.conclusion.value,
                    monitored_since=outcome.monitored_since,
                )
            else:
                await queries.schedule_after_fail(
                    conn,
                    equipment_code=data.equipment_code,
                    inspection_id=row["id"],
                    inspected_on=data.inspected_on,
                    conclusion=data.conclusion.value,
                )
        record = _to_read(row, hazards)
        await outbox.add_on_connection(
            conn,
            InspectionResultV1(
                inspection_id=record.id,
                equipment_code=record.equipment_code,
                agency_id=record.agency_id,
                report_number=record.report_number,
                kind=record.kind.value,
                inspected_on=record.inspected_on,
                conclusion=record.conclusion.value,
                valid=record.valid,
                next_due_on=record.next_due_on,
                next_due_kind=record.next_due_kind.value if record.next_due_kind else None,
                hazards=[
                    HazardFound(
                        hazard_id=h.id,
                        description=h.description,
                        severity=h.severity.value,
                        deadline=h.deadline or data.inspected_on,
                    )
                    for h in record.hazards
                ],
            ),
            subject=record.equipment_code,
        )
        # Each hazard's lifecycle starts here, keyed by the hazard like the rest of it.
        await outbox.add_events_on_connection(
            conn,
            [
                (
                    HazardFoundV1(
                        hazard_id=h.id,
                        source="inspection",
                        severity=h.severity.value,
                        description=h.description,
                        equipment_code=record.equipment_code,
                        use_unit_id=standing_row["use_unit_id"],
                        unit_id=None,
                        deadline=h.deadline,
                        inspection_id=record.id,
                        signal_id=None,
                    ).to_event(source=outbox.settings.service_name, subject=str(h.id)),
                    HazardFoundV1.topic,
                )
                for h in record.hazards
            ],
        )
    return record, True
