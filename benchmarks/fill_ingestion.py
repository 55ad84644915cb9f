"""The fill rows of `make bench`: `POST /api/v1/fills` of the running cylinder-trace service
against bare references measured in the same run, in the shape of the swipe rows:

- single fills at 32 and 200 clients against `ingestion_reference_app` (Starlette + asyncpg
  writing the same key and row into the same tables, in a database built by the same
  migrations);
- batches of 1,000 fills (rows/s) against asyncpg's `copy_records_to_table` of the same rows
  into the same partitioned table, with as many connections as the service has clients;
- the same batches posted again: every fill a duplicate, answered from the keys.

The service judges fills against its replicas, so the run first gives it a filling station
(organisation and API client in the registry, a real token) and writes straight into its replica
tables the station, its LPG filling licence and 50 fillers' certificates — what the registry's
events would have built — and 20,000 LPG cylinders of the station's own, and takes the licence,
the certificates and the cylinders away when it ends (`remove_seeded`): the bench runs against
the platform a bureau uses, whose cylinder lists must not fill with cylinders nobody
registered. Every request carries new fill ids.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from ingestion_support import (
    batch_row,
    organisation_with_token,
    reference_server,
    settled,
    single_row,
)

from tzsb_common.migrations import upgrade_to_head
from tzsb_common.pg import Database
from tzsb_common.settings import REPO_ROOT

BENCH_DIR = Path(__file__).resolve().parent
REFERENCE_DATABASE = "tzsb_bench_fill_reference"
CYLINDERS = 20_000
FILLERS = 50
BATCH = 1_000
BATCH_CLIENTS = 4
ZONE = ZoneInfo("Asia/Shanghai")

_FILL = (
    '{"fill_id":"%%s-%%d-%%d","cylinder_code":"%(prefix)s%%08d",'
    '"filler_certificate":"%(cert_prefix)s%%04d","medium":"LPG",'
    '"started_at":"%(started_at)s","ended_at":"%(ended_at)s",'
    '"prefill_checks":{"appearance":true,"residual_pressure":true,"valve":true,'
    '"inspection_mark":true,"medium_marking":true},'
    '"postfill_checks":{"leak":true,"mass_or_pressure":true,"temperature":true},'
    '"filled_mass_kg":14.2}'
)
_COMMON = """
local counter = %(start)d
local threads = 0
local tag = "%(tag)s"
function setup(thread)
  thread:set("thread_number", threads)
  threads = threads + 1
end
local function fill(n)
  return string.format('%(fill)s', tag, thread_number, n, n %% %(cylinders)d, n %% %(fillers)d)
end
"""
_SINGLE = """
request = function()
  counter = counter + 1
  return wrk.format("POST", "%(path)s", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "%(authorization)s"}, fill(counter))
end
"""
_BATCH = """
request = function()
  local items = {}
  if %(wrap)d > 0 and counter >= %(wrap)d then counter = 0 end
  for i = 1, %(batch)d do
    counter = counter + 1
    items[i] = fill(counter)
  end
  return wrk.format("POST", "%(path)s", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "%(authorization)s"},
    '{"fills":[' .. table.concat(items, ",") .. ']}')
