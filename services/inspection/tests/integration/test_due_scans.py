"""POST /api/v1/due-scans: the bureau runs a pass for a date and reads what it fired."""

from __future__ import annotations

from datetime import date

import httpx
from fastapi import FastAPI

from inspection_factories import seed_equipment, snapshot
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory


async def test_a_pass_answers_the_stages_it_fired_and_a_rerun_fires_nothing_again(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    in_use = snapshot(category="1000", variety="1100", commissioned_on="2025-06-15")
    suspended = snapshot(
        category="1000", variety="1100", commissioned_on="2025-06-15", status="suspended"
    )
    await seed_equipment(app, in_use, suspended, today=date(2026, 1, 1))

    first = await client.post(
        "/api/v1/due-scans", json={"as_of": "2026-06-16"}, headers=tokens.bureau()
    )
    again = await client.post(
        "/api/v1/due-scans", json={"as_of": "2026-06-16"}, headers=tokens.bureau()
    )

    assert first.status_code == 200
    # Due 2026-06-15 and first seen after it: only the stage in effect fires, for the
    # equipment in use (停用 equipment is not due while suspended).
    assert first.json() == {
        "as_of": "2026-06-16",
        "counts": {"reminder": 0, "warning": 0, "overdue": 1},
        "hazards_overdue": 0,
        "seals_expired": 0,
    }
    assert again.json()["counts"] == {"reminder": 0, "warning": 0, "overdue": 0}
    async with app.state.database.connection() as conn:
        hazard = await conn.fetchrow(
            "SELECT equipment_code, severity, due_on, state FROM hazards "
            "WHERE source = 'due_workflow'"
        )
    assert dict(hazard) == {
        "equipment_code": in_use["equipment_code"],
        "severity": "major",
        "due_on": date(2026, 6, 15),
        "state": "open",
    }


async def test_only_the_bureau_runs_a_pass_and_a_date_is_required(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    for kind in (CallerKind.inspection_agency, CallerKind.use_unit, CallerKind.government_system):
        answer = await client.post(
            "/api/v1/due-scans", json={"as_of": "2026-01-01"}, headers=tokens.headers(kind)
        )
        assert answer.status_code == 403
    for body in ({}, {"as_of": "2026-02-30"}, {"as_of": 20260101}):
        answer = await client.post("/api/v1/due-scans", json=body, headers=tokens.bureau())
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "as_of"
