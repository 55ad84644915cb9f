"""The five services and the child processes that run them."""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tzsb_common.embedded import (
    DEFAULT_LOG_BACKUP_COUNT,
    DEFAULT_LOG_MAX_BYTES,
    ChildOutput,
    log_tail,
    stop_process,
    stop_stale_process,
)
from tzsb_common.settings import REPO_ROOT, ServiceSettings
from tzsb_platform.settings import PlatformSettings


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    """Its directory under services/ and the name it is printed with."""
    package: str
    port_setting: str
    """The PlatformSettings field (and, upper-cased, the environment variable) of its port."""
    settings_class: str
    """Its pydantic-settings class, in `<package>.settings`."""

    @property
    def database(self) -> str:
        return f"tzsb_{self.package}"

    @property
    def migrations_dir(self) -> Path:
        return REPO_ROOT / "services" / self.name / "migrations"

    @property
    def app_factory(self) -> str:
        return f"{self.package}.main:create_app"

    def port(self, settings: PlatformSettings) -> int:
        port: int = getattr(settings, self.port_setting)
        return port

    def load_settings(self) -> ServiceSettings:
        module = importlib.import_module(f"{self.package}.settings")
        settings_class = getattr(module, self.settings_class)
        if not (isinstance(settings_class, type) and issubclass(settings_class, ServiceSettings)):
            raise TypeError(f"{self.package}.settings.{self.settings_class} is not settings")
        return settings_class()


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("registry", "registry", "registry_port", "RegistrySettings"),
    ServiceSpec("inspection", "inspection", "inspection_port", "InspectionSettings"),
    ServiceSpec(
        "elevator-maintenance",
        "elevator_maintenance",
        "elevator_maintenance_port",
        "ElevatorMaintenanceSettings",
    ),
    ServiceSpec("cylinder-trace", "cylinder_trace", "cylinder_trace_port", "CylinderTraceSettings"),
    ServiceSpec("reporting", "reporting", "reporting_port", "ReportingSettings"),
)
"""In start order; the registry first, since it issues the tokens the others verify."""

REGISTRY = SERVICES[0]
SERVICES_BY_NAME = {spec.name: spec for spec in SERVICES}
TOKEN_ENDPOINT_PATH = "/api/v1/oauth/token"  # noqa: S105  (a URL path, not a secret)


class ServiceProcess:
    """One service as `python -m uvicorn <package>.main:create_app --factory [--workers N]`."""

    def __init__(
        self,
        spec: ServiceSpec,
        *,
        host: str,
        port: int,
        env: dict[str, str],
        log_path: Path,
        pid_path: Path,
        workers: int = 1,
        log_max_bytes: int = DEFAULT_LOG_MAX_BYTES,
        log_backup_count: int = DEFAULT_LOG_BACKUP_COUNT,
    ) -> None:
        self.spec = spec
        self.host = host
        self.port = port
        self.env = env
        self.log_path = log_path
        self.pid_path = pid_path
        self.workers = workers
        self._process: subprocess.Popen[bytes] | None = None
        self._output = ChildOutput(log_path, max_bytes=log_max_bytes, backup_count=log_backup_count)

    @property
    def exit_code(self) -> int | None:
        """None while it runs (or before it started)."""
        return None if self._process is None else self._process.poll()

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def stop_leftover(self, timeout_s: float) -> None:
        """Stop this service's process if an earlier run died and left it serving."""
        stop_stale_process(
            self.pid_path,
            must_contain=self.spec.app_factory,
            first_signal=signal.SIGTERM,
            timeout_s=timeout_s,
            name=self.spec.name,
        )

    def start(self) -> None:
        self.pid_path.parent.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            self.spec.app_factory,
            "--factory",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--no-access-log",
            "--timeout-graceful-shutdown",
            "10",
        ]
        self.note(f"starting {self.spec.name}")
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=self.env,
            cwd=REPO_ROOT,
            # Own session (and process group): a terminal Ctrl-C reaches only `make up`, which
            # stops us in order, and the group holds the workers uvicorn forks.
            start_new_session=True,
        )
        self._output.attach(self._process)
        self.pid_path.write_text(f"{self._process.pid}\n")

    def note(self, line: str) -> None:
        """A line of ours in the service's log, marking a start or restart."""
        started = datetime.now(UTC).isoformat(timespec="seconds")
        self._output.write(f"\n--- {started} {line}\n".encode())

    def send_stop(self) -> None:
        """SIGTERM without waiting, so all services shut down at the same time."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)

    def wait_stopped(self, timeout_s: float) -> None:
        if self._process is None:
            return
        stop_process(
            self._process, first_signal=signal.SIGTERM, timeout_s=timeout_s, name=self.spec.name
        )
        self.reap()
        self.pid_path.unlink(missing_ok=True)

    def reap(self) -> None:
        """After the main process exited: kill what is left of its group (uvicorn workers whose
        supervisor was killed would keep the port), and drain its output."""
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, signal.SIGKILL)
        self._output.drain()
        self._process = None

    def close_log(self) -> None:
        self._output.close()

    def log_tail(self, lines: int = 30) -> str:
        return log_tail(self.log_path, lines)


def service_env(
    spec: ServiceSpec,
    settings: PlatformSettings,
    *,
    database_url: str,
    kafka_bootstrap_servers: str,
    kafka_idempotence: bool,
) -> dict[str, str]:
    """Our environment plus what this service must be told; ours wins over anything inherited."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap_servers,
            "KAFKA_IDEMPOTENCE": "true" if kafka_idempotence else "false",
            "KAFKA_TOPIC_PARTITIONS": str(settings.kafka_topic_partitions),
            "HTTP_HOST": settings.http_host,
            "HTTP_PORT": str(spec.port(settings)),
            "STATE_DIR": str(settings.state_dir),
            "PYTHONUNBUFFERED": "1",
        }
    )
    if spec is not REGISTRY:  # the issuer verifies its own tokens from its own key
        registry_url = settings.base_url(REGISTRY.port(settings))
        env["JWKS_URL"] = f"{registry_url}/.well-known/jwks.json"
        env["REVOKED_CLIENTS_URL"] = f"{registry_url}/.well-known/revoked-clients"
    return env