end
"""


def _script(
    kind: str,
    *,
    path: str,
    token: str | None,
    prefix: str,
    cert_prefix: str,
    tag: str,
    wrap: int = 0,
) -> str:
    """`wrap`: after that many fills a thread starts again from its first (0: never)."""
    started = datetime.now(UTC) - timedelta(hours=2)
    fill = _FILL % {
        "prefix": prefix,
        "cert_prefix": cert_prefix,
        "started_at": started.isoformat(),
        "ended_at": (started + timedelta(minutes=3)).isoformat(),
    }
    common = _COMMON % {
        "start": 0,
        "tag": tag,
        "fill": fill.replace("'", "\\'"),
        "cylinders": CYLINDERS,
        "fillers": FILLERS,
    }
    body = _SINGLE if kind == "single" else _BATCH
    return common + body % {
        "path": path,
        "authorization": f"Bearer {token}" if token else "",
        "batch": BATCH,
        "wrap": wrap,
    }


# -- the station and its replicas ---------------------------------------------------------------


async def seed_replicas(url: str, station: uuid.UUID, prefix: str, cert_prefix: str) -> None:
    today = datetime.now(ZONE).date()
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO stations (organisation_id, name, version) VALUES ($1, 'bench', 1) "
                "ON CONFLICT DO NOTHING",
                station,
            )
            await conn.execute(
                "INSERT INTO filling_licences (licence_id, organisation_id, number, scope, "
                "valid_from, valid_to, status, version) "
                "VALUES ($1, $2, $3, '{LPG}', $4, $5, 'active', 1)",
                uuid.uuid4(),
                station,
                f"TS-BENCH-{prefix}",
                today - timedelta(days=700),
                today + timedelta(days=700),
            )
            await conn.execute(
                "INSERT INTO certificates (number, holder_name, item, employer_id, valid_from, "
                "valid_to, version) SELECT n, 'bench', 'P', $2, $3, $4, 1 "
                "FROM unnest($1::text[]) AS n ON CONFLICT DO NOTHING",
                [f"{cert_prefix}{i:04d}" for i in range(FILLERS)],
                station,
                today - timedelta(days=700),
                today + timedelta(days=700),
            )
            await conn.execute(
                "INSERT INTO cylinders (cylinder_code, manufacturer, factory_number, medium, "
                "nominal_pressure_mpa, water_volume_l, permitted_fill_kg, manufactured_on, "
                "design_life_years, next_inspection_on, owner_id, status, registered_by) "
                "SELECT c, 'bench', c, 'LPG', 2.1, 35.5, 14.5, $2, 8, $3, $4, 'in_use', $4 "
                "FROM unnest($1::text[]) AS c ON CONFLICT DO NOTHING",
                [f"{prefix}{i:08d}" for i in range(CYLINDERS)],
                today - timedelta(days=400),
                today + timedelta(days=700),
                station,
            )
    finally:
        await conn.close()


async def remove_seeded(url: str, station: uuid.UUID, prefix: str, cert_prefix: str) -> None:
    """Take the licence, the certificates and the cylinders written straight into the service
    away again (a cylinder an inspection was recorded for stays). The fills stay as the
    station's history, and the station's replica row, which the registry's events keep."""
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.execute(
                "DELETE FROM filling_licences WHERE organisation_id = $1 AND number = $2",
                station,
                f"TS-BENCH-{prefix}",
            )
            await conn.execute(
                "DELETE FROM certificates WHERE employer_id = $1 AND number ^@ $2",
                station,
                cert_prefix,
            )
            await conn.execute(
                "DELETE FROM cylinders c WHERE c.registered_by = $1 AND c.cylinder_code ^@ $2 "
                "AND NOT EXISTS (SELECT FROM cylinder_inspections i "
                "WHERE i.cylinder_code = c.cylinder_code)",
                station,
                prefix,
            )
    finally:
        await conn.close()


# -- the references ---------------------------------------------------------------------------


async def prepare_reference_database(server_url: str) -> str:
    from cylinder_trace.fills.months import FillMonths

    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{REFERENCE_DATABASE}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{REFERENCE_DATABASE}"')
    finally:
        await admin.close()
    url = server_url.rsplit("/", 1)[0] + "/" + REFERENCE_DATABASE
    # The service's own migrations and partitions: the same tables, indexes and months.
    await asyncio.to_thread(
        upgrade_to_head, REPO_ROOT / "services" / "cylinder-trace" / "migrations", url
    )
    pool = await asyncpg.create_pool(url, min_size=1, max_size=1)
    try:
        await FillMonths(ZONE).ahead(
            Database(pool, acquire_timeout_s=10), datetime.now(ZONE).date()
        )
    finally:
        await pool.close()
    return url


async def copy_reference(url: str, seconds: float, prefix: str, cert_prefix: str) -> float:
    """Rows/s of asyncpg's copy_records_to_table of 1,000 fill rows per call into the
    partitioned fills table, on `BATCH_CLIENTS` connections at once."""
    from cylinder_trace.fills.tables import FILL_COLUMNS

    station = uuid.uuid4()
    started_at = datetime.now(UTC) - timedelta(hours=2)
    ended_at = started_at + timedelta(minutes=3)
    values = {
        "station_id": station,
        "medium": "LPG",
        "started_at": started_at,
        "ended_at": ended_at,
        "filled_mass_kg": 14.2,
        "final_pressure_mpa": None,
        "status": "accepted",
        "reasons": [],
    }
    written = 0
    deadline = time.monotonic() + seconds

    def row(number: int, batch: int, i: int) -> tuple[Any, ...]:
        own = {
            "fill_id": f"r{number}-{batch}-{i}",
            "cylinder_code": f"{prefix}{i % CYLINDERS:08d}",
            "filler_certificate": f"{cert_prefix}{i % FILLERS:04d}",
        }
        # Every check column is a boolean that passed.
        return tuple(own.get(c, values.get(c, True)) for c in FILL_COLUMNS)

    async def one_connection(number: int) -> None:
        nonlocal written
        conn = await asyncpg.connect(url)
        try:
            batch = 0
            while time.monotonic() < deadline:
                batch += 1
                rows = [row(number, batch, i) for i in range(BATCH)]
                await conn.copy_records_to_table("fills", columns=FILL_COLUMNS, records=rows)
                written += len(rows)
        finally:
            await conn.close()

    started = time.monotonic()
    await asyncio.gather(*(one_connection(n) for n in range(BATCH_CLIENTS)))
    return written / (time.monotonic() - started)


