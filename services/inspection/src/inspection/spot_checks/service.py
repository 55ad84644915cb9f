"""Spot checks: the bureau's list of inspectors, the draw (one transaction: grade the units, draw,
store the seed and the lists drawn from, publish), the draw read back and drawn again, and the
result of each unit's check (stored and published)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from inspection.hazards.service import found_event
from inspection.risk_grades.rules import Grading, RiskGrade
from inspection.risk_grades.service import graded_units_on
from inspection.spot_checks import queries
from inspection.spot_checks.rules import (
    MAX_SEED,
    Candidate,
    FoundHazard,
    SpotCheckReason,
    Violation,
    candidates_of,
    check_draw,
    check_found_hazards,
    check_result,
    draw,
    hazards_to_open,
)
from inspection.spot_checks.schemas import (
    CandidateRead,
    DrawCreate,
    DrawnInspectorRead,
    DrawnUnitRead,
    DrawRead,
    InspectorCreate,
    InspectorRead,
    InspectorUpdate,
    SpotCheckResultRead,
    SpotCheckResultWrite,
)
from tzsb_common.auth import Principal
from tzsb_common.contracts.inspection import (
    SpotCheckDrawnV1,
    SpotCheckResultV1,
    SpotCheckUnitDrawn,
)
from tzsb_common.outbox import Outbox
from tzsb_common.pg import Connection, Database
from tzsb_common.problems import Conflict, NotFound, PreconditionFailed


class SpotCheckRefused(Exception):
    """The request breaks a rule; nothing was written."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__(", ".join(v.code for v in violations))
        self.violations = violations


# -- inspectors ---------------------------------------------------------------------------------


async def add_inspector(database: Database, *, data: InspectorCreate) -> InspectorRead:
    async with database.transaction() as conn:
        row = await queries.insert_inspector(
            conn, name=data.name, certificate_number=data.certificate_number, park=data.park
        )
    if row is None:
        raise Conflict(
            f"an inspector with certificate {data.certificate_number} is already listed",
            code="certificate_number_taken",
        )
    return InspectorRead.model_validate(row)


