"""The elevator list: one statement per page, each elevator's standing by the one rule."""

from __future__ import annotations

import uuid
from datetime import date
from zoneinfo import ZoneInfo

from elevator_maintenance.elevators import queries
from elevator_maintenance.elevators.schemas import ElevatorRead
from elevator_maintenance.visits.rules import maintenance_standing
from tzsb_common.pg import Database


async def list_elevators(
    database: Database,
    *,
    company_id: uuid.UUID | None,
    today: date,
    after: str | None,
    overdue: bool | None,
    limit: int,
    zone: ZoneInfo,
    regular_interval_days: int,
) -> list[ElevatorRead]:
    async with database.connection() as conn:
        rows = await queries.list_elevators(
            conn,
            company_id=company_id,
            today=today,
            after=after,
            overdue=overdue,
            limit=limit,
            zone=zone.key,
            regular_interval_days=regular_interval_days,
        )
    items = []
    for row in rows:
        ended = row["last_visit_ended_at"]
        standing = maintenance_standing(
            ended.astimezone(zone).date() if ended else None,
            interval_days=row["contract_interval_days"],
            today=today,
            regular_interval_days=regular_interval_days,
        )
        items.append(
            ElevatorRead(
                equipment_code=row["equipment_code"],
                status=row["status"],
                maintenance_company_id=row["maintenance_company_id"],
                last_visit_id=row["last_visit_id"],
                last_visit_ended_at=ended,
                interval_days=standing.interval_days,
                due_by=standing.due_by,
                overdue_since=standing.overdue_since,
            )
        )
    return items
