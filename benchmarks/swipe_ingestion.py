"""The swipe rows of `make bench`: `POST /api/v1/swipes` of the running elevator-maintenance
service against bare references measured in the same run.

- single swipes at 32 and 200 clients against `ingestion_reference_app` (Starlette + asyncpg writing
  the same key and row into the same tables, in a database built by the same migrations);
- batches of 1,000 swipes (rows/s) against asyncpg's `copy_records_to_table` of the same rows
  into the same partitioned table, with as many connections as the service has clients.

The service judges swipes against its replicas, so the run first gives it a maintenance company
(organisation and API client in the registry, a real token), and writes straight into its
replica tables 20,000 elevators under one contract of that company and 200 certificates of its
workers — what the registry's events would have built, without waiting for them — and takes
them away when it ends (`remove_seeded`), so no scan of the service finds them later. Each run,
and each part of a row measured beside its reference (`bench.side_by_side`), has workers of its
own (another 200 certificates): a worker's visits are judged against all of that
worker's visits, and the runs' visits, laid over the same 28 days, would overlap, making each
swipe of a later run an anomaly and the run a measure of the findings path. Every request
carries new swipe ids; swipes 2n and 2n+1 are a start and an end of one worker at one elevator,
so pairing into visits is part of what is measured. A worker's visits follow one another two
hours apart, as a working day does: with every visit at one time, each worker would be at
hundreds of elevators at once, and the run would measure the certificate-lending findings that
makes (one per pair of overlapping visits, so their number grows with the square of the
visits) rather than ingestion.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
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
REFERENCE_DATABASE = "tzsb_bench_swipe_reference"
ELEVATORS = 20_000
CERTIFICATES = 200
BATCH = 1_000
BATCH_CLIENTS = 4
SLOTS = 12 * 28
"""Start times of a worker's visits: two hours apart, 12 a day, over 28 days (swipes older
than 30 days are rejected)."""
VISIT_S = 35 * 60
LAT, LON = 36.51, 103.62
ZONE = ZoneInfo("Asia/Shanghai")

_SWIPE = (
    '{"swipe_id":"%%s-%%d-%%d","equipment_code":"%(prefix)s%%012d",'
    '"certificate_number":"%(cert_prefix)s%%06d","kind":"%%s","at":"%%s",'
    '"lat":%(lat)s,"lon":%(lon)s,"source":"terminal"}'
)
_COMMON = """
local counter = %(start)d
local threads = 0
local tag = "%(tag)s"
function setup(thread)
  thread:set("thread_number", threads)
  threads = threads + 1
end
local function swipe(n)
  local pair = math.floor(n / 2) * 2 + thread_number
  -- A worker's visits one after another, two hours apart (at most 12 a day), newest first.
  local slot = math.floor(pair / %(certificates)d) %% %(slots)d
  local at = %(newest_start)d - slot * 7200
  local kind = "start"
  if n %% 2 == 1 then kind, at = "end", at + %(visit_s)d end
  return string.format('%(swipe)s', tag, thread_number, n,
                       pair %% %(elevators)d, pair %% %(certificates)d, kind,
                       os.date("!%%Y-%%m-%%dT%%H:%%M:%%SZ", at))
end
"""
_SINGLE = """
request = function()
  counter = counter + 1
  return wrk.format("POST", "%(path)s", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "%(authorization)s"}, swipe(counter))
end
"""
_BATCH = """
request = function()
  local items = {}
  for i = 1, %(batch)d do
    counter = counter + 1
    items[i] = swipe(counter)
  end
  return wrk.format("POST", "%(path)s", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "%(authorization)s"},
    '{"swipes":[' .. table.concat(items, ",") .. ']}')
