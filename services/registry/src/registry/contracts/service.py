"""Maintenance-contract use cases: one transaction each, with its event in the outbox."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from registry.contracts import queries
from registry.contracts.rules import (
    ContractReason,
    HeldElevator,
    Period,
    company_violation,
    elevator_violations,
    in_force_until,
    overlap_violations,
    termination_violation,
)
from registry.contracts.schemas import ContractCreate, ContractRead, ContractTermination
from registry.equipment.rules import Violation
from registry.validity import validity_violations
from tzsb_common.contracts.registry import (
    ContractCreatedV1,
    ContractSnapshot,
    ContractTerminatedV1,
)
from tzsb_common.outbox import Outbox
from tzsb_common.pg import Database
from tzsb_common.problems import Conflict, NotFound, PreconditionFailed


class ContractRefused(Exception):
    """The contract or its termination would break a rule; nothing was written."""

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__(", ".join(v.code for v in violations))
        self.violations = violations


def to_read(values: dict[str, Any]) -> ContractRead:
    values["in_force_until"] = in_force_until(values["valid_to"], values["terminated_on"])
    return ContractRead.model_validate(values)


def to_snapshot(record: ContractRead) -> ContractSnapshot:
    return ContractSnapshot.model_validate(
        {
            "contract_id": record.id,
            **record.model_dump(mode="json", exclude={"id", "created_at", "updated_at"}),
        }
    )


async def create_contract(
    database: Database, outbox: Outbox, *, data: ContractCreate
) -> ContractRead:
    violations = validity_violations(data.valid_from, data.valid_to)
    codes = list(data.equipment_codes)
    period = Period(data.valid_from, data.valid_to)
    contract_id = uuid.uuid4()
    async with database.transaction() as conn:
        company = company_violation(
            await queries.organisation_kind(conn, data.maintenance_company_id)
        )
        if company is not None:
            violations.insert(0, company)
        violations += elevator_violations(codes, await queries.elevators(conn, codes))
        if not violations:
            await queries.lock_elevators(conn, codes)
            held = await queries.held_elevators(conn, codes, first=period.first, last=period.last)
            violations += overlap_violations(
                codes,
                period,
                [
                    HeldElevator(
                        row["equipment_code"],
                        row["contract_id"],
                        Period(row["valid_from"], row["in_force_until"]),
                    )
                    for row in held
                ],
            )
        if violations:
            raise ContractRefused(violations)
        await queries.insert_contract(
            conn, {"id": contract_id, **data.model_dump(), "equipment_codes": codes}
        )
        row = await queries.get_contract(conn, contract_id)
        assert row is not None, "inserted in this transaction"
        record = to_read(row)
        await outbox.add_on_connection(
            conn, ContractCreatedV1(contract=to_snapshot(record)), subject=str(contract_id)
        )
    return record


async def terminate_contract(
    database: Database,
    outbox: Outbox,
    *,
    contract_id: uuid.UUID,
    termination: ContractTermination,
    expected_versions: frozenset[int] | None = None,
) -> ContractRead:
    async with database.transaction() as conn:
        if not await queries.lock_contract(conn, contract_id):
            raise NotFound(f"no contract with id {contract_id}")
        current_row = await queries.get_contract(conn, contract_id)
        assert current_row is not None, "locked in this transaction"
        current = to_read(current_row)
        if expected_versions and current.version not in expected_versions:
            raise PreconditionFailed(
                f"contract {contract_id} is at version {current.version}; "
                "read it again and repeat the change",
                current_version=current.version,
            )
        if current.terminated_on is not None:
            raise Conflict(
                f"the contract was terminated on {current.terminated_on.isoformat()}",
                code=ContractReason.already_terminated.value,
            )
        problem = termination_violation(
            valid_from=current.valid_from,
            valid_to=current.valid_to,
            terminated_on=termination.terminated_on,
        )
        if problem is not None:
            raise ContractRefused([problem])
        await queries.terminate(
            conn,
            contract_id,
            terminated_on=termination.terminated_on,
            reason=termination.reason,
        )
        row = await queries.get_contract(conn, contract_id)
        assert row is not None, "locked in this transaction"
        record = to_read(row)
        await outbox.add_on_connection(
            conn, ContractTerminatedV1(contract=to_snapshot(record)), subject=str(contract_id)
        )
    return record


async def get_contract(database: Database, *, contract_id: uuid.UUID) -> ContractRead | None:
    async with database.connection() as conn:
        row = await queries.get_contract(conn, contract_id)
    return to_read(row) if row is not None else None


async def list_contracts(
    database: Database,
    *,
    maintenance_company_id: uuid.UUID | None,
    equipment_code: str | None,
    on: date | None,
    after_id: uuid.UUID | None,
    limit: int,
) -> list[ContractRead]:
    async with database.connection() as conn:
        rows = await queries.list_contracts(
            conn,
            maintenance_company_id=maintenance_company_id,
            equipment_code=equipment_code,
            on=on,
            after_id=after_id,
            limit=limit,
        )
    return [to_read(row) for row in rows]
