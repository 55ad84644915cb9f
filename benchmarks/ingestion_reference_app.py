"""The bare reference of the single-item ingestion rows of `make bench` (swipes and fills).

A Starlette app on an asyncpg pool of 10, one uvicorn process, no auth, no validation beyond
`json.loads`, no middleware, no rules: `POST /swipes` takes one swipe and `POST /fills` one fill,
and each writes the same two rows the service writes for a new item — its idempotency key and
its row in the partitioned table — in one statement, and answers the same shape. What the
service adds on top (tokens, validation, the replicas' lookup, the rules, pairing into visits,
events) is what the ratio measures. Each route runs against its own service's schema
(SWIPE_REFERENCE_DATABASE_URL, FILL_REFERENCE_DATABASE_URL; an unset one leaves its route out).

    uvicorn ingestion_reference_app:app
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

COMPANY = uuid.UUID(int=1)
STATION = uuid.UUID(int=2)
_SWIPE = """
WITH key AS (
    INSERT INTO swipe_keys (scope, client_key, status, reasons)
    VALUES ($1, $2, 'accepted', '[]') ON CONFLICT DO NOTHING RETURNING 1
)
INSERT INTO swipes (company_id, swipe_id, equipment_code, certificate_number, kind, at, lat, lon,
                    source, visit_kind, status, reasons, client_id)
SELECT $3, $2, $4, $5, $6, $7, $8, $9, $10, NULL, 'accepted', '{}', 'reference'
WHERE EXISTS (SELECT 1 FROM key)
"""
_FILL = """
WITH key AS (
    INSERT INTO fill_keys (scope, client_key, status, reasons)
    VALUES ($1, $2, 'accepted', '[]') ON CONFLICT DO NOTHING RETURNING 1
)
INSERT INTO fills (station_id, fill_id, cylinder_code, filler_certificate, medium, started_at,
                   ended_at, prefill_appearance, prefill_residual_pressure, prefill_valve,
                   prefill_inspection_mark, prefill_medium_marking, postfill_leak,
                   postfill_mass_or_pressure, postfill_temperature, filled_mass_kg,
                   final_pressure_mpa, status, reasons)
SELECT $3, $2, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
       'accepted', '{}'
WHERE EXISTS (SELECT 1 FROM key)
"""


def _answer(id_field: str, item_id: str) -> Response:
    answer = {"results": [{id_field: item_id, "status": "accepted", "reasons": []}]}
    return Response(json.dumps(answer), media_type="application/json")


async def post_swipe(request: Request) -> Response:
    body = json.loads(await request.body())
    pool: asyncpg.Pool = request.app.state.pools["swipes"]
    async with pool.acquire() as conn:
        await conn.execute(
            _SWIPE,
            f"swipe:{COMPANY}",
            body["swipe_id"],
            COMPANY,
            body["equipment_code"],
            body["certificate_number"],
            body["kind"],
            datetime.fromisoformat(body["at"]),
            body.get("lat"),
            body.get("lon"),
            body.get("source"),
        )
    return _answer("swipe_id", body["swipe_id"])


async def post_fill(request: Request) -> Response:
    body = json.loads(await request.body())
    before, after = body["prefill_checks"], body["postfill_checks"]
    pool: asyncpg.Pool = request.app.state.pools["fills"]
    async with pool.acquire() as conn:
        await conn.execute(
            _FILL,
            f"fill:{STATION}",
            body["fill_id"],
            STATION,
            body["cylinder_code"],
            body["filler_certificate"],
            body["medium"],
            datetime.fromisoformat(body["started_at"]),
            datetime.fromisoformat(body["ended_at"]),
            before["appearance"],
            before["residual_pressure"],
            before["valve"],
            before["inspection_mark"],
            before["medium_marking"],
            after["leak"],
            after["mass_or_pressure"],
            after["temperature"],
            body.get("filled_mass_kg"),
            body.get("final_pressure_mpa"),
        )
    return _answer("fill_id", body["fill_id"])


_ROUTES = {
    "swipes": ("SWIPE_REFERENCE_DATABASE_URL", post_swipe),
    "fills": ("FILL_REFERENCE_DATABASE_URL", post_fill),
}


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.pools = {}
    for name, (variable, _) in _ROUTES.items():
        if url := os.environ.get(variable):
            app.state.pools[name] = await asyncpg.create_pool(url, min_size=10, max_size=10)
    try:
        yield
    finally:
        for pool in app.state.pools.values():
            await pool.close()


async def ready(request: Request) -> Response:
    return Response("ok")


app = Starlette(
    routes=[
        Route("/", ready),
        *(Route(f"/{name}", handler, methods=["POST"]) for name, (_, handler) in _ROUTES.items()),
    ],
    lifespan=lifespan,
)