end
"""


def _script(kind: str, *, path: str, token: str | None, prefix: str, cert_prefix: str) -> str:
    now = datetime.now(UTC)
    swipe = _SWIPE % {"prefix": prefix, "cert_prefix": cert_prefix, "lat": LAT, "lon": LON}
    common = _COMMON % {
        # Odd, so that each thread's first swipe (counter + 1) starts a visit and every batch
        # holds whole visits. A visit split between two batches in flight made the second wait
        # for the first's commit at the pairing locks of that elevator, in half of the runs
        # (a random start is odd or even); a terminal posts its backlog one batch after another.
        "start": random.randrange(10**9) // 2 * 2 + 1,
        "tag": uuid.uuid4().hex[:8],
        "newest_start": int((now - timedelta(minutes=40)).timestamp()),
        "visit_s": VISIT_S,
        "slots": SLOTS,
        "swipe": swipe.replace("'", "\\'"),
        "elevators": ELEVATORS,
        "certificates": CERTIFICATES,
    }
    body = _SINGLE if kind == "single" else _BATCH
    return common + body % {
        "path": path,
        "authorization": f"Bearer {token}" if token else "",
        "batch": BATCH,
    }


# -- the company and its replicas ---------------------------------------------------------------


async def seed_replicas(
    url: str, company: uuid.UUID, prefix: str, cert_prefix: str
) -> tuple[uuid.UUID, uuid.UUID]:
    """Returns the contract's id and the use unit's the elevators are given, which mark the
    rows `remove_seeded` takes away again."""
    today = datetime.now(ZONE).date()
    codes = [f"{prefix}{i:012d}" for i in range(ELEVATORS)]
    contract, use_unit = uuid.uuid4(), uuid.uuid4()
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO elevators (equipment_code, status, lat, lon, use_unit_id, province, "
                "city, district, version) SELECT c, 'in_use', $2, $3, $4, '甘肃省', '兰州市', "
                "'兰州新区', 1 FROM unnest($1::text[]) AS c ON CONFLICT DO NOTHING",
                codes,
                LAT,
                LON,
                use_unit,
            )
            await conn.execute(
                "INSERT INTO contracts (contract_id, maintenance_company_id, equipment_codes, "
                "valid_from, valid_to, in_force_until, status, version) "
                "VALUES ($1, $2, $3, $4, $5, $5, 'active', 1)",
                contract,
                company,
                codes,
                today - timedelta(days=365),
                today + timedelta(days=365),
            )
            await conn.execute(
                "INSERT INTO contract_elevators (equipment_code, contract_id, "
                "maintenance_company_id, valid_from, in_force_until) "
                "SELECT c, $2, $3, $4, $5 FROM unnest($1::text[]) AS c",
                codes,
                contract,
                company,
                today - timedelta(days=365),
                today + timedelta(days=365),
            )
            await _add_certificates(conn, company, cert_prefix)
    finally:
        await conn.close()
    return contract, use_unit


async def remove_seeded(
    url: str,
    company: uuid.UUID,
    *,
    contract: uuid.UUID,
    use_unit: uuid.UUID,
    cert_prefixes: list[str],
) -> None:
    """Take the replica rows written straight into the service away again. Left there, the
    elevators the runs visited over the past 28 days were in use, under contract and last
    maintained more than 15 days ago: the next overdue-maintenance scan flagged thousands of
    them, and the inspection service opened a hazard for each one, for elevators the registry
    never held. The swipes, visits and anomalies stay as the company's history."""
    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            await conn.execute("DELETE FROM contract_elevators WHERE contract_id = $1", contract)
            await conn.execute("DELETE FROM contracts WHERE contract_id = $1", contract)
            # Only the rows this run inserted (a registered elevator's replica has its real use
            # unit), and none another contract still names.
            await conn.execute(
                "DELETE FROM elevators e WHERE e.use_unit_id = $1 AND NOT EXISTS "
                "(SELECT FROM contract_elevators ce WHERE ce.equipment_code = e.equipment_code)",
                use_unit,
            )
            await conn.execute(
                "DELETE FROM certificates WHERE employer_id = $1 AND number ^@ ANY($2::text[])",
                company,
                cert_prefixes,
            )
    finally:
        await conn.close()


async def _add_certificates(conn: asyncpg.Connection, company: uuid.UUID, cert_prefix: str) -> None:
    today = datetime.now(ZONE).date()
    await conn.execute(
        "INSERT INTO certificates (number, item, employer_id, valid_from, valid_to, "
        "version) SELECT n, 'T', $2, $3, $4, 1 FROM unnest($1::text[]) AS n "
        "ON CONFLICT DO NOTHING",
        [f"{cert_prefix}{i:06d}" for i in range(CERTIFICATES)],
        company,
        today - timedelta(days=365),
        date(today.year + 3, 1, 1),
    )


async def new_workers(url: str, company: uuid.UUID) -> str:
    """Another CERTIFICATES workers of the company; returns their certificates' prefix."""
    cert_prefix = f"TSB{uuid.uuid4().hex[:6].upper()}-"
    conn = await asyncpg.connect(url)
    try:
        await _add_certificates(conn, company, cert_prefix)
    finally:
        await conn.close()
    return cert_prefix


# -- the references ---------------------------------------------------------------------------


async def prepare_reference_database(server_url: str) -> str:
    from elevator_maintenance.swipes.service import keep_partitions

    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{REFERENCE_DATABASE}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{REFERENCE_DATABASE}"')
    finally:
        await admin.close()
    url = server_url.rsplit("/", 1)[0] + "/" + REFERENCE_DATABASE
    # The service's own migrations and partitions: the same tables, indexes and months.
    await asyncio.to_thread(
        upgrade_to_head, REPO_ROOT / "services" / "elevator-maintenance" / "migrations", url
    )
    pool = await asyncpg.create_pool(url, min_size=1, max_size=1)
    try:
        await keep_partitions(
            Database(pool, acquire_timeout_s=10),
            today=datetime.now(ZONE).date(),
            zone=ZONE,
            ahead=2,
        )
    finally:
        await pool.close()
    return url


