"""Organisation use cases: one transaction each, the event in the same transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from registry.equipment.rules import Violation
from registry.organisations import queries
from registry.organisations.rules import change_violations, changed_fields
from registry.organisations.schemas import (
    OrganisationCreate,
    OrganisationKind,
    OrganisationRead,
    OrganisationRegion,
    OrganisationUpdate,
)
from tzsb_common.contracts.registry import (
    OrganisationCreatedV1,
    OrganisationSnapshot,
    OrganisationUpdatedV1,
)
from tzsb_common.outbox import Outbox
from tzsb_common.problems import Conflict, NotFound, PreconditionFailed


class OrganisationRefused(Exception):
    """The change would break a rule; nothing was written."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__(", ".join(v.code for v in violations))
        self.violations = violations


def to_read(row: Row[Any]) -> OrganisationRead:
    return OrganisationRead(
        id=row.id,
        credit_code=row.credit_code,
        name=row.name,
        kind=OrganisationKind(row.kind),
        region=OrganisationRegion(
            province=row.province, city=row.city, district=row.district, park=row.park
        )
        if row.province
        else None,
        address=row.address,
        version=row.version,
        created_at=row.created_at,
    )


def to_snapshot(record: OrganisationRead) -> OrganisationSnapshot:
    return OrganisationSnapshot(
        organisation_id=record.id,
        credit_code=record.credit_code,
        name=record.name,
        kind=record.kind.value,
        region=record.region.model_dump() if record.region else {},
        address=record.address,
        version=record.version,
    )


async def create_organisation(
    session: AsyncSession, outbox: Outbox, *, data: OrganisationCreate
) -> OrganisationRead:
    row = await queries.insert_organisation(
        session,
        id=uuid.uuid4(),
        credit_code=data.credit_code,
        name=data.name,
        kind=data.kind.value,
        address=data.address,
        **data.region.model_dump(),
    )
    if row is None:
        raise Conflict(f"an organisation with credit code {data.credit_code} already exists")
    record = to_read(row)
    snapshot = to_snapshot(record)
    await outbox.add(session, OrganisationCreatedV1(organisation=snapshot), subject=str(record.id))
    await session.commit()
    return record


def _columns(values: dict[str, Any]) -> dict[str, Any]:
    """The API's nested region as the table's flat columns."""
    region = values.pop("region", None)
    if region is not None:
        values.update(region)
    return values


async def change_organisation(
    session: AsyncSession,
    outbox: Outbox,
    *,
    organisation_id: uuid.UUID,
    changes: OrganisationUpdate,
    expected_versions: frozenset[int] | None = None,
) -> OrganisationRead:
    """Only the fields sent change. `expected_versions` (from `If-Match`) makes the change
    conditional: another writer's change in between answers 412 instead of being overwritten.
    The same values again change nothing (no new version, no event)."""
    # Unset at the top level only: a region sent without `park` is a region outside any park
    # (model_dump's exclude_unset would also drop `park` and keep the old one).
    requested = changes.model_dump(include=changes.model_fields_set)
    violations = change_violations(requested)
    if violations:
        raise OrganisationRefused(violations)
    row = await queries.select_organisation(session, organisation_id, for_update=True)
    if row is None:
        raise NotFound(f"no organisation with id {organisation_id}")
    current = to_read(row)
    # An empty set is `If-Match: *`: any current version will do.
    if expected_versions and current.version not in expected_versions:
        raise PreconditionFailed(
            f"organisation {organisation_id} is at version {current.version}; "
            "read it again and repeat the change",
            current_version=current.version,
        )
    changed = changed_fields(requested, current.model_dump())
    if not changed:
        return current
    values = _columns({field: requested[field] for field in changed})
    values["version"] = current.version + 1
    values["updated_at"] = datetime.now(UTC)
    record = to_read(await queries.update_organisation(session, organisation_id, values))
    await outbox.add(
        session,
        OrganisationUpdatedV1(organisation=to_snapshot(record), changed_fields=changed),
        subject=str(organisation_id),
    )
    await session.commit()
    return record


async def get_organisation(
    session: AsyncSession, *, organisation_id: uuid.UUID
) -> OrganisationRead | None:
    row = await queries.select_organisation(session, organisation_id)
    return to_read(row) if row is not None else None


async def require_organisation(
    session: AsyncSession, *, organisation_id: uuid.UUID
) -> OrganisationRead:
    record = await get_organisation(session, organisation_id=organisation_id)
    if record is None:
        raise NotFound(f"no organisation with id {organisation_id}")
    return record


async def list_organisations(
    session: AsyncSession,
    *,
    kind: OrganisationKind | None,
    credit_code: str | None,
    province: str | None,
    city: str | None,
    district: str | None,
    park: str | None,
    after_id: uuid.UUID | None,
    limit: int,
) -> list[OrganisationRead]:
    rows = await queries.select_organisations(
        session,
        equal_to={
            "kind": kind.value if kind else None,
            "credit_code": credit_code,
            "province": province,
            "city": city,
            "district": district,
            "park": park,
        },
        after_id=after_id,
        limit=limit,
    )
    return [to_read(row) for row in rows]
