"""`make up` end to end: the real entry point, its embedded servers, five services, Ctrl-C.

Runs `python -m tzsb_platform` (what `make up` runs after installing) on free ports with its own
state directory, so it works beside a running platform and beside the test session's servers.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from registry_factories import organisation as organisation_body
from tzsb_common.embedded import free_port
from tzsb_common.embedded._process import read_pid_file
from tzsb_common.kafka import stop_quietly
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
        self._arrived: queue.Queue[str | None] = queue.Queue()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tzsb_platform"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read_output, daemon=True)
        self._reader.start()

    def _read_output(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._arrived.put(line.rstrip("\n"))
        self._arrived.put(None)

    def wait_for_line(self, wanted: Callable[[str], bool], what: str, timeout_s: float) -> str:
        """The first line of output (said already, or from now on) that `wanted` accepts."""
        for line in self.lines:
            if wanted(line):
                return line
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                arrived = self._arrived.get(timeout=left)
            except queue.Empty:
                break
            if arrived is None:
                break
            self.lines.append(arrived)
            if wanted(arrived):
                return arrived
        pytest.fail(f"make up never said {what}:\n" + "\n".join(self.lines))

    def wait_until_ready(self) -> None:
        self.wait_for_line(lambda line: line.strip() == "ready", "ready", READY_TIMEOUT_S)

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
        self._reader.join(timeout=10)
        while not self._arrived.empty():
            line = self._arrived.get()
            if line is not None:
                self.lines.append(line)
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


def _kill(pid_file: Path) -> int:
    pid = read_pid_file(pid_file)
    assert pid is not None, f"no pid in {pid_file}"
    os.kill(pid, signal.SIGKILL)
    return pid


async def _subjects_on_topic(bootstrap: str, topic: str, wanted: set[str]) -> set[str]:
    """The keys of `topic` seen until every wanted one arrived (or a minute passed)."""
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    seen: set[str] = set()
    try:
        deadline = time.monotonic() + 60
        while not wanted <= seen and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            seen |= {r.key.decode() for records in batch.values() for r in records if r.key}
    finally:
        await stop_quietly(consumer)
    return seen


def test_make_up_restarts_a_killed_broker_and_service_while_writes_keep_answering(
    platform_env: dict[str, str], run: type[Platform]
) -> None:
    platform = run(platform_env)
    platform.wait_until_ready()
    state = Path(platform_env["STATE_DIR"])
    credential = json.loads((state / "bureau-client.json").read_text())
    headers = {"Authorization": f"Bearer {_bureau_token(credential)}"}
    registry, inspection = platform.url_of("registry"), platform.url_of("inspection")

    _kill(state / "kafka" / "kafka.pid")
    _kill(state / "run" / "inspection.pid")
    written: list[str] = []
    for _ in range(10):  # while the broker and the inspection service are gone
        response = httpx.post(
            f"{registry}/api/v1/organisations", headers=headers, json=organisation_body()
        )
        assert response.status_code == 201, response.text
        written.append(response.json()["id"])
        time.sleep(0.2)
    during_outage = httpx.get(f"{registry}/readyz")

    platform.wait_for_line(lambda line: line.startswith("kafka exited"), "kafka exited", 30)
    platform.wait_for_line(lambda line: line == "inspection ready again", "inspection back", 120)
    platform.wait_for_line(lambda line: line == "kafka restarted", "kafka restarted", 120)
    assert platform.process.poll() is None
    assert during_outage.status_code == 200
    assert during_outage.json()["status"] in ("degraded", "ready")
    assert httpx.get(f"{inspection}/readyz").status_code == 200
    bootstrap = f"127.0.0.1:{platform_env['KAFKA_PORT']}"
    seen = asyncio.run(_subjects_on_topic(bootstrap, "tzsb.registry.organisation", set(written)))
    assert set(written) <= seen
    assert any(line.startswith("inspection exited with code -9") for line in platform.lines)

    assert platform.interrupt() == 0
