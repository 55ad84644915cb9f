"""`make bench`: every hot path beside a bare reference measured in the same run.

Absolute figures drift on a shared 2-core machine; the ratio to a reference measured minutes
apart on the same PostgreSQL does not drift as much, so the ratio is the figure to watch.

The platform under test is the running `make up` (found by its registry answering /readyz on
REGISTRY_PORT and its bureau credential in STATE_DIR), or one this script starts itself with its
state in var/bench on free ports and stops at the end. Load comes from `wrk` (C, two threads,
one per core), which the Makefile installs from Debian's packages when it is missing.

Each row: path, clients, rate, p50, p99, errors, the reference's rate and p99, and the ratio.
The ingestion rows — swipes (elevator maintenance, swipe_ingestion.py) and fills (cylinder trace,
fill_ingestion.py) — run with the HTTP rows, or alone with `--only swipes` or `--only fills`.
Rows of the machinery benchmarks (bulk writes, consumer apply rate, outbox retention, event
latency, the due scan) are added by their modules' `measure()` when present.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from registry.organisations.rules import CREDIT_CODE_ALPHABET, credit_code_check_character
from tzsb_common.embedded import free_port
from tzsb_common.logging import configure_logging
from tzsb_common.migrations import upgrade_to_head
from tzsb_common.settings import REPO_ROOT

BENCH_DIR = Path(__file__).resolve().parent
REFERENCE_DATABASE = "tzsb_bench_reference"
WRK_THREADS = 2


@dataclass
class Row:
    path: str
    clients: int | str
    rate: float
    unit: str = "req/s"
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int = 0
    reference_rate: float | None = None
    reference_p99_ms: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.reference_rate:
            return None
        return self.rate / self.reference_rate


@dataclass
class Platform:
    server_url: str
    """Server-level PostgreSQL URL (the `postgres` database)."""
    kafka: str
    registry_url: str
    state_dir: Path
    maintenance_url: str = ""
    """The elevator-maintenance service."""
    cylinder_url: str = ""
    """The cylinder-trace service."""


# -- the platform -------------------------------------------------------------------------------


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.contextmanager
def platform() -> Iterator[Platform]:
    state_dir = Path(os.environ.get("STATE_DIR", REPO_ROOT / "var"))
    registry_url = f"http://127.0.0.1:{os.environ.get('REGISTRY_PORT', '8001')}"
    if (state_dir / "bureau-client.json").exists() and _ready(registry_url):
        pg_port = os.environ.get("PG_PORT", "54329")
        print(f"using the running platform ({registry_url}, state in {state_dir})")
        yield Platform(
            server_url=os.environ.get(
                "DATABASE_URL", f"postgresql://postgres@127.0.0.1:{pg_port}/postgres"
            ),
            kafka=os.environ.get(
                "KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{os.environ.get('KAFKA_PORT', '9092')}"
            ),
            registry_url=registry_url,
            state_dir=state_dir,
            maintenance_url=(
                f"http://127.0.0.1:{os.environ.get('ELEVATOR_MAINTENANCE_PORT', '8003')}"
            ),
            cylinder_url=f"http://127.0.0.1:{os.environ.get('CYLINDER_TRACE_PORT', '8004')}",
        )
        return
    yield from _own_platform()


def _own_platform() -> Iterator[Platform]:
    state_dir = REPO_ROOT / "var" / "bench"
    ports = {
        name: str(free_port())
        for name in (
            "PG_PORT", "KAFKA_PORT", "KAFKA_CONTROLLER_PORT", "REGISTRY_PORT", "INSPECTION_PORT",
            "ELEVATOR_MAINTENANCE_PORT", "CYLINDER_TRACE_PORT", "REPORTING_PORT",
        )
    }  # fmt: skip
    env = {**os.environ, **ports, "STATE_DIR": str(state_dir), "LOG_LEVEL": "WARNING"}
    for inherited in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS"):
        env.pop(inherited, None)
    print(f"starting the platform for this run (state in {state_dir})", flush=True)
    runner = subprocess.Popen(
        [sys.executable, "-m", "tzsb_platform.up"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert runner.stdout is not None
    lines: list[str] = []
    for line in runner.stdout:
        lines.append(line)
        if line.strip() == "ready":
            break
    else:
        raise SystemExit("the platform did not start:\n" + "".join(lines[-30:]))
    try:
        yield Platform(
            server_url=f"postgresql://postgres@127.0.0.1:{ports['PG_PORT']}/postgres",
            kafka=f"127.0.0.1:{ports['KAFKA_PORT']}",
            registry_url=f"http://127.0.0.1:{ports['REGISTRY_PORT']}",
            state_dir=state_dir,
            maintenance_url=f"http://127.0.0.1:{ports['ELEVATOR_MAINTENANCE_PORT']}",
            cylinder_url=f"http://127.0.0.1:{ports['CYLINDER_TRACE_PORT']}",
        )
    finally:
        runner.send_signal(signal.SIGINT)
        try:
            runner.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(runner.pid, signal.SIGKILL)


def database_url(server_url: str, database: str) -> str:
    return server_url.rsplit("/", 1)[0] + "/" + database


def bureau_token(platform: Platform) -> str:
    client = json.loads((platform.state_dir / "bureau-client.json").read_text())
    response = httpx.post(
        f"{platform.registry_url}/api/v1/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client["client_id"], client["client_secret"]),
        timeout=30,
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def credit_code() -> str:
    rng = uuid.uuid4().int
    body = "91620100" + "".join(
        CREDIT_CODE_ALPHABET[(rng >> (5 * i)) % len(CREDIT_CODE_ALPHABET)] for i in range(9)
    )
    return body + credit_code_check_character(body)


def create_use_unit(platform: Platform, token: str) -> str:
    response = httpx.post(
        f"{platform.registry_url}/api/v1/organisations",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "credit_code": credit_code(),
            "name": f"压测使用单位 {uuid.uuid4().hex[:8]}",
            "kind": "use_unit",
            "region": {"province": "甘肃省", "city": "兰州市", "district": "兰州新区"},
        },
        timeout=30,
    )
    response.raise_for_status()
    unit: str = response.json()["id"]
    return unit


def equipment_body(code: str, use_unit: str) -> dict[str, Any]:
    return {
        "equipment_code": code,
        "category": "3000",
        "variety": "3110",
        "use_unit_id": use_unit,
        "region": {"province": "甘肃省", "city": "兰州市", "district": "兰州新区"},
        "attributes": {"rated_load_kg": 1000, "rated_speed_ms": 1.75, "stops": 18},
    }


# -- the reference ----------------------------------------------------------------------------


async def prepare_reference_database(server_url: str) -> str:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{REFERENCE_DATABASE}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{REFERENCE_DATABASE}"')
    finally:
        await admin.close()
    url = database_url(server_url, REFERENCE_DATABASE)
    # The registry's own migrations: the reference writes the very same tables and indexes.
    await asyncio.to_thread(
        upgrade_to_head, REPO_ROOT / "services" / "registry" / "migrations", url
    )
    return url


@contextlib.contextmanager
def reference_server(url: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "reference_app:app", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log", "--log-level", "warning"],
        env={**os.environ, "REFERENCE_DATABASE_URL": url, "PYTHONPATH": str(BENCH_DIR)},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{base}/equipment/none", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


async def seed_reference_use_unit(url: str, use_unit: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO organisations (id, name, kind, credit_code) "
            "VALUES ($1, 'benchmark unit', 'use_unit', $2) ON CONFLICT DO NOTHING",
            uuid.UUID(use_unit),
            credit_code(),
        )
    finally:
        await conn.close()


# -- wrk ----------------------------------------------------------------------------------------

_WRK_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
                 + summary.errors.status + summary.errors.timeout
  -- The latencies at every 0.1 %, so that the halves of a side-by-side run can be merged.
  local quantiles = {}
  for i = 1, 999 do quantiles[i] = string.format("%d", latency:percentile(i / 10)) end
  io.write(string.format(
    '\\nWRK-JSON {"requests": %d, "duration_us": %d, "errors": %d, "timeouts": %d, '
    .. '"status_errors": %d, "p50_us": %d, "p99_us": %d, "quantiles_us": [%s]}\\n',
    summary.requests, summary.duration, errors, summary.errors.timeout, summary.errors.status,
    latency:percentile(50), latency:percentile(99), table.concat(quantiles, ",")))
end
"""