async def copy_reference(url: str, seconds: float, prefix: str, cert_prefix: str) -> float:
    """Rows/s of asyncpg's copy_records_to_table of 1,000 swipe rows per call into the
    partitioned swipes table, on `BATCH_CLIENTS` connections at once."""
    company = uuid.uuid4()
    at = datetime.now(UTC) - timedelta(minutes=5)
    columns = (
        "company_id", "swipe_id", "equipment_code", "certificate_number", "kind", "at", "lat",
        "lon", "source", "visit_kind", "status", "reasons", "client_id",
    )  # fmt: skip
    written = 0
    deadline = time.monotonic() + seconds

    async def one_connection(number: int) -> None:
        nonlocal written
        conn = await asyncpg.connect(url)
        try:
            batch = 0
            while time.monotonic() < deadline:
                batch += 1
                rows = [
                    (company, f"r{number}-{batch}-{i}", f"{prefix}{i % ELEVATORS:012d}",
                     f"{cert_prefix}{i % CERTIFICATES:06d}", "start" if i % 2 == 0 else "end",
                     at, LAT, LON, "terminal", None, "accepted", [], "reference")
                    for i in range(BATCH)
                ]  # fmt: skip
                await conn.copy_records_to_table("swipes", columns=columns, records=rows)
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
    maintenance_url: str,
    bureau_token: str,
    credit_code: str,
    seconds: int,
    run_wrk: Callable[..., Any],
    side_by_side: Callable[..., Awaitable[tuple[Any, Any]]],
) -> list[dict[str, Any]]:
    company, token = organisation_with_token(
        registry_url,
        bureau_token,
        credit_code=credit_code,
        kind="maintenance_company",
        name="压测维保单位",
    )
    prefix = f"3110{random.randrange(100):02d}"
    cert_prefix = f"TSB{uuid.uuid4().hex[:6].upper()}-"
    service_url = server_url.rsplit("/", 1)[0] + "/tzsb_elevator_maintenance"
    contract, use_unit = await seed_replicas(service_url, uuid.UUID(company), prefix, cert_prefix)
    cert_prefixes = [cert_prefix]
    try:
        return await _measure(
            server_url=server_url,
            service_url=service_url,
            maintenance_url=maintenance_url,
            company=uuid.UUID(company),
            token=token,
            prefix=prefix,
            cert_prefixes=cert_prefixes,
            seconds=seconds,
            run_wrk=run_wrk,
            side_by_side=side_by_side,
        )
    finally:
        await remove_seeded(
            service_url,
            uuid.UUID(company),
            contract=contract,
            use_unit=use_unit,
            cert_prefixes=cert_prefixes,
        )


async def _measure(
    *,
    server_url: str,
    service_url: str,
    maintenance_url: str,
    company: uuid.UUID,
    token: str,
    prefix: str,
    cert_prefixes: list[str],
    seconds: int,
    run_wrk: Callable[..., Any],
    side_by_side: Callable[..., Awaitable[tuple[Any, Any]]],
) -> list[dict[str, Any]]:
    """The rows; every certificate prefix it gives workers is added to `cert_prefixes`."""
    reference_url = await prepare_reference_database(server_url)
    await seed_replicas(reference_url, uuid.UUID(int=1), prefix, cert_prefixes[0])
    names = {"prefix": prefix, "cert_prefix": cert_prefixes[0]}
    rows: list[dict[str, Any]] = []
    with reference_server("SWIPE_REFERENCE_DATABASE_URL", reference_url) as reference:

        async def new_workers_settled() -> None:
            # Every part its own workers (see the module's docstring); the reference does not
            # look them up.
            names["cert_prefix"] = await new_workers(service_url, company)
            cert_prefixes.append(names["cert_prefix"])
            await settled(service_url)

        for clients in (32, 200):
            ours, theirs = await side_by_side(
                lambda s, c=clients: run_wrk(
                    maintenance_url,
                    _script("single", path="/api/v1/swipes", token=token, **names),
                    c,
                    s,
                ),
                lambda s, c=clients: run_wrk(
                    reference, _script("single", path="/swipes", token=None, **names), c, s
                ),
                seconds,
                settle=new_workers_settled,
            )
            rows.append(single_row("POST /api/v1/swipes (one swipe)", clients, ours, theirs))
    names["cert_prefix"] = await new_workers(service_url, company)
    cert_prefixes.append(names["cert_prefix"])
    await settled(service_url)
    batch = run_wrk(
        maintenance_url,
        _script("batch", path="/api/v1/swipes", token=token, **names),
        BATCH_CLIENTS,
        seconds,
        timeout_s=30,
    )
    await settled(service_url)
    raw_copy = await copy_reference(reference_url, seconds, prefix, cert_prefixes[0])
    rows.append(
        batch_row("POST /api/v1/swipes (1,000 a batch)", BATCH_CLIENTS, batch, BATCH, raw_copy)
    )
    return rows