async def list_inspectors(
    database: Database,
    *,
    active: bool | None,
    park: str | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[InspectorRead]:
    async with database.connection() as conn:
        rows = await queries.list_inspectors(
            conn, active=active, park=park, after=after, limit=limit
        )
    return [InspectorRead.model_validate(row) for row in rows]


async def change_inspector(
    database: Database,
    *,
    inspector_id: uuid.UUID,
    changes: InspectorUpdate,
    expected_versions: frozenset[int] | None,
) -> InspectorRead:
    requested = changes.model_dump(exclude_unset=True)
    nulls = sorted(k for k in ("name", "active") if k in requested and requested[k] is None)
    if nulls:
        raise SpotCheckRefused(
            [
                Violation((k,), SpotCheckReason.null_not_allowed, "this field cannot be null")
                for k in nulls
            ]
        )
    async with database.transaction() as conn:
        row = await queries.get_inspector(conn, inspector_id, for_update=True)
        if row is None:
            raise NotFound(f"no inspector with id {inspector_id}")
        if expected_versions and row["version"] not in expected_versions:
            raise PreconditionFailed(
                f"this record is at version {row['version']}; read it again and repeat the change",
                current_version=row["version"],
            )
        merged = {**row, **requested}
        if all(merged[k] == row[k] for k in requested):
            return InspectorRead.model_validate(row)
        updated = await queries.update_inspector(
            conn, inspector_id, name=merged["name"], park=merged["park"], active=merged["active"]
        )
    return InspectorRead.model_validate(updated)


# -- draws --------------------------------------------------------------------------------------


def _candidates_from(stored: list[list[Any]]) -> list[Candidate]:
    return [Candidate(uuid.UUID(unit), RiskGrade(grade), weight) for unit, grade, weight in stored]


async def make_draw(
    database: Database,
    outbox: Outbox,
    *,
    principal: Principal,
    data: DrawCreate,
    grading: Grading,
    lots: Mapping[RiskGrade, int],
    zone: ZoneInfo,
    today: date,
) -> DrawRead:
    as_of = data.as_of or today
    seed = data.seed if data.seed is not None else secrets.randbelow(MAX_SEED + 1)
    draw_id = uuid.uuid4()
    async with database.transaction() as conn:
        graded = await graded_units_on(conn, grading=grading, as_of=as_of, zone=zone)
        if data.park is not None:
            in_park = await queries.units_in_park(conn, data.park)
            graded = [g for g in graded if g.use_unit_id in in_park]
        candidates = candidates_of([(g.use_unit_id, g.grade) for g in graded], lots)
        pool = await queries.active_inspector_ids(conn)
        violations = check_draw(
            unit_count=data.unit_count,
            inspector_count=data.inspector_count,
            candidates=len(candidates),
            inspectors=len(pool),
        )
        if violations:
            raise SpotCheckRefused(violations)
        drawn = draw(
            seed=seed,
            candidates=candidates,
            inspector_pool=pool,
            unit_count=data.unit_count,
            inspector_count=data.inspector_count,
        )
        await queries.insert_draw(
            conn,
            {
                "id": draw_id,
                "seed": seed,
                "as_of": as_of,
                "park": data.park,
                "unit_count": data.unit_count,
                "inspector_count": data.inspector_count,
                "candidates": [[str(c.use_unit_id), c.grade.value, c.weight] for c in candidates],
                "inspector_pool": [str(i) for i in pool],
                "drawn_by": principal.client_id,
            },
        )
        await queries.insert_drawn(
            conn,
            draw_id,
            units=[(c.use_unit_id, c.grade.value) for c in drawn.units],
            inspector_ids=drawn.inspector_ids,
        )
        await outbox.add_on_connection(
            conn,
            SpotCheckDrawnV1(
                draw_id=draw_id,
                seed=seed,
                as_of=as_of,
                park=data.park,
                candidate_count=len(candidates),
                units=[
                    SpotCheckUnitDrawn(position=n, use_unit_id=c.use_unit_id, grade=c.grade.value)
                    for n, c in enumerate(drawn.units, start=1)
                ],
                inspector_ids=drawn.inspector_ids,
            ),
            subject=str(draw_id),
        )
        record = await _read_draw(conn, draw_id)
    assert record is not None
    return record


def _result(row: dict[str, Any]) -> SpotCheckResultRead | None:
    if row["conclusion"] is None:
        return None
    return SpotCheckResultRead.model_validate(
        {**row, "hazard_ids": list(row.get("hazard_ids") or [])}
    )


def _unit(row: dict[str, Any]) -> DrawnUnitRead:
    return DrawnUnitRead(
        position=row["position"],
        use_unit_id=row["use_unit_id"],
        grade=RiskGrade(row["grade"]),
        result=_result(row),
    )


async def _read_draw(conn: Connection, draw_id: uuid.UUID) -> DrawRead | None:
    row = await queries.get_draw(conn, draw_id)
    if row is None:
        return None
    units = await queries.drawn_units(conn, draw_id)
    inspectors = await queries.drawn_inspectors(conn, draw_id)
    candidates = _candidates_from(row["candidates"])
    pool = [uuid.UUID(i) for i in row["inspector_pool"]]
    again = draw(
        seed=row["seed"],
        candidates=candidates,
        inspector_pool=pool,
        unit_count=row["unit_count"],
        inspector_count=row["inspector_count"],
    )
    reproduced = [c.use_unit_id for c in again.units] == [
        u["use_unit_id"] for u in units
    ] and again.inspector_ids == [i["inspector_id"] for i in inspectors]
    return DrawRead(
        id=row["id"],
        seed=row["seed"],
        as_of=row["as_of"],
        park=row["park"],
        unit_count=row["unit_count"],
        inspector_count=row["inspector_count"],
        drawn_at=row["drawn_at"],
        units=[_unit(u) for u in units],
        inspectors=[DrawnInspectorRead.model_validate(i) for i in inspectors],
        candidates=[
            CandidateRead(use_unit_id=c.use_unit_id, grade=c.grade, weight=c.weight)
            for c in candidates
        ],
        inspector_pool=pool,
        reproduced=reproduced,
    )


async def get_draw(database: Database, *, draw_id: uuid.UUID) -> DrawRead | None:
    """The draw as stored, and whether drawing again from its seed and lists gives the same."""
    async with database.connection() as conn:
        return await _read_draw(conn, draw_id)


def _same_result(row: dict[str, Any], data: SpotCheckResultWrite) -> bool:
    return bool(
        row["conclusion"] == data.conclusion.value
        and row["checked_on"] == data.checked_on
        and row["equipment_checked"] == data.equipment_checked
        and row["hazards_found"] == data.hazards_found
        and row["findings"] == data.findings
    )


async def record_result(
    database: Database,
    outbox: Outbox,
    *,
    principal: Principal,
    draw_id: uuid.UUID,
    data: SpotCheckResultWrite,
    zone: ZoneInfo,
    today: date,
) -> tuple[DrawnUnitRead, bool]:
    """The unit with its result and whether the result is new: the same result sent again (a
    retry) answers the one held; a different one for a unit already recorded is a conflict."""
    async with database.transaction() as conn:
        draw_row = await queries.get_draw(conn, draw_id)
        if draw_row is None:
            raise NotFound(f"no spot-check draw with id {draw_id}")
        unit = await queries.lock_drawn_unit(conn, draw_id, data.use_unit_id)
        violations = check_result(
            drawn=unit is not None,
            drawn_on=draw_row["drawn_at"].astimezone(zone).date(),
            checked_on=data.checked_on,
            today=today,
            conclusion=data.conclusion,
            hazards_found=data.hazards_found,
        )
        found = [
            FoundHazard(
                severity=h.severity.value,
                description=h.description,
                equipment_code=h.equipment_code,
                deadline=h.deadline,
            )
            for h in data.hazards
        ]
        owners = await queries.equipment_units(
            conn, [h.equipment_code for h in found if h.equipment_code is not None]
        )
        violations += check_found_hazards(
            found,
            conclusion=data.conclusion,
            hazards_found=data.hazards_found,
            drawn_unit=data.use_unit_id,
            equipment_units=owners,
            today=today,
        )
        if violations:
            raise SpotCheckRefused(violations)
        assert unit is not None
        if unit["conclusion"] is not None:
            if not _same_result(unit, data):
                raise Conflict(
                    "this unit's result is already recorded", code="result_already_recorded"
                )
            return _unit(unit), False
        row = await queries.record_result(
            conn,
            draw_id,
            data.use_unit_id,
            conclusion=data.conclusion.value,
            checked_on=data.checked_on,
            equipment_checked=data.equipment_checked,
            hazards_found=data.hazards_found,
            findings=data.findings,
            recorded_by=principal.client_id,
        )
        opened = await queries.open_hazards(
            conn,
            opened_by=principal.client_id,
            draw_id=draw_id,
            use_unit_id=data.use_unit_id,
            rows=[
                {
                    "equipment_code": h.equipment_code,
                    # The unit drawn is a use unit, and it answers for what was found on its
                    # premises: its equipment, equipment found there unregistered, itself. So
                    # the hazard also weighs on its risk grade.
                    "use_unit_id": data.use_unit_id,
                    "unit_id": None,
                    "severity": h.severity,
                    "description": h.description,
                    "deadline": h.deadline,
                    "item": n,
                }
                for n, h in enumerate(
                    hazards_to_open(
                        found, hazards_found=data.hazards_found, findings=data.findings
                    ),
                    start=1,
                )
            ],
        )
        for hazard in opened:
            await outbox.add_on_connection(conn, found_event(hazard), subject=str(hazard["id"]))
        row = {**row, "hazard_ids": [h["id"] for h in opened]}
        await outbox.add_on_connection(
            conn,
            SpotCheckResultV1(
                draw_id=draw_id,
                use_unit_id=data.use_unit_id,
                conclusion=data.conclusion.value,
                checked_on=data.checked_on,
                equipment_checked=data.equipment_checked,
                hazards_found=data.hazards_found,
                findings=data.findings,
            ),
            subject=str(draw_id),
        )
    return _unit(row), True
