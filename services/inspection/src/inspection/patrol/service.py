"""The online patrol's use cases: count the questions, list the equipment behind one, and note
codes seen in use (the fifth question's evidence)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from inspection.hazards.service import found_event
from inspection.patrol import queries
from inspection.patrol.rules import (
    PatrolHazardOutcome,
    PatrolHazardViolation,
    PatrolQuestion,
    Sighting,
    merge_sightings,
    patrol_hazard,
    patrol_hazard_violations,
)
from inspection.patrol.schemas import (
    PatrolCounts,
    PatrolHazardItem,
    PatrolHazardsCreate,
    PatrolHazardsRead,
    PatrolItem,
)
from tzsb_common.auth import Principal
from tzsb_common.contracts.hazard import HazardFoundV1
from tzsb_common.outbox import Outbox
from tzsb_common.pg import Database


async def count_questions(
    database: Database, *, as_of: date, park: str | None, use_unit_id: uuid.UUID | None
) -> PatrolCounts:
    async with database.connection() as conn:
        counts = await queries.count_questions(
            conn, as_of=as_of, park=park, use_unit_id=use_unit_id
        )
    return PatrolCounts(as_of=as_of, **counts)


def _item(row: dict[str, Any]) -> PatrolItem:
    return PatrolItem.model_validate(
        {"last_seen_at": None, **row, "seen_in": list(row.get("seen_in") or [])}
    )


async def list_question(
    database: Database,
    *,
    question: PatrolQuestion,
    as_of: date,
    park: str | None,
    use_unit_id: uuid.UUID | None,
    after: str | None,
    limit: int,
) -> list[PatrolItem]:
    async with database.connection() as conn:
        rows = await queries.list_question(
            conn,
            question=question,
            as_of=as_of,
            park=park,
            use_unit_id=use_unit_id,
            after=after,
            limit=limit,
        )
    return [_item(row) for row in rows]


async def note_sightings(session: AsyncSession, sightings: Sequence[Sighting]) -> None:
    """In the caller's transaction (a consumer's chunk)."""
    await queries.record_sightings(session, merge_sightings(sightings))


async def note_sighting(database: Database, sighting: Sighting) -> None:
    """In a transaction of its own: the request that saw the code is refused and rolls back,
    while the sighting is kept."""
    async with database.transaction() as conn:
        await queries.record_sightings_on(conn, merge_sightings([sighting]))


class PatrolHazardsRefused(Exception):
    """The request breaks a rule; nothing was written."""

    def __init__(self, violations: list[PatrolHazardViolation]) -> None:
        super().__init__(", ".join(v.code for v in violations))
        self.violations = violations


async def open_hazards(
    database: Database,
    outbox: Outbox,
    *,
    principal: Principal,
    question: PatrolQuestion,
    data: PatrolHazardsCreate,
    today: date,
) -> PatrolHazardsRead:
    """网上巡查发现隐患 — one hazard (source online_patrol) per piece of equipment the question
    names, unless one is still open; each new one published as found, in one transaction."""
    violations = patrol_hazard_violations(
        codes=data.equipment_codes, all_listed=data.all, deadline=data.deadline, today=today
    )
    if violations:
        raise PatrolHazardsRefused(violations)
    as_of = data.as_of or today
    asked = None if data.equipment_codes is None else list(dict.fromkeys(data.equipment_codes))
    async with database.transaction() as conn:
        members = await queries.question_members(
            conn,
            question=question,
            as_of=as_of,
            park=data.park,
            use_unit_id=data.use_unit_id,
            codes=asked,
        )
        listed = {m["equipment_code"]: m for m in members}
        held = await queries.open_hazards_of(conn, question, list(listed))
        to_open = []
        for code, member in listed.items():
            if code in held or (member["use_unit_id"] is None and member["unit_id"] is None):
                continue
            severity, description = patrol_hazard(
                question,
                due_on=member["due_on"],
                severity=data.severity.value if data.severity else None,
            )
            to_open.append({**member, "severity": severity, "description": description})
        opened = await queries.open_hazards(
            conn,
            question=question,
            deadline=data.deadline,
            opened_by=principal.client_id,
            rows=to_open,
        )
        if opened:
            await outbox.add_events_on_connection(
                conn,
                [
                    (
                        found_event(row).to_event(
                            source=outbox.settings.service_name, subject=str(row["id"])
                        ),
                        HazardFoundV1.topic,
                    )
                    for row in opened
                ],
            )
        new = {row["equipment_code"]: row["id"] for row in opened}
        if len(new) < len(to_open):  # another request opened some of them meanwhile
            held.update(await queries.open_hazards_of(conn, question, list(listed)))
    items = [
        _outcome(code, listed.get(code), new=new, held=held)
        for code in (asked if asked is not None else list(listed))
    ]
    return PatrolHazardsRead(
        question=question.value,
        as_of=as_of,
        opened=len(new),
        already_open=sum(i.outcome is PatrolHazardOutcome.already_open for i in items),
        items=items,
    )


def _outcome(
    code: str,
    member: dict[str, Any] | None,
    *,
    new: dict[str, uuid.UUID],
    held: dict[str, uuid.UUID],
) -> PatrolHazardItem:
    if member is None:
        return PatrolHazardItem(
            equipment_code=code, outcome=PatrolHazardOutcome.not_on_list, hazard_id=None
        )
    if code in new:
        return PatrolHazardItem(
            equipment_code=code, outcome=PatrolHazardOutcome.opened, hazard_id=new[code]
        )
    if code in held:
        return PatrolHazardItem(
            equipment_code=code, outcome=PatrolHazardOutcome.already_open, hazard_id=held[code]
        )
    return PatrolHazardItem(
        equipment_code=code, outcome=PatrolHazardOutcome.no_answerable_unit, hazard_id=None
    )
