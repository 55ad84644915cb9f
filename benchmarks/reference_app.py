"""The bare reference every HTTP row of `make bench` is compared with.

A Starlette app on an asyncpg pool of 10, one uvicorn process, no auth, no validation beyond
`json.loads`, no middleware: `POST /equipment` inserts the same equipment row and one outbox row
as the registry does, in one transaction; `GET /equipment/{code}` reads one row and answers it as
JSON. What the platform adds on top of this (tokens, validation, problems, metrics, the access
log) is what the ratio measures.

    uvicorn benchmarks.reference_app:app   (REFERENCE_DATABASE_URL=postgresql://…)
"""

from __future__ import annotations

import json
import os
import uuid
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_INSERT_EQUIPMENT = """
INSERT INTO equipment (equipment_code, category, variety, status, use_unit_id,
                       province, city, district, attributes)
VALUES ($1, $2, $3, 'in_use', $4, $5, $6, $7, $8::jsonb)
RETURNING *
"""
_INSERT_OUTBOX = """
INSERT INTO outbox (event_id, topic, key, bucket, event) VALUES ($1, $2, $3, $4, $5::jsonb)
"""
_SELECT_EQUIPMENT = "SELECT * FROM equipment WHERE equipment_code = $1"


def _json_default(value: Any) -> str:
    return str(value)


def _row_json(row: asyncpg.Record) -> bytes:
    return json.dumps(dict(row), default=_json_default, ensure_ascii=False).encode()


async def create_equipment(request: Request) -> Response:
    body = json.loads(await request.body())
    region = body["region"]
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            _INSERT_EQUIPMENT,
            body["equipment_code"],
            body["category"],
            body["variety"],
            uuid.UUID(body["use_unit_id"]),
            region["province"],
            region["city"],
            region["district"],
            json.dumps(body.get("attributes", {})),
        )
        document = _row_json(row)
        await conn.execute(
            _INSERT_OUTBOX,
            uuid.uuid4(),
            "tzsb.registry.equipment",
            body["equipment_code"],
            zlib.crc32(body["equipment_code"].encode()) % 16,
            document.decode(),
        )
    return Response(document, status_code=201, media_type="application/json")


async def read_equipment(request: Request) -> Response:
    pool: asyncpg.Pool = request.app.state.pool
    async with pool.acquire() as conn:
        row = await conn.fetchrow(_SELECT_EQUIPMENT, request.path_params["code"])
    if row is None:
        return Response(b'{"status":404}', status_code=404, media_type="application/json")
    return Response(_row_json(row), media_type="application/json")


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(
        os.environ["REFERENCE_DATABASE_URL"], min_size=10, max_size=10
    )
    yield
    await app.state.pool.close()


app = Starlette(
    routes=[
        Route("/equipment", create_equipment, methods=["POST"]),
        Route("/equipment/{code}", read_equipment, methods=["GET"]),
    ],
    lifespan=lifespan,
)
