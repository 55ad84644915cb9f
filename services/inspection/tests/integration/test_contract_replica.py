"""The maintenance-contract replica: the registry's newest version of a contract wins, and its
elevators' rows follow it."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import FastAPI

from inspection_factories import contract, equipment_code, seed_contracts


async def rows_of(app: FastAPI, contract_id: str) -> list[dict[str, Any]]:
    async with app.state.database.connection() as conn:
        rows = await conn.fetch(
            "SELECT equipment_code, in_force_until FROM contract_elevators "
            "WHERE contract_id = $1::uuid ORDER BY equipment_code",
            contract_id,
        )
    return [dict(row) for row in rows]


async def test_a_termination_ends_the_contract_for_each_of_its_elevators(app: FastAPI) -> None:
    codes = sorted([equipment_code(), equipment_code()])
    entered = contract(*codes)
    terminated = {
        **entered,
        "status": "terminated",
        "terminated_on": "2026-09-30",
        "termination_reason": "合同解除",
        "in_force_until": "2026-09-30",
        "version": 2,
    }

    await seed_contracts(app, entered)
    await seed_contracts(app, terminated)
    await seed_contracts(app, entered)  # an old version arriving late changes nothing

    assert await rows_of(app, entered["contract_id"]) == [
        {"equipment_code": code, "in_force_until": date(2026, 9, 30)} for code in codes
    ]


async def test_an_elevator_taken_off_a_contract_loses_its_row(app: FastAPI) -> None:
    kept, dropped = equipment_code(), equipment_code()
    entered = contract(kept, dropped)

    await seed_contracts(app, entered)
    await seed_contracts(app, {**entered, "equipment_codes": [kept], "version": 2})

    assert [r["equipment_code"] for r in await rows_of(app, entered["contract_id"])] == [kept]
