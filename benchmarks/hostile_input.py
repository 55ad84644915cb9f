"""Figures for hostile input against the registry, on this machine.

    uv run --frozen --all-packages python benchmarks/hostile_input.py

Starts its own embedded PostgreSQL and Kafka and a registry under uvicorn, then measures:
  1. a 1.3 MB body of unknown keys: the size of the 422 answer and how long it took;
  2. the token endpoint: a real client's token alone, then while 32 requests for unknown
     clients arrive at the same moment;
  3. token verification: one uncached RS256 verification against a cached one.
It prints figures; it asserts nothing.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx

from registry.bootstrap import ensure_bureau_client
from registry.settings import RegistrySettings
from tzsb_common.auth import CallerKind, TokenVerifier
from tzsb_common.db import asyncpg_dsn
from tzsb_common.embedded import free_port
from tzsb_common.migrations import upgrade_to_head
from tzsb_common.settings import REPO_ROOT, ServiceSettings
from tzsb_common.signing import SigningKey
from tzsb_common.testing.infra import start_test_infra


async def bench_unknown_keys(client: httpx.AsyncClient, bearer: dict[str, str]) -> None:
    body = json.dumps({f"unknown_key_{i:07d}": i for i in range(50_000)}).encode()
    started = time.perf_counter()
    answer = await client.post(
        "/api/v1/organisations",
        content=body,
        headers={**bearer, "content-type": "application/json"},
    )
    elapsed = time.perf_counter() - started
    print(
        f"unknown keys: body {len(body) / 1e6:.2f} MB -> {answer.status_code}, answer "
        f"{len(answer.content) / 1e3:.1f} kB, errors listed {len(answer.json()['errors'])}, "
        f"omitted {answer.json().get('errors_omitted')}, {elapsed * 1000:.0f} ms"
    )


async def bench_token_flood(client: httpx.AsyncClient, client_id: str, secret: str) -> None:
    real = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}

    async def timed(data: dict[str, str]) -> float:
        started = time.perf_counter()
        await client.post("/api/v1/oauth/token", data=data)
        return time.perf_counter() - started

    alone = await timed(real)
    unknown = [
        {"grant_type": "client_credentials", "client_id": f"tzsb_{uuid.uuid4().hex[:24]}",
         "client_secret": "guess"}
        for _ in range(32)
    ]  # fmt: skip
    results = await asyncio.gather(timed(real), *(timed(data) for data in unknown))
    print(
        f"token: real client alone {alone * 1000:.0f} ms; with 32 unknown clients at once "
        f"{results[0] * 1000:.0f} ms (unknown answered in {min(results[1:]) * 1000:.0f}-"
        f"{max(results[1:]) * 1000:.0f} ms)"
    )


async def bench_verification(key: SigningKey) -> None:
    settings = ServiceSettings(jwks_json=json.dumps(key.public_jwks()))
    tokens = [
        key.issue(subject=f"c{i}", organisation_id=uuid.uuid4(), kind=CallerKind.bureau,
                  scopes=(), issuer=settings.jwt_issuer, audience=settings.jwt_audience,
                  ttl=timedelta(hours=1))
        for i in range(2_000)
    ]  # fmt: skip
    verifier = TokenVerifier(settings)
    started = time.perf_counter()
    for token in tokens:
        await verifier.verify(token)
    uncached = (time.perf_counter() - started) / len(tokens)
    started = time.perf_counter()
    for token in tokens:
        await verifier.verify(token)
    cached = (time.perf_counter() - started) / len(tokens)
    print(f"verify: uncached {uncached * 1e6:.0f} µs, cached {cached * 1e6:.1f} µs per token")


async def main() -> None:
    base = Path(tempfile.mkdtemp(prefix="tzsb-bench-"))
    base.chmod(0o755)
    infra = start_test_infra(base)
    service: subprocess.Popen[bytes] | None = None
    try:
        admin = await asyncpg.connect(asyncpg_dsn(infra.admin_database_url))
        await admin.execute("CREATE DATABASE bench_hostile")
        await admin.close()
        database_url = infra.admin_database_url.rsplit("/", 1)[0] + "/bench_hostile"
        upgrade_to_head(REPO_ROOT / "services" / "registry" / "migrations", database_url)
        key = SigningKey.generate()
        settings = RegistrySettings(database_url=database_url, signing_key_pem="x")
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        path, _ = await ensure_bureau_client(database_url, base / "state", base_url)
        credentials = json.loads(path.read_text())
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap_servers,
            "KAFKA_IDEMPOTENCE": str(infra.kafka_idempotence).lower(),
            "SIGNING_KEY_PEM": key.to_pem().decode(),
            "STATE_DIR": str(base / "state"),
            "LOG_LEVEL": "WARNING",
        }
        service = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "registry.main:create_app", "--factory",
             "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"],
            env=env,
        )  # fmt: skip
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
            for _ in range(300):
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            token = key.issue(
                subject="benchmark", organisation_id=uuid.uuid4(), kind=CallerKind.bureau,
                scopes=(), issuer=settings.jwt_issuer, audience=settings.jwt_audience,
                ttl=timedelta(hours=1),
            )  # fmt: skip
            await bench_unknown_keys(client, {"Authorization": f"Bearer {token}"})
            await bench_token_flood(client, credentials["client_id"], credentials["client_secret"])
        await bench_verification(key)
    finally:
        if service is not None:
            service.terminate()
            service.wait(timeout=30)
        infra.close()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    print(f"tzsb hostile-input figures on {os.cpu_count()} cores")
    asyncio.run(main())
