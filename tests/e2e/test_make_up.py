"""`make up` end to end: the real entry point, its embedded servers, five services, Ctrl-C.

Runs `python -m tzsb_platform` (what `make up` runs after installing) on free ports with its own
state directory, so it works beside a running platform and beside the test session's servers.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tzsb_common.embedded import free_port
from tzsb_platform.services import SERVICES

READY_TIMEOUT_S = 180


@pytest.fixture
def platform_env() -> dict[str, str]:
    state = Path(os.environ.get("TMPDIR", "/tmp")) / f"tzsb-e2e-{os.getpid()}-{time.monotonic_ns()}"
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")
    }
    env.update(
        STATE_DIR=str(state),
        PG_PORT=str(free_port()),
        KAFKA_PORT=str(free_port()),
        KAFKA_CONTROLLER_PORT=str(free_port()),
        REGISTRY_PORT=str(free_port()),
        INSPECTION_PORT=str(free_port()),
        ELEVATOR_MAINTENANCE_PORT=str(free_port()),
        CYLINDER_TRACE_PORT=str(free_port()),
        REPORTING_PORT=str(free_port()),
        KAFKA_TOPIC_PARTITIONS="2",
    )
    return env


class Platform:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tzsb_platform"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def wait_until_ready(self) -> None:
        assert self.process.stdout is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.strip() == "ready":
                return
            if time.monotonic() > deadline:
                break
        pytest.fail("make up never said ready:\n" + "\n".join(self.lines))

    def url_of(self, service: str) -> str:
        [line] = [line for line in self.lines if line.startswith(service + " ")]
        return line.split()[1]

    def interrupt(self) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=60)
        finally:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)
        assert self.process.stdout is not None
        self.lines += self.process.stdout.read().splitlines()
        return code


@pytest.fixture
def run(platform_env: dict[str, str]) -> Iterator[type[Platform]]:
    started: list[Platform] = []

    class Tracked(Platform):
        def __init__(self, env: dict[str, str]) -> None:
            super().__init__(env)
            started.append(self)

    yield Tracked
    for platform in started:
        if platform.process.poll() is None:
            os.killpg(platform.process.pid, signal.SIGKILL)
    shutil.rmtree(platform_env["STATE_DIR"], ignore_errors=True)


def _bureau_token(credential: dict[str, str]) -> str:
    response = httpx.post(
        credential["token_url"],
        data={"grant_type": "client_credentials"},
        auth=(credential["client_id"], credential["client_secret"]),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def test_make_up_starts_all_five_services_stops_on_ctrl_c_and_keeps_data(
    platform_env: dict[str, str], run: type[Platform]
) -> None:
    first = run(platform_env)
    first.wait_until_ready()
    for spec in SERVICES:
        url = first.url_of(spec.name)
        assert f"docs {url}/docs" in next(
            line for line in first.lines if line.startswith(spec.name)
        )
        assert httpx.get(f"{url}/readyz").status_code == 200

    credential_path = Path(platform_env["STATE_DIR"]) / "bureau-client.json"
    assert stat.S_IMODE(credential_path.stat().st_mode) == 0o600
    credential = json.loads(credential_path.read_text())
    assert set(credential) >= {"client_id", "client_secret", "token_url"}
    token = _bureau_token(credential)
    headers = {"Authorization": f"Bearer {token}"}
    registry = first.url_of("registry")
    organisation = httpx.post(
        f"{registry}/api/v1/organisations",
        headers=headers,
        json={
            "credit_code": "91350100M000100Y43",
            "name": "兰州新区某物业公司",
            "kind": "use_unit",
            "region": {"province": "甘肃省", "city": "兰州市", "district": "兰州新区"},
        },
    )
    assert organisation.status_code == 201, organisation.text
    # A token from the registry is honoured by another service, through the registry's JWKS.
    inspection = first.url_of("inspection")
    assert httpx.get(f"{inspection}/api/v1", headers=headers).status_code == 200
    assert httpx.get(f"{inspection}/api/v1").status_code == 401

    concurrent = subprocess.run(
        [sys.executable, "-m", "tzsb_platform"],
        env=platform_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert concurrent.returncode != 0
    assert "already running" in concurrent.stdout + concurrent.stderr

    assert first.interrupt() == 0
    assert "stopped" in first.lines[-1]

    second = run(platform_env)
    second.wait_until_ready()
    assert json.loads(credential_path.read_text()) == credential
    token = _bureau_token(credential)
    kept = httpx.get(
        f"{registry}/api/v1/organisations/{organisation.json()['id']}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert kept.status_code == 200
    assert second.interrupt() == 0
