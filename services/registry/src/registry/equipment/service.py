"""Equipment use cases: one transaction each, with its event in the outbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from registry.equipment import queries
from registry.equipment.catalogue import Category, variety_belongs_to
from registry.equipment.rules import check_attributes, dates_problem, status_change_problem
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
from tzsb_common.problems import Conflict, FieldError, NotFound, ValidationFailed, field_error


def to_read(row: Row[Any]) -> EquipmentRead:
    values = row._asdict()
    values["region"] = EquipmentRegion(
        province=values.pop("province"), city=values.pop("city"), district=values.pop("district")
    )
    return EquipmentRead.model_validate(values)


def to_snapshot(record: EquipmentRead) -> EquipmentSnapshot:
    return EquipmentSnapshot.model_validate(
        record.model_dump(mode="json", exclude={"created_at", "updated_at"})
    )


async def _check_references(
    session: AsyncSession, *, category: Category, values: dict[str, Any]
) -> dict[str, Any]:
    """The checks pydantic cannot make alone: variety of the category, attributes, use unit."""
    errors: list[FieldError] = []
    if "variety" in values and not variety_belongs_to(values["variety"], category):
        errors.append(
            field_error(
                ["body", "variety"],
                f"{values['variety']} is not a variety of category {category.value}",
                "unknown_variety",
            )
        )
    if "attributes" in values:
        values["attributes"], attribute_errors = check_attributes(category, values["attributes"])
        errors.extend(attribute_errors)
    if "use_unit_id" in values:
        kind = await queries.organisation_kind(session, values["use_unit_id"])
        if kind != OrganisationKind.use_unit:
            errors.append(
                field_error(
                    ["body", "use_unit_id"],
                    "no use unit (使用单位) with this id is registered",
                    "unknown_use_unit",
                )
            )
    if errors:
        raise ValidationFailed(errors)
    return values


def _flatten_region(values: dict[str, Any]) -> dict[str, Any]:
    region = values.pop("region", None)
    if region is not None:
        values.update(region)
    return values


def _refuse_inconsistent(
    current: EquipmentRead | None, merged: dict[str, Any], changes: dict[str, Any]
) -> None:
    errors: list[FieldError] = []
    problem = dates_problem(merged.get("manufactured_on"), merged.get("commissioned_on"))
    if problem is not None:
        field = "manufactured_on" if "manufactured_on" in changes else "commissioned_on"
        errors.append(field_error(["body", field], problem, "dates_inconsistent"))
    if current is not None and "status" in changes:
        problem = status_change_problem(current.status, changes["status"])
        if problem is not None:
            errors.append(field_error(["body", "status"], problem, "status_change_not_allowed"))
    if errors:
        raise ValidationFailed(errors)


async def register_equipment(
    session: AsyncSession, outbox: Outbox, *, data: EquipmentCreate
) -> EquipmentRead:
    values = data.model_dump()
    _refuse_inconsistent(None, values, values)
    values = await _check_references(session, category=data.category, values=values)
    row = await queries.insert_equipment(session, _flatten_region(values))
    if row is None:
        raise Conflict(f"equipment {data.equipment_code} is already registered")
    record = to_read(row)
    await outbox.add(
        session, EquipmentCreatedV1(equipment=to_snapshot(record)), subject=record.equipment_code
    )
    await session.commit()
    return record


async def change_equipment(
    session: AsyncSession, outbox: Outbox, *, equipment_code: str, changes: EquipmentUpdate
) -> EquipmentRead:
    requested = changes.model_dump(mode="python", exclude_unset=True)
    nulls = sorted(k for k in NOT_NULLABLE_ON_UPDATE if k in requested and requested[k] is None)
    if nulls:
        raise ValidationFailed(
            [
                field_error(["body", k], "this field cannot be null", "null_not_allowed")
                for k in nulls
            ]
        )
    current_row = await queries.get_equipment(session, equipment_code, for_update=True)
    if current_row is None:
        raise NotFound(f"no equipment with code {equipment_code}")
    current = to_read(current_row)
    _refuse_inconsistent(current, {**current.model_dump(), **requested}, requested)
    category = current.category
    checked = await _check_references(session, category=category, values=requested)
    before = current.model_dump(mode="python")
    changed = sorted(field for field, value in checked.items() if value != before[field])
    if not changed:
        await session.rollback()
        return current
    values = _flatten_region({k: checked[k] for k in changed})
    values["version"] = current.version + 1
    values["updated_at"] = datetime.now(UTC)
    record = to_read(await queries.update_equipment(session, equipment_code, values))
    await outbox.add(
        session,
        EquipmentUpdatedV1(equipment=to_snapshot(record), changed_fields=changed),
        subject=equipment_code,
    )
    await session.commit()
    return record


async def get_equipment(session: AsyncSession, *, equipment_code: str) -> EquipmentRead:
    row = await queries.get_equipment(session, equipment_code)
    if row is None:
        raise NotFound(f"no equipment with code {equipment_code}")
    return to_read(row)


async def list_equipment(
    session: AsyncSession, *, filters: dict[str, Any], after_code: str | None, limit: int
) -> list[EquipmentRead]:
    rows = await queries.list_equipment(
        session, filters=filters, after_code=after_code, limit=limit
    )
    return [to_read(row) for row in rows]
