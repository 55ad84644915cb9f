"""What `make up` reads from the environment."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tzsb_common.embedded import BrokerChoice
from tzsb_common.settings import DEFAULT_STATE_DIR


def reachable_host(host: str) -> str:
    """The host part of a URL that reaches a server listening on `host` (a wildcard address
    means loopback)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "127.0.0.1"
    if address.is_unspecified:
        return "127.0.0.1" if address.version == 4 else "[::1]"
    return f"[{host}]" if address.version == 6 else host


class PlatformSettings(BaseSettings):
    """Every field reads the upper-case environment variable of its name."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    state_dir: Path = DEFAULT_STATE_DIR
    """PostgreSQL data, Kafka data and jars, logs, keys and the bureau credential."""

    database_url: str | None = None
    """A server-level URL of an existing PostgreSQL; one database per service is created on it.
    Unset: the embedded PostgreSQL starts on 127.0.0.1:PG_PORT with its data under STATE_DIR."""
    kafka_bootstrap_servers: str | None = None
    """An existing Kafka. Unset: the embedded broker starts on 127.0.0.1:KAFKA_PORT."""
    kafka_idempotence: bool | None = None
    """For a given Kafka only (default on); the embedded broker decides for itself."""
    embedded_broker: BrokerChoice = "auto"
    """`auto`: Apache Kafka where Java 17+ and Maven are present, else Tansu."""

    pg_port: int = Field(default=54329, gt=0, lt=65536)
    kafka_port: int = Field(default=9092, gt=0, lt=65536)
    kafka_controller_port: int = Field(default=9093, gt=0, lt=65536)
    kafka_topic_partitions: int = Field(default=6, gt=0)

    http_host: str = "127.0.0.1"
    registry_port: int = Field(default=8001, gt=0, lt=65536)
    inspection_port: int = Field(default=8002, gt=0, lt=65536)
    elevator_maintenance_port: int = Field(default=8003, gt=0, lt=65536)
    cylinder_trace_port: int = Field(default=8004, gt=0, lt=65536)
    reporting_port: int = Field(default=8005, gt=0, lt=65536)

    ready_timeout_s: float = Field(default=120.0, gt=0)
    """How long every service gets to answer /readyz with 200."""
    stop_timeout_s: float = Field(default=20.0, gt=0)
    """How long a service gets to stop after SIGTERM before it is killed."""

    web_concurrency: int = Field(default=1, gt=0)
    """Worker processes per service (uvicorn `--workers`); each runs the service's relay and
    consumers too, sharing the work as replicas do."""

    restart_backoff_initial_s: float = Field(default=1.0, gt=0)
    """A child that exits on its own (a service, Kafka, PostgreSQL) is restarted after this long."""
    restart_backoff_max_s: float = Field(default=30.0, gt=0)
    """The restart delay doubles per exit up to this; it starts over once a child stays up for a
    minute."""

    log_max_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    """A service's log (var/log/<service>.log), and the embedded PostgreSQL's and Kafka's
    (var/pg/postgres.log, var/kafka/kafka.log), is rotated when it reaches this size."""
    log_backup_count: int = Field(default=5, ge=0)
    """How many rotated files are kept (<service>.log.1 the newest)."""

    @field_validator("database_url", "kafka_bootstrap_servers")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        return value or None

    @property
    def reachable_host(self) -> str:
        return reachable_host(self.http_host)

    def base_url(self, port: int) -> str:
        return f"http://{self.reachable_host}:{port}"
