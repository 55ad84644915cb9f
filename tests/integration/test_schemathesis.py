"""Every service's OpenAPI document agrees with the server: schemathesis, every check.

Each service runs under uvicorn on a free port (its own thread and event loop, its own database
cloned from the migrated template); the schemathesis command line then generates valid and
invalid requests for every operation with a real bureau token — issued by the registry's own
token endpoint for the registry — and checks every answer against the document: documented
status codes, content types and schemas, `Allow` on 405, refusal of invalid input, no 500.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from tzsb_common.auth import CallerKind
from tzsb_common.embedded import free_port
from tzsb_common.settings import ServiceSettings
from tzsb_common.signing import SigningKey
from tzsb_common.testing import DatabaseFactory, TokenFactory
from tzsb_common.testing.infra import TestInfra
from tzsb_platform.services import SERVICES, ServiceSpec

CONFIG_FILE = Path(__file__).with_name("schemathesis.toml")
MAX_EXAMPLES = 6
SCHEMATHESIS_TIMEOUT_S = 480
"""The inspection service alone has some sixty operations; a busy 2-core machine needs minutes."""


class LiveServer:
    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=self.port,
                log_level="warning",
                timeout_graceful_shutdown=2,
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                pytest.fail("the service did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def _settings(
    spec: ServiceSpec,
    database_url: str,
    infra: TestInfra,
    key: SigningKey,
    state_dir: Path,
) -> ServiceSettings:
    settings_class: type[ServiceSettings] = getattr(
        importlib.import_module(f"{spec.package}.settings"), spec.settings_class
    )
    prefix = f"st{os.getpid()}{spec.package[:6]}."
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": database_url,
        "database_pool_size": 5,
        "kafka_bootstrap_servers": infra.kafka_bootstrap_servers,
        "kafka_idempotence": infra.kafka_idempotence,
        "kafka_topic_prefix": prefix,
        "kafka_consumer_group": f"{prefix}group",
        "jwks_json": json.dumps(key.public_jwks()),
        "state_dir": state_dir,
        "run_background_workers": False,
        "log_json": False,
        "log_level": "WARNING",
    }
    if spec.package == "registry":
        values["signing_key_pem"] = key.to_pem().decode()
    return settings_class(**values)


@pytest.fixture
async def service_database(
    request: pytest.FixtureRequest, database_factory: DatabaseFactory
) -> Any:
    spec: ServiceSpec = request.param
    name = await database_factory.clone(spec.migrations_dir)
    try:
        yield spec, database_factory.url(name)
    finally:
        await database_factory.drop(name)


async def _registry_bureau_token(server: LiveServer, database_url: str, state_dir: Path) -> str:
    from registry.bootstrap import ensure_bureau_client

    path, _ = await ensure_bureau_client(
        database_url, state_dir, f"{server.url}/api/v1/oauth/token"
    )
    credentials = json.loads(path.read_text())
    async with httpx.AsyncClient(base_url=server.url) as client:
        answer = await client.post(
            "/api/v1/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": credentials["client_id"],
                "client_secret": credentials["client_secret"],
            },
        )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def _schemathesis(
    server: LiveServer, token: str, report_dir: Path
) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG_FILE),
        "--no-color",
        "run",
        f"{server.url}/openapi.json",
        "--checks",
        "all",
        "--mode",
        "all",
        # Stateful sequences need links the document does not declare; the other phases cover
        # every operation with valid, invalid and boundary inputs.
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        "20261125",
        "--generation-database",
        "none",
        "--header",
        f"Authorization: Bearer {token}",
        "--continue-on-failure",
        "--report-dir",
        str(report_dir),
    ]
    # Run where its caches may land (it keeps one under the working directory).
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=SCHEMATHESIS_TIMEOUT_S,
        check=False,
        cwd=report_dir.parent,
    )


@pytest.mark.parametrize("service_database", SERVICES, ids=lambda spec: spec.name, indirect=True)
async def test_schemathesis_finds_nothing(
    service_database: tuple[ServiceSpec, str],
    tzsb_infra: TestInfra,
    test_signing_key: SigningKey,
    tmp_path: Path,
) -> None:
    spec, database_url = service_database
    settings = _settings(spec, database_url, tzsb_infra, test_signing_key, tmp_path / "state")
    app = importlib.import_module(f"{spec.package}.main").create_app(settings)
    with LiveServer(app) as server:
        if spec.package == "registry":
            token = await _registry_bureau_token(server, database_url, tmp_path / "state")
        else:
            token = TokenFactory(test_signing_key, settings).issue(CallerKind.bureau)
        result = await _run_in_thread(_schemathesis, server, token, tmp_path / "report")
    (Path(os.environ.get("TMPDIR", "/tmp")) / f"schemathesis-{spec.name}.log").write_text(
        result.stdout + result.stderr
    )
    assert result.returncode == 0, result.stdout[-20_000:] + result.stderr[-5_000:]


async def _run_in_thread(function: Any, *args: Any) -> Any:
    import asyncio

    return await asyncio.to_thread(function, *args)
