"""Equipment use cases: one transaction each, with its event in the outbox.

They run on a raw asyncpg connection (tzsb_common.pg): registering and reading one record are
the registry's hottest paths. A refused request raises `EquipmentRefused` with the violations;
the route decides how they are shown to an HTTP caller.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from registry.equipment import queries
from registry.equipment.catalogue import Category, variety_belongs_to
from registry.equipment.rules import (
    EquipmentReason,
    Violation,
    check_attributes,
    dates_problem,
    status_change_problem,
)
from registry.equipment.schemas import (
    NOT_NULLABLE_ON_UPDATE,
    EquipmentCreate,
    EquipmentRead,
    EquipmentRegion,
    EquipmentUpdate,
)
from registry.organisations.schemas import OrganisationKind
from tzsb_common.contracts.registry import (
    EquipmentCreatedV1,
    EquipmentSnapshot,
    EquipmentUpdatedV1,
)
from tzsb_common.outbox import Outbox
from tzsb_common.pg import Connection, Database
from tzsb_common.problems import Conflict, NotFound, PreconditionFailed


class EquipmentRefused(Exception):
    """The record would break a rule; nothing was written."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__(", ".join(v.code for v in violations))
        self.violations = violations


def to_read(values: dict[str, Any]) -> EquipmentRead:
    values["region"] = EquipmentRegion(
        province=values.pop("province"), city=values.pop("city"), district=values.pop("district")
    )
    return EquipmentRead.model_validate(values)


def to_snapshot(record: EquipmentRead) -> EquipmentSnapshot:
    return EquipmentSnapshot.model_validate(
        record.model_dump(mode="json", exclude={"created_at", "updated_at"})
    )


async def _check_references(
    conn: Connection,
    *,
    category: Category,
    values: dict[str, Any],
    organisation_kinds: Mapping[uuid.UUID, str] | None = None,
) -> dict[str, Any]:
    """The checks pydantic cannot make alone: variety of the category, attributes, use unit.

    `organisation_kinds` holds kinds the caller has read already; others are read on `conn`."""
    violations: list[Violation] = []
    if "variety" in values and not variety_belongs_to(values["variety"], category):
        violations.append(
            Violation(
                ("variety",),
                EquipmentReason.unknown_variety,
                f"{values['variety']} is not a variety of category {category.value}",
            )
        )
    if "attributes" in values:
        values["attributes"], attribute_violations = check_attributes(
            category, values["attributes"]
        )
        violations.extend(attribute_violations)
    if "use_unit_id" in values:
        kind = (organisation_kinds or {}).get(values["use_unit_id"])
        if kind is None:
            kind = await queries.organisation_kind(conn, values["use_unit_id"])
        if kind != OrganisationKind.use_unit:
            violations.append(
                Violation(
                    ("use_unit_id",),
                    EquipmentReason.unknown_use_unit,
                    "no use unit (使用单位) with this id is registered",
                )
            )
    if violations:
        raise EquipmentRefused(violations)
    return values


def _flatten_region(values: dict[str, Any]) -> dict[str, Any]:
    region = values.pop("region", None)
    if region is not None:
        values.update(region)
    return values


def _refuse_inconsistent(
    current: EquipmentRead | None, merged: dict[str, Any], changes: dict[str, Any]
) -> None:
    violations: list[Violation] = []
    problem = dates_problem(merged.get("manufactured_on"), merged.get("commissioned_on"))
    if problem is not None:
        field = "manufactured_on" if "manufactured_on" in changes else "commissioned_on"
        violations.append(Violation((field,), EquipmentReason.dates_inconsistent, problem))
    if current is not None and "status" in changes:
        problem = status_change_problem(current.status, changes["status"])
        if problem is not None:
            violations.append(
                Violation(("status",), EquipmentReason.status_change_not_allowed, problem)
            )
    if violations:
        raise EquipmentRefused(violations)


async def check_new_equipment(
    conn: Connection,
    data: EquipmentCreate,
    *,
    organisation_kinds: Mapping[uuid.UUID, str] | None = None,
) -> dict[str, Any]:
    """Every rule a new record must pass: the values to store (region nested), or
    `EquipmentRefused`. Registering one record and the bulk import both call this, so a rule
    added here holds for both. `organisation_kinds`: kinds the caller has read already (an
    import reads a chunk's use units in one statement, not one per row)."""
    values = data.model_dump()
    _refuse_inconsistent(None, values, values)
    return await _check_references(
        conn, category=data.category, values=values, organisation_kinds=organisation_kinds
    )


async def register_equipment(
    database: Database, outbox: Outbox, *, data: EquipmentCreate
) -> EquipmentRead:
    async with database.transaction() as conn:
        values = await check_new_equipment(conn, data)
        row = await queries.insert_equipment(conn, _flatten_region(values))
        if row is None:
            raise Conflict(f"equipment {data.equipment_code} is already registered")
        record = to_read(row)
        await outbox.add_on_connection(
            conn, EquipmentCreatedV1(equipment=to_snapshot(record)), subject=record.equipment_code
        )
    return record


async def change_equipment(
    database: Database,
    outbox: Outbox,
    *,
    equipment_code: str,
    changes: EquipmentUpdate,
    expected_versions: frozenset[int] | None = None,
) -> EquipmentRead:
    """Only the fields sent change. `expected_versions` (from `If-Match`) makes the change
    conditional: another writer's change in between answers 412 instead of being overwritten."""
    requested = changes.model_dump(mode="python", exclude_unset=True)
    nulls = sorted(k for k in NOT_NULLABLE_ON_UPDATE if k in requested and requested[k] is None)
    if nulls:
        raise EquipmentRefused(
            [
                Violation((k,), EquipmentReason.null_not_allowed, "this field cannot be null")
                for k in nulls
            ]
        )
    async with database.transaction() as conn:
        current_row = await queries.get_equipment(conn, equipment_code, for_update=True)
        if current_row is None:
            raise NotFound(f"no equipment with code {equipment_code}")
        current = to_read(current_row)
        # An empty set is `If-Match: *`: any current version will do.
        if expected_versions and current.version not in expected_versions:
            raise PreconditionFailed(
                f"equipment {equipment_code} is at version {current.version}; "
                "read it again and repeat the change",
                current_version=current.version,
            )
        _refuse_inconsistent(current, {**current.model_dump(), **requested}, requested)
        checked = await _check_references(conn, category=current.category, values=requested)
        before = current.model_dump(mode="python")
        changed = sorted(field for field, value in checked.items() if value != before[field])
        if not changed:
            return current
        values = _flatten_region({k: checked[k] for k in changed})
        values["version"] = current.version + 1
        values["updated_at"] = datetime.now(UTC)
        record = to_read(await queries.update_equipment(conn, equipment_code, values))
        await outbox.add_on_connection(
            conn,
            EquipmentUpdatedV1(equipment=to_snapshot(record), changed_fields=changed),
            subject=equipment_code,
        )
    return record


async def get_equipment(database: Database, *, equipment_code: str) -> EquipmentRead | None:
    async with database.connection() as conn:
        row = await queries.get_equipment(conn, equipment_code)
    return to_read(row) if row is not None else None


async def list_equipment(
    database: Database, *, filters: dict[str, Any], after_code: str | None, limit: int
) -> list[EquipmentRead]:
    async with database.connection() as conn:
        rows = await queries.list_equipment(
            conn, filters=filters, after_code=after_code, limit=limit
        )
    return [to_read(row) for row in rows]
