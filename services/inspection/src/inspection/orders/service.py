"""Issuing a supervision order (监察指令书): one transaction that locks the hazards, takes the
bureau's next number for the year, records the order, moves the hazards to order_issued and
writes one `tzsb.hazard.order_issued.v1` per hazard."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from inspection.hazards.rules import HazardFacts, HazardState
from inspection.hazards.service import conflict
from inspection.orders import queries
from inspection.orders.rules import (
    CoveredHazard,
    OrderViolation,
    order_conflict,
    order_number,
    order_violations,
)
from inspection.orders.schemas import OrderCreate, OrderHazard, OrderRead
from tzsb_common.auth import Principal
from tzsb_common.contracts.hazard import HazardOrderIssuedV1
from tzsb_common.outbox import Outbox
from tzsb_common.pg import Database


class OrderRefused(Exception):
    """The request breaks a rule; nothing was written."""

    def __init__(self, violations: list[OrderViolation]) -> None:
        super().__init__(", ".join(v.code for v in violations))
        self.violations = violations


def _covered(row: dict[str, Any]) -> CoveredHazard:
    return CoveredHazard(
        id=row["id"],
        facts=HazardFacts(
            state=HazardState(row["state"]),
            severity=row["severity"],
            equipment_code=row["equipment_code"],
            evidence_count=row["evidence_count"],
            supervised=row["supervised_at"] is not None,
            sealed_on=row["sealed_on"],
            seal_ends_on=row["seal_ends_on"],
            seal_extended=row["seal_extended"],
            seal_released_on=row["seal_released_on"],
        ),
        answerable_unit=row["unit_id"] if row["unit_id"] is not None else row["use_unit_id"],
    )


async def issue_order(
    database: Database,
    outbox: Outbox,
    *,
    principal: Principal,
    data: OrderCreate,
    today: date,
    number_prefix: str,
) -> OrderRead:
    async with database.transaction() as conn:
        rows = await queries.lock_hazards(conn, data.hazard_ids)
        found = {row["id"]: _covered(row) for row in rows}
        violations = order_violations(data.hazard_ids, found, deadline=data.deadline, today=today)
        if violations:
            raise OrderRefused(violations)
        refused = order_conflict(list(found.values()), today=today)
        if refused is not None:
            hazard_id, reason = refused
            problem = conflict(reason)
            problem.extensions["hazard_id"] = hazard_id
            raise problem
        [unit] = {h.answerable_unit for h in found.values()}
        use_units = {row["use_unit_id"] for row in rows}
        sequence = await queries.next_number(conn, principal.organisation_id, today.year)
        number = order_number(number_prefix, today.year, sequence)
        order_id = await queries.insert_order(
            conn,
            {
                "bureau_id": principal.organisation_id,
                "number_year": today.year,
                "number_seq": sequence,
                "number": number,
                "unit_id": unit,
                "use_unit_id": use_units.pop() if len(use_units) == 1 else None,
                "deadline": data.deadline,
                "requirements": data.requirements,
                "issued_on": today,
                "issued_by": principal.client_id,
            },
        )
        covered = await queries.cover_hazards(conn, order_id, list(found), data.deadline)
        await outbox.add_events_on_connection(
            conn,
            [
                (
                    HazardOrderIssuedV1(
                        hazard_id=hazard["id"],
                        order_id=order_id,
                        order_number=number,
                        deadline=data.deadline,
                        equipment_code=hazard["equipment_code"],
                        use_unit_id=hazard["use_unit_id"],
                        unit_id=hazard["unit_id"],
                    ).to_event(source=outbox.settings.service_name, subject=str(hazard["id"])),
                    HazardOrderIssuedV1.topic,
                )
                for hazard in sorted(covered, key=lambda h: h["id"])
            ],
        )
        order = await queries.get_order(conn, order_id)
        assert order is not None
        hazards = await queries.hazards_of(conn, order_id)
    return _to_read(order, hazards)


def _to_read(order: dict[str, Any], hazards: list[dict[str, Any]]) -> OrderRead:
    return OrderRead.model_validate(
        {**order, "hazards": [OrderHazard.model_validate(h) for h in hazards]}
    )


async def list_orders(
    database: Database,
    *,
    zone: str,
    filters: dict[str, Any],
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[OrderRead]:
    async with database.connection() as conn:
        orders = await queries.list_orders(
            conn, zone=zone, filters=filters, after=after, limit=limit
        )
        hazards = await queries.hazards_of_orders(conn, [o["id"] for o in orders])
    return [_to_read(order, hazards.get(order["id"], [])) for order in orders]


async def get_order(database: Database, *, order_id: uuid.UUID) -> OrderRead | None:
    async with database.connection() as conn:
        order = await queries.get_order(conn, order_id)
        if order is None:
            return None
        hazards = await queries.hazards_of(conn, order_id)
    return _to_read(order, hazards)
