"""The bare reference of the single-swipe row of `make bench`.

A Starlette app on an asyncpg pool of 10, one uvicorn process, no auth, no validation beyond
`json.loads`, no middleware, no rules: `POST /swipes` takes one swipe and writes the same two
rows the service writes for a new one — its idempotency key and its row in the partitioned
swipes table — in one statement, and answers the same shape. What the service adds on top
(tokens, validation, the replicas' lookup, the rules, pairing into visits) is what the ratio
measures.

    uvicorn swipe_reference_app:app   (SWIPE_REFERENCE_DATABASE_URL=postgresql://…)
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
_INSERT = """
WITH key AS (
    INSERT INTO swipe_keys (scope, client_key, status, reasons)
    VALUES ($1, $2, 'accepted', '[]') ON CONFLICT DO NOTHING RETURNING 1
)
INSERT INTO swipes (company_id, swipe_id, equipment_code, certificate_number, kind, at, lat, lon,
                    source, visit_kind, status, reasons, client_id)
SELECT $3, $2, $4, $5, $6, $7, $8, $9, $10, NULL, 'accepted', '{}', 'reference'
WHERE EXISTS (SELECT 1 FROM key)
"""


async def post_swipe(request: Request) -> Response:
    body = json.loads(await request.body())
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as conn:
        await conn.execute(
            _INSERT,
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
    answer = {"results": [{"swipe_id": body["swipe_id"], "status": "accepted", "reasons": []}]}
    return Response(json.dumps(answer), media_type="application/json")


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(
        os.environ["SWIPE_REFERENCE_DATABASE_URL"], min_size=10, max_size=10
    )
    try:
        yield
    finally:
        await app.state.pool.close()


app = Starlette(routes=[Route("/swipes", post_swipe, methods=["POST"])], lifespan=lifespan)
