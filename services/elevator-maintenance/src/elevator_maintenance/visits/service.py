"""Visits: pairing the swipes a batch added (inside the swipe transaction), and the reads."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from elevator_maintenance.visits import queries
from elevator_maintenance.visits.rules import (
    MaintenanceStanding,
    PairingSwipe,
    VisitPlan,
    maintenance_standing,
    pair_swipes,
    plan_visits,
)
from elevator_maintenance.visits.schemas import MaintenanceRead, VisitRead
from tzsb_common.contracts.elevator import VisitCompletedV1
from tzsb_common.ids import uuid7
from tzsb_common.outbox import Outbox
from tzsb_common.pg import Connection, Database


@dataclass(frozen=True, slots=True)
class Paired:
    plans: list[VisitPlan]
    """the visits that are new or gained workers"""
    history: list[Any]
    """the worker visits in `history_windows(plans)`, the new ones included"""


async def pair_new_swipes(
    conn: Connection,
    outbox: Outbox,
    *,
    company_id: uuid.UUID,
    swipes: Sequence[PairingSwipe],
    window: timedelta,
    history_windows: Callable[[Sequence[VisitPlan]], list[tuple[str, datetime, datetime]]],
) -> Paired:
    """Pair the accepted swipes this transaction adds (written already, or still to be) with
    each other and with the company's unpaired swipes of the same elevators and certificates;
    record the visits they make and publish `visit_completed` for each visit that is new or
    gained a worker. Reads, with the write, the worker visits the anomaly rules need
    (`history_windows` of the plans)."""
    if not swipes:
        return Paired([], [])
    codes = sorted({s.equipment_code for s in swipes})
    await queries.lock_elevators(conn, codes)
    spans: dict[tuple[str, str], tuple[datetime, datetime]] = {}
    for s in swipes:
        key = (s.equipment_code, s.certificate_number)
        low, high = spans.get(key, (s.at, s.at))
        spans[key] = (min(low, s.at), max(high, s.at))
    # The batch's own swipes may not be in the table yet (ingestion writes them last); they
    # are unpaired by definition, and found once however they arrive here.
    candidates = {s.swipe_id: s for s in swipes}
    held: list[VisitPlan] = []
    for row in await queries.unpaired_and_held(
        conn,
        company_id=company_id,
        windows=[
            (code, cert, low - window, high + window)
            for (code, cert), (low, high) in sorted(spans.items())
        ],
        codes=codes,
        since=min(low for low, _ in spans.values()) - window,
        until=max(high for _, high in spans.values()) + window,
    ):
        if row["what"] == "visit":
            held.append(
                VisitPlan(
                    visit_id=row["id"],
                    equipment_code=row["equipment_code"],
                    started_at=row["started_at"],
                    ended_at=row["ended_at"],
                    kind=row["visit_kind"],
                    workers=list(row["workers"]),
                    is_new=False,
                )
            )
            continue
        candidates.setdefault(
            row["swipe_id"],
            PairingSwipe(
                swipe_id=row["swipe_id"],
                equipment_code=row["equipment_code"],
                certificate_number=row["certificate_number"],
                kind=row["kind"],
                at=row["at"],
                visit_kind=row["visit_kind"],
            ),
        )
    pairs = pair_swipes(list(candidates.values()), window=window)
    if not pairs:
        return Paired([], [])
    # In time order: each batch's visits go at the end of the indexes keyed by the visit.
    plans = plan_visits(pairs, held, new_id=uuid7)
    history = await queries.write_visits(
        conn,
        company_id=company_id,
        visits=[(v.visit_id, v.equipment_code, v.started_at, v.ended_at, v.kind) for v in plans],
        workers=[
            (
                v.visit_id,
                p.certificate_number,
                p.start.swipe_id,
                p.end.swipe_id,
                p.start.at,
                p.end.at,
            )
            for v in plans
            for p in v.new_pairs
        ],
        event_columns=outbox.row_arrays(
            [
                (
                    VisitCompletedV1(
                        visit_id=v.visit_id,
                        equipment_code=v.equipment_code,
                        maintenance_company_id=company_id,
                        started_at=v.started_at,
                        ended_at=v.ended_at,
                        kind=v.kind,
                        workers=v.workers,
                    ).to_event(source=outbox.settings.service_name, subject=v.equipment_code),
                    VisitCompletedV1.topic,
                )
                for v in plans
            ]
        ),
        history=history_windows(plans),
    )
    return Paired(plans, history)


def _read(row: dict[str, object]) -> VisitRead:
    return VisitRead.model_validate(row)


async def get_visit(database: Database, visit_id: uuid.UUID) -> VisitRead | None:
    async with database.connection() as conn:
        row = await queries.get_visit(conn, visit_id)
    return _read(row) if row is not None else None


async def list_visits(
    database: Database,
    *,
    company_id: uuid.UUID | None,
    equipment_code: str | None,
    since: datetime | None,
    until: datetime | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[VisitRead]:
    async with database.connection() as conn:
        rows = await queries.list_visits(
            conn,
            company_id=company_id,
            equipment_code=equipment_code,
            since=since,
            until=until,
            after=after,
            limit=limit,
        )
    return [_read(row) for row in rows]


async def maintains(
    database: Database, *, company_id: uuid.UUID, equipment_code: str, today: date
) -> bool:
    """Whether the company holds a contract for the elevator in force today."""
    async with database.connection() as conn:
        contracts = await queries.contracts_on(conn, equipment_code, today)
    return any(c["maintenance_company_id"] == company_id for c in contracts)


async def elevator_maintenance(
    database: Database,
    *,
    equipment_code: str,
    today: date,
    zone: ZoneInfo,
    regular_interval_days: int,
) -> MaintenanceRead | None:
    """None for an elevator the replica does not hold."""
    async with database.connection() as conn:
        elevator = await queries.get_elevator(conn, equipment_code)
        if elevator is None:
            return None
        contracts = await queries.contracts_on(conn, equipment_code, today)
        last = await queries.last_visit(conn, equipment_code)
    interval = next(
        (c["maintenance_interval_days"] for c in contracts if c["maintenance_interval_days"]),
        None,
    )
    standing: MaintenanceStanding = maintenance_standing(
        last["ended_at"].astimezone(zone).date() if last else None,
        interval_days=interval,
        today=today,
        regular_interval_days=regular_interval_days,
    )
    return MaintenanceRead(
        equipment_code=equipment_code,
        status=elevator["status"],
        maintenance_company_id=contracts[0]["maintenance_company_id"] if contracts else None,
        last_visit=_read(last) if last else None,
        interval_days=standing.interval_days,
        due_by=standing.due_by,
        overdue_since=standing.overdue_since,
    )