_WRK_POST = """
local counter = %(start)d
local threads = 0
function setup(thread)
  thread:set("thread_number", threads)
  threads = threads + 1
end
request = function()
  counter = counter + 1
  local code = string.format("3110%%02d%%012d", thread_number, counter)
  local body = string.format('%(body)s', code)
  return wrk.format("POST", "%(path)s", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "%(authorization)s"}, body)
end
"""

_WRK_GET = """
wrk.method = "GET"
wrk.headers["Authorization"] = "%(authorization)s"
"""


@dataclass
class WrkResult:
    rate: float
    p50_ms: float
    p99_ms: float
    errors: int
    timeouts: int = 0
    status_errors: int = 0
    """Answers that were not 2xx or 3xx (counted in `errors`, not in `rate`)."""
    answered: int = 0
    """Answers that worked (the rate's numerator)."""
    seconds: float = 0.0
    quantiles_us: list[int] = field(default_factory=list)
    """Latency at 0.1 %, 0.2 %, … 99.9 %."""

    @property
    def note(self) -> str:
        parts = []
        if self.timeouts:
            parts.append(f"{self.timeouts} time-outs")
        if self.status_errors:
            parts.append(f"{self.status_errors} answers ≥ 400")
        return "; ".join(parts)


def run_wrk(
    url: str, script: str, clients: int, seconds: int, *, timeout_s: float = 2
) -> WrkResult:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script + _WRK_REPORT)
        script_path = handle.name
    try:
        completed = subprocess.run(
            ["wrk", "-t", str(min(WRK_THREADS, clients)), "-c", str(clients), "-d", f"{seconds}s",
             "--timeout", f"{timeout_s:g}s", "-s", script_path, url],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    finally:
        os.unlink(script_path)
    report = next(line for line in completed.stdout.splitlines() if line.startswith("WRK-JSON "))
    figures = json.loads(report.removeprefix("WRK-JSON "))
    # wrk counts an error answer as a request; the rate counts only the answers that worked.
    answered = figures["requests"] - figures["status_errors"]
    return WrkResult(
        rate=answered / (figures["duration_us"] / 1e6),
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        errors=figures["errors"],
        timeouts=figures["timeouts"],
        status_errors=figures["status_errors"],
        answered=answered,
        seconds=figures["duration_us"] / 1e6,
        quantiles_us=figures["quantiles_us"],
    )


def merged(parts: Sequence[WrkResult]) -> WrkResult:
    """One result of several runs of the same load: the answers over the time they took, and
    the percentiles of their latencies together (each run's weighted by its requests)."""
    weighted = sorted(
        (latency, part.answered / len(part.quantiles_us))
        for part in parts
        for latency in part.quantiles_us
    )
    total = sum(weight for _, weight in weighted)

    def percentile(p: float) -> float:
        seen = 0.0
        for latency, weight in weighted:
            seen += weight
            if seen >= total * p:
                return latency / 1000
        return weighted[-1][0] / 1000 if weighted else 0.0

    return WrkResult(
        rate=sum(p.answered for p in parts) / sum(p.seconds for p in parts),
        p50_ms=percentile(0.5),
        p99_ms=percentile(0.99),
        errors=sum(p.errors for p in parts),
        timeouts=sum(p.timeouts for p in parts),
        status_errors=sum(p.status_errors for p in parts),
        answered=sum(p.answered for p in parts),
        seconds=sum(p.seconds for p in parts),
        quantiles_us=[],
    )


async def side_by_side(
    ours: Callable[[int], WrkResult],
    theirs: Callable[[int], WrkResult],
    seconds: int,
    *,
    settle: Callable[[], Awaitable[Any]] | None = None,
) -> tuple[WrkResult, WrkResult]:
    """Ours and the reference in the order ours, reference, reference, ours, half of `seconds`
    each, merged per side. This machine's speed drifts by tens of percent within minutes (the
    reference's own POST rate went from 1,378 to 973 req/s between two runs ten minutes apart,
    and the POST ratio from 0.46× to 0.58× with it): with ours run whole before the reference,
    a drift during the row went into its ratio; in this order a steady drift weighs on both
    sides alike. `settle` runs before each part (an ingestion row waits for the consumers of
    the part before)."""
    first, second = seconds // 2, seconds - seconds // 2
    parts: dict[str, list[WrkResult]] = {"ours": [], "theirs": []}
    for side, length in (("ours", first), ("theirs", first), ("theirs", second), ("ours", second)):
        if settle is not None:
            await settle()
        parts[side].append((ours if side == "ours" else theirs)(length))
    return merged(parts["ours"]), merged(parts["theirs"])


def post_script(path: str, token: str | None, use_unit: str) -> str:
    """Every request registers a new equipment code: a random start per run (far apart in a
    space of 10^12, so runs against a kept database do not collide), then one per request."""
    body = json.dumps(equipment_body("%s", use_unit), ensure_ascii=True)
    return _WRK_POST % {
        "start": random.randrange(10**11),
        "body": body.replace("\\", "\\\\").replace("'", "\\'"),
        "path": path,
        "authorization": f"Bearer {token}" if token else "",
    }


def get_script(token: str | None) -> str:
    return _WRK_GET % {"authorization": f"Bearer {token}" if token else ""}


# -- the HTTP rows ------------------------------------------------------------------------------


async def http_rows(platform: Platform, seconds: int) -> list[Row]:
    """GET and POST of one record beside the reference, then the same through a registry of
    `SCALE_OUT_WORKERS` worker processes beside the same single-process reference."""
    token = bureau_token(platform)
    use_unit = create_use_unit(platform, token)
    reference_url = await prepare_reference_database(platform.server_url)
    await seed_reference_use_unit(reference_url, use_unit)
    run = f"{int(time.time()) % 100:02d}"
    seed_code = f"3110{run}99{uuid.uuid4().int % 10**10:010d}"
    httpx.post(
        f"{platform.registry_url}/api/v1/equipment",
        json=equipment_body(seed_code, use_unit),
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).raise_for_status()
    rows: list[Row] = []
    with reference_server(reference_url) as reference:
        httpx.post(
            f"{reference}/equipment", json=equipment_body(seed_code, use_unit), timeout=30
        ).raise_for_status()

        async def row(
            method: str, label: str, clients: int, registry_url: str, note: str = ""
        ) -> Row:
            # Scripts made per run: each POST run registers codes of a random start of its own.
            if method == "GET":
                ours_path, theirs_path = f"/api/v1/equipment/{seed_code}", f"/equipment/{seed_code}"

                def script(authorised: bool) -> str:
                    return get_script(token if authorised else None)
            else:
                ours_path, theirs_path = "", ""

                def script(authorised: bool) -> str:
                    if authorised:
                        return post_script("/api/v1/equipment", token, use_unit)
                    return post_script("/equipment", None, use_unit)

            ours, theirs = await side_by_side(
                lambda s: run_wrk(f"{registry_url}{ours_path}", script(True), clients, s),
                lambda s: run_wrk(f"{reference}{theirs_path}", script(False), clients, s),
                seconds,
            )
            measured = Row(
                path=label,
                clients=clients,
                rate=ours.rate,
                p50_ms=ours.p50_ms,
                p99_ms=ours.p99_ms,
                errors=ours.errors,
                reference_rate=theirs.rate,
                reference_p99_ms=theirs.p99_ms,
                note="; ".join(
                    n for n in (note, ours.note, theirs.note and f"reference: {theirs.note}") if n
                ),
            )
            print_row(measured)
            return measured

        get, post = "GET /api/v1/equipment/{code}", "POST /api/v1/equipment"
        for method, label, clients in (("GET", get, 32), ("POST", post, 32), ("POST", post, 200)):
            rows.append(await row(method, label, clients, platform.registry_url))
        workers = SCALE_OUT_WORKERS
        with scaled_service(platform, "registry", workers) as scaled_url:
            for method, label in (("GET", get), ("POST", post)):
                rows.append(
                    await row(
                        method,
                        f"{label} ×{workers} workers",
                        32,
                        scaled_url,
                        note="WEB_CONCURRENCY; reference single-process",
                    )
                )
    return rows


# -- swipe ingestion (elevator maintenance) ----------------------------------------------------


async def swipe_rows(platform: Platform, seconds: int) -> list[Row]:
    """Single swipes at 32 and 200 clients and batches of 1,000 (swipe_ingestion.py)."""
    sys.path.insert(0, str(BENCH_DIR))
    module = importlib.import_module("swipe_ingestion")
    figures = await module.measure(
        server_url=platform.server_url,
        registry_url=platform.registry_url,
        maintenance_url=platform.maintenance_url,
        bureau_token=bureau_token(platform),
        credit_code=credit_code(),
        seconds=seconds,
        run_wrk=run_wrk,
        side_by_side=side_by_side,
    )
    return _ingestion_rows(figures)


# -- fill ingestion (cylinder trace) -----------------------------------------------------------


async def fill_rows(platform: Platform, seconds: int) -> list[Row]:
    """Single fills at 32 and 200 clients, batches of 1,000 and their replay (fill_ingestion.py),
    and batches again through a cylinder-trace of `SCALE_OUT_WORKERS` worker processes."""
    sys.path.insert(0, str(BENCH_DIR))
    module = importlib.import_module("fill_ingestion")
    with scaled_service(platform, "cylinder-trace", SCALE_OUT_WORKERS) as scaled_url:
        figures = await module.measure(
            server_url=platform.server_url,
            registry_url=platform.registry_url,
            cylinder_url=platform.cylinder_url,
            bureau_token=bureau_token(platform),
            credit_code=credit_code(),
            seconds=seconds,
            run_wrk=run_wrk,
            side_by_side=side_by_side,
            scaled=(scaled_url, SCALE_OUT_WORKERS),
        )
    return _ingestion_rows(figures)


def _ingestion_rows(figures: list[dict[str, Any]]) -> list[Row]:
    rows: list[Row] = []
    for row in figures:
        timeouts = row.pop("timeouts", 0)
        rows.append(Row(**row))
        if timeouts:
            rows[-1].note += f"; {timeouts} time-outs"
        print_row(rows[-1])
    return rows


# -- scale-out: several worker processes per service -------------------------------------------


SCALE_OUT_WORKERS = max(2, os.cpu_count() or 2)


@contextlib.contextmanager
def scaled_service(platform: Platform, service: str, workers: int) -> Iterator[str]:
    """A second instance of `service` on the platform's database with `WEB_CONCURRENCY` worker
    processes (its relay and consumers off: the platform's own instance runs those)."""
    port = free_port()
    database = "tzsb_" + service.replace("-", "_")
    env = {
        **os.environ,
        "DATABASE_URL": database_url(platform.server_url, database),
        "KAFKA_BOOTSTRAP_SERVERS": platform.kafka,
        "STATE_DIR": str(platform.state_dir),
        "HTTP_PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "RUN_BACKGROUND_WORKERS": "false",
        "LOG_LEVEL": "WARNING",
    }
    if service != "registry":  # tokens are verified against the platform's registry
        env["JWKS_URL"] = f"{platform.registry_url}/.well-known/jwks.json"
        env["REVOKED_CLIENTS_URL"] = f"{platform.registry_url}/.well-known/revoked-clients"
    process = subprocess.Popen(
        [sys.executable, "-m", "tzsb_platform.serve", service],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _ready(url):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"the scaled {service} did not start")
            time.sleep(0.2)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


# -- the machinery rows -------------------------------------------------------------------------


async def _scratch_database(platform: Platform, name: str) -> str:
    admin = await asyncpg.connect(platform.server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return database_url(platform.server_url, name)


async def _bulk_write(platform: Platform) -> list[dict[str, Any]]:
    module = importlib.import_module("bulk_write")
    rows: list[dict[str, Any]] = await module.measure(
        await _scratch_database(platform, "tzsb_bench_bulk")
    )
    return rows


async def _consumer_apply(platform: Platform) -> list[dict[str, Any]]:
    module = importlib.import_module("consumer_apply")
    rows: list[dict[str, Any]] = await module.measure(
        database_url=await _scratch_database(platform, "tzsb_bench_consumer"),
        kafka_bootstrap_servers=platform.kafka,
    )
    return rows


async def _outbox_retention(platform: Platform) -> list[dict[str, Any]]:
    module = importlib.import_module("outbox_retention")
    os.environ["DATABASE_URL"] = platform.server_url  # its scratch database goes there
    rows: list[dict[str, Any]] = await module.measure()
    return rows


async def _event_latency(platform: Platform) -> list[dict[str, Any]]:
    module = importlib.import_module("event_latency")
    from tzsb_common.testing.infra import TestInfra

    infra = TestInfra(
        admin_database_url=platform.server_url,
        kafka_bootstrap_servers=platform.kafka,
        kafka_idempotence=True,
        broker_restartable=False,
    )
    rows: list[dict[str, Any]] = await module.measure(infra=infra)
    return rows


async def _due_scan(platform: Platform) -> list[dict[str, Any]]:
    module = importlib.import_module("due_scan")
    rows: list[dict[str, Any]] = await module.measure(
        await _scratch_database(platform, "tzsb_bench_due_scan")
    )
    return rows


async def _reporting_indicators(platform: Platform) -> list[dict[str, Any]]:
    module = importlib.import_module("reporting_indicators")
    rows: list[dict[str, Any]] = await module.measure(
        await _scratch_database(platform, "tzsb_bench_reporting_indicators")
    )
    return rows


MACHINERY = (
    _bulk_write,
    _consumer_apply,
    _outbox_retention,
    _event_latency,
    _due_scan,
    _reporting_indicators,
)


async def machinery_rows(platform: Platform) -> list[Row]:
    """The event machinery's rows, each measured by its own module on the platform's servers,
    in scratch databases of their own."""
    rows: list[Row] = []
    sys.path.insert(0, str(BENCH_DIR))
    for measure in MACHINERY:
        for figures in await measure(platform):
            row = Row(
                path=figures["path"],
                clients=figures.get("clients", 1),
                rate=figures["rate"],
                unit=figures.get("unit", "req/s"),
                p50_ms=figures.get("p50_ms"),
                p99_ms=figures.get("p99_ms"),
                errors=figures.get("errors", 0) or 0,
                reference_rate=figures.get("reference_rate"),
                note=figures.get("note", ""),
            )
            rows.append(row)
            print_row(row)
    return rows


# -- output -------------------------------------------------------------------------------------

_HEADER = (
    f"{'path':<44} {'clients':>7} {'rate':>11} {'unit':<8} {'p50 ms':>8} {'p99 ms':>8} "
    f"{'errors':>6} {'reference':>11} {'ref p99':>8} {'ratio':>6}"
)


def _number(value: float | None, width: int, digits: int = 1) -> str:
    return f"{value:>{width},.{digits}f}" if value is not None else f"{'—':>{width}}"


def print_row(row: Row) -> None:
    ratio = f"{row.ratio:>5.2f}×" if row.ratio is not None else f"{'—':>6}"
    print(
        f"{row.path:<44} {row.clients!s:>7} {_number(row.rate, 11, 0)} {row.unit:<8} "
        f"{_number(row.p50_ms, 8)} {_number(row.p99_ms, 8)} {row.errors:>6} "
        f"{_number(row.reference_rate, 11, 0)} {_number(row.reference_p99_ms, 8)} {ratio}"
        + (f"  {row.note}" if row.note else ""),
        flush=True,
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 10)))
    parser.add_argument("--only", choices=["http", "swipes", "fills", "machinery"], default=None)
    args = parser.parse_args()
    # The code the bench borrows from the services (partitions made for a reference database,
    # the machinery rows' relays and consumers) logs its progress; the table is what is read.
    configure_logging(service="bench", level="WARNING", json=False)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (make bench installs it: apt-get install wrk)")
    print(f"tzsb bench on {os.cpu_count()} cores; {args.seconds} s per HTTP run, wrk -t2")
    with platform() as running:
        print(_HEADER, flush=True)
        if args.only in (None, "http"):
            await http_rows(running, args.seconds)
        if args.only in (None, "http", "swipes"):
            await swipe_rows(running, args.seconds)
        if args.only in (None, "http", "fills"):
            await fill_rows(running, args.seconds)
        if args.only in (None, "machinery"):
            await machinery_rows(running)


if __name__ == "__main__":
    asyncio.run(main())
