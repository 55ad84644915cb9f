"""Equipment use cases: one transaction each, with its event in the outbox.

They run on a raw asyncpg connection (tzsb_common.pg): registering and reading one record are
the registry's hottest paths. A refused request raises `EquipmentRefused` with the violations;
the route decides how they are shown to an HTTP caller. A write the record's state forbids
(deregistered equipment is read-only) is a `Conflict`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from registry.equipment import queries
from registry.equipment.catalogue import Category, variety_belongs_to
from registry.equipment.rules import (
    EquipmentConflict,
    EquipmentReason,
    EquipmentWrite,
    Violation,
    business_today,
    check_attributes,
    code_prefix_problem,
    cylinder_problem,
    date_violations,
    effective_on_violations,
    initial_status_problem,
    installation_notice_problem,
    insurance_violations,
    missing_attributes,
    registration_violations,
    status_change_problem,
    write_conflict,
)
from registry.equipment.schemas import (
    NOT_NULLABLE_ON_UPDATE,
    REFUSED_ON_UPDATE,
    ElevatorInsurance,
    EquipmentCreate,
    EquipmentRead,
    EquipmentRegion,
    EquipmentRegistration,
    EquipmentStatusChange,
    EquipmentStatusChangeRead,
    EquipmentUpdate,
)
from registry.organisations.schemas import OrganisationKind
from tzsb_common.auth import Principal
from tzsb_common.contracts.registry import (
    EquipmentCreatedV1,
    EquipmentRegisteredV1,
    EquipmentSnapshot,
    EquipmentStatusChangedV1,
    EquipmentUpdatedV1,
)
from tzsb_common.outbox import Outbox
from tzsb_common.pg import Connection, Database
from tzsb_common.problems import Conflict, NotFound, PreconditionFailed

_CONFLICTS = {
    EquipmentConflict.equipment_deregistered: "is deregistered (注销) and can no longer change",
    EquipmentConflict.equipment_scrapped: "is scrapped (报废) and cannot be registered",
}


class EquipmentRefused(Exception):
    """The record would break a rule; nothing was written."""

    def __init__(self, violations: list[Violation], detail: str | None = None) -> None:
        super().__init__(", ".join(v.code for v in violations))
        self.violations = violations
        self.detail = detail


def to_read(values: dict[str, Any]) -> EquipmentRead:
    values["region"] = EquipmentRegion(
        province=values.pop("province"), city=values.pop("city"), district=values.pop("district")
    )
    insurance = {field: values.pop(column) for field, column in queries.INSURANCE_COLUMNS.items()}
    values["insurance"] = (
        ElevatorInsurance(**insurance) if insurance["insurer"] is not None else None
    )
    return EquipmentRead.model_validate(values)


def to_snapshot(record: EquipmentRead) -> EquipmentSnapshot:
    return EquipmentSnapshot.model_validate(
        record.model_dump(mode="json", exclude={"created_at", "updated_at"})
    )


def _today() -> date:
    return business_today(datetime.now(UTC))


def _raise_if(violations: list[Violation]) -> None:
    if violations:
        raise EquipmentRefused(violations)


def _present(*violations: Violation | None) -> list[Violation]:
    return [v for v in violations if v is not None]


async def _check_references(
    conn: Connection,
    *,
    category: Category,
    equipment_code: str,
    values: dict[str, Any],
    current: EquipmentRead | None = None,
    organisation_kinds: Mapping[uuid.UUID, str] | None = None,
    use_unit_checked_on_insert: bool = False,
) -> dict[str, Any]:
    """The checks pydantic cannot make alone: variety of the category (and of the code),
    attributes of the category, the use unit. `values` are the fields being written; `current`
    the record they change (None on creation); `organisation_kinds` kinds the caller has read
    already (others are read on `conn`)."""
    violations: list[Violation] = []
    # A new record always names its variety; a change may keep the current one.
    variety: str = values["variety"] if current is None else values.get("variety", current.variety)
    known_variety = variety_belongs_to(variety, category)
    if "variety" in values:
        if not known_variety:
            violations.append(
                Violation(
                    ("variety",),
                    EquipmentReason.unknown_variety,
                    f"{values['variety']} is not a variety of category {category.value}",
                )
            )
        else:
            violations += _present(cylinder_problem(variety))
            prefix = code_prefix_problem(equipment_code, variety)
            if prefix is not None and current is not None:
                # The code never changes; the variety sent is what disagrees with it.
                prefix = Violation(("variety",), prefix.code, prefix.message)
            violations += _present(prefix)
    if "attributes" in values:
        values["attributes"], attribute_violations = check_attributes(
            category, values["attributes"]
        )
        violations.extend(attribute_violations)
    if known_variety and ("attributes" in values or "variety" in values) and not violations:
        attributes = values.get("attributes", current.attributes if current else {})
        violations += missing_attributes(category, variety, attributes)
    notice_id = values.get("installation_notice_id")
    if notice_id is not None:
        use_unit_id: uuid.UUID = (
            values["use_unit_id"]
            if current is None or "use_unit_id" in values
            else current.use_unit_id
        )
        violations += _present(
            installation_notice_problem(
                await queries.installation_notice_use_unit(conn, notice_id), use_unit_id
            )
        )
    # A registration's insert checks its use unit itself; looked up here only when the
    # request is refused anyway, so that the answer names every problem at once.
    if "use_unit_id" in values and not (use_unit_checked_on_insert and not violations):
        kind = (organisation_kinds or {}).get(values["use_unit_id"])
        if kind is None:
            kind = await queries.organisation_kind(conn, values["use_unit_id"])
        if kind != OrganisationKind.use_unit:
            violations.append(_unknown_use_unit())
    _raise_if(violations)
    return values


def _unknown_use_unit() -> Violation:
    return Violation(
        ("use_unit_id",),
        EquipmentReason.unknown_use_unit,
        "no use unit (使用单位) with this id is registered",
    )


def _field_violations(merged: dict[str, Any], changed: frozenset[str], today: date) -> None:
    """Rules on the fields themselves, judged on the record as it would be after the write."""
    violations = date_violations(
        manufactured_on=merged.get("manufactured_on"),
        commissioned_on=merged.get("commissioned_on"),
        today=today,
        changed=changed,
    )
    if changed & {"registration_number", "registered_on"}:
        violations += registration_violations(
            registration_number=merged.get("registration_number"),
            registered_on=merged.get("registered_on"),
            manufactured_on=merged.get("manufactured_on"),
            today=today,
        )
    insurance = merged.get("insurance")
    if "insurance" in changed and insurance is not None:
        violations += insurance_violations(insurance["valid_from"], insurance["valid_to"])
    _raise_if(violations)


def _lock_checks(
    current_row: dict[str, Any] | None,
    *,
    equipment_code: str,
    expected_versions: frozenset[int] | None,
    write: EquipmentWrite,
) -> EquipmentRead:
    """The record to change, if it exists, is still at a version the caller expects (If-Match)
    and its state admits this kind of write."""
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
    conflict = write_conflict(current.status, write)
    if conflict is not None:
        raise Conflict(f"equipment {equipment_code} {_CONFLICTS[conflict]}", code=conflict.value)
    return current


async def check_new_equipment(
    conn: Connection,
    data: EquipmentCreate,
    *,
    organisation_kinds: Mapping[uuid.UUID, str] | None = None,
    today: date | None = None,
    use_unit_checked_on_insert: bool = False,
) -> dict[str, Any]:
    """Every rule a new record must pass: the values to store (region nested), or
    `EquipmentRefused`. Registering one record and the bulk import both call this, so a rule
    added here holds for both. `organisation_kinds`: kinds the caller has read already (an
    import reads a chunk's use units in one statement, not one per row)."""
    values = data.model_dump()
    _raise_if(_present(initial_status_problem(data.status)))
    _field_violations(values, frozenset(values), today or _today())
    return await _check_references(
        conn,
        category=data.category,
        equipment_code=data.equipment_code,
        values=values,
        organisation_kinds=organisation_kinds,
        use_unit_checked_on_insert=use_unit_checked_on_insert,
    )


async def register_equipment(
    database: Database, outbox: Outbox, *, data: EquipmentCreate, today: date | None = None
) -> EquipmentRead:
    """One statement writes the record and its `created` event, and inserts nothing unless the
    use unit is one: a single round trip where a transaction took five (BEGIN, the use unit's
    kind, the record, the event, COMMIT) — the registry's hottest write."""
    async with database.connection() as conn:
        values = await check_new_equipment(conn, data, today=today, use_unit_checked_on_insert=True)
        event = EquipmentCreatedV1(equipment=to_snapshot(new_record(values))).to_event(
            source=outbox.settings.service_name, subject=data.equipment_code
        )
        row = await queries.insert_equipment_with_event(
            conn,
            queries.to_columns(values),
            use_unit_id=data.use_unit_id,
            outbox_table=outbox.table.name,
            outbox_row=outbox.row_arrays([(event, EquipmentCreatedV1.topic)]),
        )
        if row is None:
            if await queries.equipment_exists(conn, data.equipment_code):
                raise Conflict(f"equipment {data.equipment_code} is already registered")
            raise EquipmentRefused([_unknown_use_unit()])
    return to_read(row)


def new_record(values: dict[str, Any]) -> EquipmentRead:
    """A record about to be written as the table will hold it: its first version, a status
    never changed. Its event is written with it, so it is built before the row exists."""
    now = datetime.now(UTC)
    return EquipmentRead.model_validate(
        {**values, "status_since": None, "version": 1, "created_at": now, "updated_at": now}
    )


def _refuse_fields_with_their_own_endpoint(equipment_code: str, requested: dict[str, Any]) -> None:
    refused = sorted(field for field in REFUSED_ON_UPDATE if field in requested)
    if not refused:
        return
    endpoints = sorted({REFUSED_ON_UPDATE[field] for field in refused})
    reasons = {
        "status": EquipmentReason.use_status_endpoint,
        "registration_number": EquipmentReason.use_registration_endpoint,
        "registered_on": EquipmentReason.use_registration_endpoint,
    }
    here = [endpoint.replace("{code}", equipment_code) for endpoint in endpoints]
    raise EquipmentRefused(
        [
            Violation(
                (field,),
                reasons[field],
                f"PATCH does not change {field}: use {REFUSED_ON_UPDATE[field]}",
            )
            for field in refused
        ],
        detail=f"PATCH does not change {', '.join(refused)}: use {' and '.join(endpoints)} "
        f"(for this record: {' and '.join(here)})",
    )


async def change_equipment(
    database: Database,
    outbox: Outbox,
    *,
    equipment_code: str,
    changes: EquipmentUpdate,
    expected_versions: frozenset[int] | None = None,
    today: date | None = None,
) -> EquipmentRead:
    """Only the fields sent change. `expected_versions` (from `If-Match`) makes the change
    conditional: another writer's change in between answers 412 instead of being overwritten."""
    requested = changes.model_dump(mode="python", exclude_unset=True)
    _refuse_fields_with_their_own_endpoint(equipment_code, requested)
    nulls = sorted(k for k in NOT_NULLABLE_ON_UPDATE if k in requested and requested[k] is None)
    _raise_if(
        [
            Violation((k,), EquipmentReason.null_not_allowed, "this field cannot be null")
            for k in nulls
        ]
    )
    async with database.transaction() as conn:
        current = _lock_checks(
            await queries.get_equipment(conn, equipment_code, for_update=True),
            equipment_code=equipment_code,
            expected_versions=expected_versions,
            write=EquipmentWrite.edit,
        )
        before = current.model_dump(mode="python")
        _field_violations({**before, **requested}, frozenset(requested), today or _today())
        checked = await _check_references(
            conn,
            category=current.category,
            equipment_code=equipment_code,
            values=requested,
            current=current,
        )
        changed = sorted(field for field, value in checked.items() if value != before[field])
        if not changed:
            return current
        values = queries.to_columns({k: checked[k] for k in changed})
        record = await _update(conn, current, values)
        await outbox.add_on_connection(
            conn,
            EquipmentUpdatedV1(equipment=to_snapshot(record), changed_fields=changed),
            subject=equipment_code,
        )
    return record


async def _update(
    conn: Connection, current: EquipmentRead, values: dict[str, Any]
) -> EquipmentRead:
    values["version"] = current.version + 1
    values["updated_at"] = datetime.now(UTC)
    return to_read(await queries.update_equipment(conn, current.equipment_code, values))


async def record_registration(
    database: Database,
    outbox: Outbox,
    *,
    equipment_code: str,
    registration: EquipmentRegistration,
    expected_versions: frozenset[int] | None = None,
    today: date | None = None,
) -> EquipmentRead:
    """使用登记: the certificate number and date. Registering again records the new certificate
    (变更登记 issues one); the same certificate twice is one registration."""
    async with database.transaction() as conn:
        current = _lock_checks(
            await queries.get_equipment(conn, equipment_code, for_update=True),
            equipment_code=equipment_code,
            expected_versions=expected_versions,
            write=EquipmentWrite.register,
        )
        _raise_if(
            registration_violations(
                registration_number=registration.registration_number,
                registered_on=registration.registered_on,
                manufactured_on=current.manufactured_on,
                today=today or _today(),
            )
        )
        if (current.registration_number, current.registered_on) == (
            registration.registration_number,
            registration.registered_on,
        ):
            return current
        record = await _update(conn, current, registration.model_dump())
        await outbox.add_on_connection(
            conn,
            EquipmentRegisteredV1(
                equipment=to_snapshot(record),
                registration_number=registration.registration_number,
                registered_on=registration.registered_on,
            ),
            subject=equipment_code,
        )
    return record


async def change_status(
    database: Database,
    outbox: Outbox,
    *,
    equipment_code: str,
    change: EquipmentStatusChange,
    changed_by: Principal,
    expected_versions: frozenset[int] | None = None,
    today: date | None = None,
) -> EquipmentRead:
    """在用/停用/报废/注销 as a transition allowed by the rules, audited, with its event. Asking
    for the status the record already has changes nothing (a retried request is harmless)."""
    async with database.transaction() as conn:
        current = _lock_checks(
            await queries.get_equipment(conn, equipment_code, for_update=True),
            equipment_code=equipment_code,
            expected_versions=expected_versions,
            write=EquipmentWrite.change_status,
        )
        if change.status is current.status:
            return current
        problem = status_change_problem(current.status, change.status)
        violations = (
            [Violation(("status",), EquipmentReason.status_change_not_allowed, problem)]
            if problem is not None
            else []
        )
        violations += effective_on_violations(
            change.effective_on, status_since=current.status_since, today=today or _today()
        )
        _raise_if(violations)
        record = await _update(
            conn, current, {"status": change.status.value, "status_since": change.effective_on}
        )
        await queries.insert_status_change(
            conn,
            {
                "equipment_code": equipment_code,
                "from_status": current.status.value,
                "to_status": change.status.value,
                "reason": change.reason,
                "effective_on": change.effective_on,
                "version": record.version,
                "changed_by": changed_by.client_id,
                "changed_by_organisation_id": changed_by.organisation_id,
            },
        )
        await outbox.add_on_connection(
            conn,
            EquipmentStatusChangedV1(
                equipment=to_snapshot(record),
                from_status=current.status.value,
                to_status=change.status.value,
                reason=change.reason,
                effective_on=change.effective_on,
            ),
            subject=equipment_code,
        )
    return record


async def list_status_changes(
    database: Database, *, equipment_code: str
) -> list[EquipmentStatusChangeRead]:
    async with database.connection() as conn:
        rows = await queries.list_status_changes(conn, equipment_code)
    return [EquipmentStatusChangeRead.model_validate(row) for row in rows]


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
