"""Personnel-certificate use cases: one transaction each, with its event in the outbox.

Records are read and written with the holder's identity number in full; masking is a matter
of who is shown a record, decided where it is shown (routes.py).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from registry.certificates import queries
from registry.certificates.rules import CertificateItem, CertificateReason, employer_violation
from registry.certificates.schemas import CertificateCreate, CertificateRead, CertificateUpdate
from registry.equipment.rules import Violation
from registry.validity import validity_violations
from tzsb_common.contracts.registry import (
    CertificateCreatedV1,
    CertificateSnapshot,
    CertificateUpdatedV1,
)
from tzsb_common.outbox import Outbox
from tzsb_common.pg import Database
from tzsb_common.problems import Conflict, NotFound, PreconditionFailed


class CertificateRefused(Exception):
    """The certificate or the change would break a rule; nothing was written."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__(", ".join(v.code for v in violations))
        self.violations = violations


def to_read(values: dict[str, Any]) -> CertificateRead:
    return CertificateRead.model_validate(values)


def to_snapshot(record: CertificateRead) -> CertificateSnapshot:
    # The identity number stays out of every event (see CertificateSnapshot).
    return CertificateSnapshot.model_validate(
        record.model_dump(mode="json", exclude={"id_number", "created_at", "updated_at"})
    )


async def create_certificate(
    database: Database, outbox: Outbox, *, data: CertificateCreate
) -> CertificateRead:
    violations = validity_violations(data.valid_from, data.valid_to)
    async with database.transaction() as conn:
        employer = employer_violation(await queries.organisation_kind(conn, data.employer_id))
        if employer is not None:
            violations.insert(0, employer)
        if violations:
            raise CertificateRefused(violations)
        row = await queries.insert_certificate(conn, data.model_dump())
        if row is None:
            raise Conflict(f"a certificate numbered {data.number} is already registered")
        record = to_read(row)
        await outbox.add_on_connection(
            conn, CertificateCreatedV1(certificate=to_snapshot(record)), subject=record.number
        )
    return record


async def change_certificate(
    database: Database,
    outbox: Outbox,
    *,
    number: str,
    changes: CertificateUpdate,
    expected_versions: frozenset[int] | None = None,
) -> CertificateRead:
    requested = changes.model_dump(exclude_unset=True)
    nulls = sorted(name for name, value in requested.items() if value is None)
    if nulls:
        raise CertificateRefused(
            [
                Violation((name,), CertificateReason.null_not_allowed, "this field cannot be null")
                for name in nulls
            ]
        )
    async with database.transaction() as conn:
        current_row = await queries.get_certificate(conn, number, for_update=True)
        if current_row is None:
            raise NotFound(f"no certificate numbered {number}")
        current = to_read(current_row)
        if expected_versions and current.version not in expected_versions:
            raise PreconditionFailed(
                f"certificate {number} is at version {current.version}; "
                "read it again and repeat the change",
                current_version=current.version,
            )
        before = current.model_dump()
        changed = sorted(name for name, value in requested.items() if value != before[name])
        if not changed:
            return current
        merged = {**before, **requested}
        violations = validity_violations(merged["valid_from"], merged["valid_to"])
        if "employer_id" in changed:
            problem = employer_violation(
                await queries.organisation_kind(conn, requested["employer_id"])
            )
            if problem is not None:
                violations.insert(0, problem)
        if violations:
            raise CertificateRefused(violations)
        record = to_read(
            await queries.update_certificate(conn, number, {k: requested[k] for k in changed})
        )
        await outbox.add_on_connection(
            conn,
            CertificateUpdatedV1(certificate=to_snapshot(record), changed_fields=changed),
            subject=number,
        )
    return record


async def get_certificate(database: Database, *, number: str) -> CertificateRead | None:
    async with database.connection() as conn:
        row = await queries.get_certificate(conn, number)
    return to_read(row) if row is not None else None


async def list_certificates(
    database: Database,
    *,
    employer_id: uuid.UUID | None,
    item: CertificateItem | None,
    valid_on: date | None,
    after_number: str | None,
    limit: int,
) -> list[CertificateRead]:
    async with database.connection() as conn:
        rows = await queries.list_certificates(
            conn,
            employer_id=employer_id,
            item=item.value if item else None,
            valid_on=valid_on,
            after_number=after_number,
            limit=limit,
        )
    return [to_read(row) for row in rows]
