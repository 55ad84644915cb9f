"""Licence use cases: one transaction each, with its event in the outbox.

A refused request raises `LicenceRefused` with the violations; the route decides how an HTTP
caller sees them.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from registry.equipment.rules import Violation
from registry.licences import queries
from registry.licences.rules import (
    LicenceReason,
    holder_violation,
    next_status,
    scope_violations,
    transition_violation,
)
from registry.licences.schemas import (
    LicenceAction,
    LicenceCreate,
    LicenceKind,
    LicenceRead,
    LicenceStatusChangeRead,
    LicenceTransition,
)
from registry.validity import day_violation, today, validity_violations
from tzsb_common.auth import Principal
from tzsb_common.contracts.registry import (
    LicenceCreatedV1,
    LicenceSnapshot,
    LicenceStatusChangedV1,
)
from tzsb_common.outbox import Outbox
from tzsb_common.pg import Database
from tzsb_common.problems import Conflict, NotFound, PreconditionFailed


class LicenceRefused(Exception):
    """The licence or the change would break a rule; nothing was written."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__(", ".join(v.code for v in violations))
        self.violations = violations


def to_read(values: dict[str, Any]) -> LicenceRead:
    return LicenceRead.model_validate(values)


def to_snapshot(record: LicenceRead) -> LicenceSnapshot:
    return LicenceSnapshot.model_validate(
        {
            "licence_id": record.id,
            **record.model_dump(mode="json", exclude={"id", "created_at", "updated_at"}),
        }
    )


async def create_licence(database: Database, outbox: Outbox, *, data: LicenceCreate) -> LicenceRead:
    violations = scope_violations(data.kind, data.scope)
    violations += validity_violations(data.valid_from, data.valid_to)
    async with database.transaction() as conn:
        holder = holder_violation(
            data.kind, await queries.organisation_kind(conn, data.organisation_id)
        )
        if holder is not None:
            violations.insert(0, holder)
        if violations:
            raise LicenceRefused(violations)
        row = await queries.insert_licence(conn, {"id": uuid.uuid4(), **data.model_dump()})
        if row is None:
            raise Conflict(f"a licence numbered {data.number} is already registered")
        record = to_read(row)
        await outbox.add_on_connection(
            conn, LicenceCreatedV1(licence=to_snapshot(record)), subject=str(record.id)
        )
    return record


async def change_status(
    database: Database,
    outbox: Outbox,
    *,
    licence_id: uuid.UUID,
    action: LicenceAction,
    transition: LicenceTransition,
    changed_by: Principal,
    expected_versions: frozenset[int] | None = None,
) -> LicenceRead:
    """Suspend, reinstate or revoke; the change is audited (who, why, from which day)."""
    effective_on = transition.effective_on or today()
    problem = day_violation("effective_on", effective_on, today=today())
    if problem is not None:
        raise LicenceRefused([problem])
    async with database.transaction() as conn:
        current_row = await queries.get_licence(conn, licence_id, for_update=True)
        if current_row is None:
            raise NotFound(f"no licence with id {licence_id}")
        current = to_read(current_row)
        if expected_versions and current.version not in expected_versions:
            raise PreconditionFailed(
                f"licence {licence_id} is at version {current.version}; "
                "read it again and repeat the change",
                current_version=current.version,
            )
        new_status = next_status(current.status, action)
        if new_status is None:
            refusal = transition_violation(current.status, action)
            # The body is fine; the licence's current state forbids it, hence 409, not 422.
            raise Conflict(
                refusal.message if refusal else None,
                code=LicenceReason.transition_not_allowed.value,
                current_status=current.status.value,
            )
        record = to_read(
            await queries.change_status(
                conn,
                licence_id,
                status=new_status.value,
                reason=transition.reason,
                effective_on=effective_on,
            )
        )
        await queries.record_status_change(
            conn,
            {
                "licence_id": licence_id,
                "action": action.value,
                "from_status": current.status.value,
                "to_status": new_status.value,
                "reason": transition.reason,
                "effective_on": effective_on,
                "version": record.version,
                "changed_by_client": changed_by.client_id,
                "changed_by_organisation": changed_by.organisation_id,
            },
        )
        await outbox.add_on_connection(
            conn,
            status_changed_event(record, action=action, effective_on=effective_on),
            subject=str(licence_id),
        )
    return record


def status_changed_event(
    record: LicenceRead, *, action: LicenceAction, effective_on: date
) -> LicenceStatusChangedV1:
    return LicenceStatusChangedV1(
        licence=to_snapshot(record),
        action=action.value,
        reason=record.status_reason or "",
        effective_on=effective_on,
    )


async def get_licence(database: Database, *, licence_id: uuid.UUID) -> LicenceRead | None:
    async with database.connection() as conn:
        row = await queries.get_licence(conn, licence_id)
    return to_read(row) if row is not None else None


async def list_status_changes(
    database: Database, *, licence_id: uuid.UUID
) -> list[LicenceStatusChangeRead]:
    async with database.connection() as conn:
        rows = await queries.status_changes(conn, licence_id)
    return [LicenceStatusChangeRead.model_validate(row) for row in rows]


async def list_licences(
    database: Database,
    *,
    organisation_id: uuid.UUID | None,
    kind: LicenceKind | None,
    valid_on: date | None,
    after_id: uuid.UUID | None,
    limit: int,
) -> list[LicenceRead]:
    async with database.connection() as conn:
        rows = await queries.list_licences(
            conn,
            organisation_id=organisation_id,
            kind=kind.value if kind else None,
            valid_on=valid_on,
            after_id=after_id,
            limit=limit,
        )
    return [to_read(row) for row in rows]