# -- the rows ---------------------------------------------------------------------------------


async def measure(
    *,
    server_url: str,
    registry_url: str,
    cylinder_url: str,
    bureau_token: str,
    credit_code: str,
    seconds: int,
    run_wrk: Callable[..., Any],
    side_by_side: Callable[..., Awaitable[tuple[Any, Any]]],
    scaled: tuple[str, int] | None = None,
) -> list[dict[str, Any]]:
    """The rows; with `scaled` (the URL of a cylinder-trace with that many worker processes on
    the same database), batches once more through it."""
    station, token = organisation_with_token(
        registry_url,
        bureau_token,
        credit_code=credit_code,
        kind="filling_station",
        name="压测充装单位",
    )
    prefix = f"GSB{random.randrange(10**5):05d}"
    cert_prefix = f"PB{uuid.uuid4().hex[:6].upper()}-"
    service_url = server_url.rsplit("/", 1)[0] + "/tzsb_cylinder_trace"
    await seed_replicas(service_url, uuid.UUID(station), prefix, cert_prefix)
    try:
        return await _measure(
            service_url=service_url,
            server_url=server_url,
            cylinder_url=cylinder_url,
            token=token,
            prefix=prefix,
            cert_prefix=cert_prefix,
            seconds=seconds,
            run_wrk=run_wrk,
            side_by_side=side_by_side,
            scaled=scaled,
        )
    finally:
        await remove_seeded(service_url, uuid.UUID(station), prefix, cert_prefix)


async def _measure(
    *,
    service_url: str,
    server_url: str,
    cylinder_url: str,
    token: str,
    prefix: str,
    cert_prefix: str,
    seconds: int,
    run_wrk: Callable[..., Any],
    side_by_side: Callable[..., Awaitable[tuple[Any, Any]]],
    scaled: tuple[str, int] | None,
) -> list[dict[str, Any]]:
    reference_url = await prepare_reference_database(server_url)
    await seed_replicas(reference_url, uuid.UUID(int=2), prefix, cert_prefix)
    names = {"prefix": prefix, "cert_prefix": cert_prefix}
    rows: list[dict[str, Any]] = []
    with reference_server("FILL_REFERENCE_DATABASE_URL", reference_url) as reference:
        for clients in (32, 200):
            # Each part posts fills of its own tag: the reference's halves must not repeat
            # each other's keys (ours neither, or its second half would answer duplicates).
            ours, theirs = await side_by_side(
                lambda s, c=clients: run_wrk(
                    cylinder_url,
                    _script(
                        "single",
                        path="/api/v1/fills",
                        token=token,
                        tag=uuid.uuid4().hex[:8],
                        **names,
                    ),
                    c,
                    s,
                ),
                lambda s, c=clients: run_wrk(
                    reference,
                    _script("single", path="/fills", token=None, tag=uuid.uuid4().hex[:8], **names),
                    c,
                    s,
                ),
                seconds,
                settle=lambda: settled(service_url),
            )
            rows.append(single_row("POST /api/v1/fills (one fill)", clients, ours, theirs))
    await settled(service_url)
    raw_copy = await copy_reference(reference_url, seconds, prefix, cert_prefix)
    # The replay posts the batch row's bodies again: each wrk thread numbers its fills from
    # the same start under the same tag, and starts over before it passes what every thread
    # surely posted the first time (its share of the requests, with a margin for imbalance).
    tag = uuid.uuid4().hex[:8]
    wrap = 0
    for label in ("POST /api/v1/fills (1,000 a batch)", "POST /api/v1/fills (batch replayed)"):
        await settled(service_url)
        batch = run_wrk(
            cylinder_url,
            _script("batch", path="/api/v1/fills", token=token, tag=tag, wrap=wrap, **names),
            BATCH_CLIENTS,
            seconds,
            timeout_s=30,
        )
        threads = min(2, BATCH_CLIENTS)
        wrap = max(1, int(batch.rate * seconds * 0.8 / threads)) * BATCH
        rows.append(batch_row(label, BATCH_CLIENTS, batch, BATCH, raw_copy))
    if scaled is not None:
        scaled_url, workers = scaled
        await settled(service_url)
        batch = run_wrk(
            scaled_url,
            _script("batch", path="/api/v1/fills", token=token, tag=uuid.uuid4().hex[:8], **names),
            BATCH_CLIENTS,
            seconds,
            timeout_s=30,
        )
        label = f"POST /api/v1/fills (1,000 a batch) ×{workers} workers"
        row = batch_row(label, BATCH_CLIENTS, batch, BATCH, raw_copy)
        row["note"] = f"WEB_CONCURRENCY; {row['note']}"
        rows.append(row)
    return rows
