"""Supervision staff (特种设备安全监察人员): who inspects where, certified how, on duty or not —
enough to write table 1 of the annual report (监察机构情况). Each write is one transaction
with its event (`tzsb.registry.staff`) in the outbox."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from registry.equipment.rules import Violation
from registry.staff import queries
from registry.staff.queries import CertificateTaken
from registry.staff.rules import StaffReason, certificate_problem
from registry.staff.schemas import (
    NOT_NULLABLE_ON_UPDATE,
    GroupBy,
    StaffCount,
    StaffCounts,
    StaffCreate,
    StaffRead,
    StaffRegion,
    StaffUpdate,
)
from tzsb_common.contracts.registry import StaffCreatedV1, StaffSnapshot, StaffUpdatedV1
from tzsb_common.outbox import Outbox
from tzsb_common.pg import Database
from tzsb_common.problems import NotFound, PreconditionFailed

_REGION = ("province", "city", "district", "park")


class StaffRefused(Exception):
    def __init__(self, violations: list[Violation]) -> None:
        super().__init__(", ".join(v.code for v in violations))
        self.violations = violations


def to_read(values: dict[str, Any]) -> StaffRead:
    values["region"] = StaffRegion(**{part: values.pop(part) for part in _REGION})
    return StaffRead.model_validate(values)


def to_snapshot(record: StaffRead) -> StaffSnapshot:
    """The record as GET answers it, its id named after the record (it travels alone)."""
    values = record.model_dump(mode="json")
    values["staff_id"] = values.pop("id")
    return StaffSnapshot.model_validate(values)


def _flatten(values: dict[str, Any]) -> dict[str, Any]:
    region = values.pop("region", None)
    if region is not None:
        values.update(region)
    return values


def _certificate_taken() -> StaffRefused:
    return StaffRefused(
        [
            Violation(
                ("certificate_number",),
                StaffReason.duplicate_certificate,
                "another member of staff holds this certificate number",
            )
        ]
    )


async def add_staff(database: Database, outbox: Outbox, *, data: StaffCreate) -> StaffRead:
    values = data.model_dump(mode="json")
    problem = certificate_problem(values)
    if problem is not None:
        raise StaffRefused(
            [Violation(("certificate_level",), StaffReason.certificate_incomplete, problem)]
        )
    values["id"] = uuid.uuid4()
    async with database.transaction() as conn:
        try:
            row = await queries.insert_staff(conn, _flatten(values))
        except CertificateTaken:
            raise _certificate_taken() from None
        record = to_read(row)
        await outbox.add_on_connection(
            conn, StaffCreatedV1(staff=to_snapshot(record)), subject=str(record.id)
        )
    return record


async def change_staff(
    database: Database,
    outbox: Outbox,
    *,
    staff_id: uuid.UUID,
    changes: StaffUpdate,
    expected_versions: frozenset[int] | None,
) -> StaffRead:
    # Unset at the top level only: a region sent without `park` is a region outside any park
    # (exclude_unset would also drop the nested `park` and keep the old one).
    requested = changes.model_dump(mode="json", include=changes.model_fields_set)
    nulls = sorted(k for k in NOT_NULLABLE_ON_UPDATE if k in requested and requested[k] is None)
    if nulls:
        raise StaffRefused(
            [
                Violation((k,), StaffReason.null_not_allowed, "this field cannot be null")
                for k in nulls
            ]
        )
    async with database.transaction() as conn:
        row = await queries.get_staff(conn, staff_id, for_update=True)
        if row is None:
            raise NotFound(f"no member of staff with id {staff_id}")
        current = to_read(row)
        if expected_versions and current.version not in expected_versions:
            raise PreconditionFailed(
                f"this record is at version {current.version}; read it again and repeat the change",
                current_version=current.version,
            )
        merged = {**current.model_dump(mode="json"), **requested}
        problem = certificate_problem(merged)
        if problem is not None:
            field = (
                "certificate_level" if "certificate_number" in requested else "certificate_number"
            )
            raise StaffRefused([Violation((field,), StaffReason.certificate_incomplete, problem)])
        before = current.model_dump(mode="json")
        changed = {k: v for k, v in requested.items() if v != before[k]}
        if not changed:
            return current
        changed_fields = sorted(changed)  # the API's names (`region`), before flattening
        values = _flatten(changed)
        values["version"] = current.version + 1
        values["updated_at"] = datetime.now(UTC)
        try:
            updated = to_read(await queries.update_staff(conn, staff_id, values))
        except CertificateTaken:
            raise _certificate_taken() from None
        await outbox.add_on_connection(
            conn,
            StaffUpdatedV1(staff=to_snapshot(updated), changed_fields=changed_fields),
            subject=str(staff_id),
        )
    return updated


async def get_staff(database: Database, *, staff_id: uuid.UUID) -> StaffRead | None:
    async with database.connection() as conn:
        row = await queries.get_staff(conn, staff_id)
    return to_read(row) if row is not None else None


async def list_staff(
    database: Database, *, equal_to: dict[str, Any], after_id: uuid.UUID | None, limit: int
) -> list[StaffRead]:
    async with database.connection() as conn:
        rows = await queries.list_staff(conn, equal_to=equal_to, after_id=after_id, limit=limit)
    return [to_read(row) for row in rows]


async def count_staff(
    database: Database, *, group_by: GroupBy, province: str | None, city: str | None
) -> StaffCounts:
    async with database.connection() as conn:
        groups, total = await queries.count_staff(
            conn, group_by=group_by, province=province, city=city
        )
    return StaffCounts(
        group_by=group_by,
        groups=[_count(group) for group in groups],
        total=_count(total),
    )


def _count(values: dict[str, Any]) -> StaffCount:
    return StaffCount(
        province=values.get("province"),
        city=values.get("city"),
        district=values.get("district"),
        park=values.get("park"),
        supervision_body=values.get("supervision_body"),
        staff=values["staff"],
        certificate_level_a=values["certificate_level_a"],
        certificate_level_b=values["certificate_level_b"],
        active=values["active"],
    )
