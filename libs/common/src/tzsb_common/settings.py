"""Settings every service shares; each service subclasses `ServiceSettings`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[4]
"""The checkout this package lives in (libs/common/src/tzsb_common → four levels up)."""

DEFAULT_STATE_DIR = REPO_ROOT / "var"


class ServiceSettings(BaseSettings):
    """Environment-driven settings; every field reads the upper-case variable of its name."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    service_name: str = "tzsb"
    environment: Literal["development", "test", "production"] = "development"
    log_level: str = "INFO"
    log_json: bool = True

    http_host: str = "127.0.0.1"
    http_port: int = 8000
    max_request_body_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    max_batch_items: int = Field(default=1000, gt=0)

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:54329/tzsb"
    database_pool_size: int = Field(default=10, gt=0)
    database_max_overflow: int = Field(default=10, ge=0)

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_idempotence: bool = True
    """On for Apache Kafka; the embedded Tansu fallback does not support idempotent producers."""
    kafka_topic_prefix: str = ""
    """Prepended to every topic name; tests use it to give each test its own topics."""
    kafka_topic_partitions: int = Field(default=6, gt=0)
    kafka_replication_factor: int = Field(default=1, gt=0)
    kafka_request_timeout_ms: int = Field(default=10_000, gt=0)
    kafka_consumer_group: str | None = None
    """Defaults to `tzsb.<service_name>`."""

    run_background_workers: bool = True
    """Run the outbox relay and the consumers inside the web process (one process per service)."""
    outbox_batch_size: int = Field(default=500, gt=0)
    outbox_poll_interval_s: float = Field(default=1.0, gt=0)
    outbox_buckets: int = Field(default=16, gt=0)
    outbox_publish_timeout_s: float = Field(default=15.0, gt=0)
    outbox_max_backoff_s: float = Field(default=10.0, gt=0)
    outbox_retention_hours: int = Field(default=72, gt=0)
    consumer_batch_size: int = Field(default=500, gt=0)
    consumer_max_attempts: int = Field(default=5, gt=0)
    consumer_retry_base_s: float = Field(default=0.2, gt=0)
    consumer_stall_timeout_s: float = Field(default=30.0, gt=0)
    inbox_retention_days: int = Field(default=30, gt=0)
    """How long a consumed event's id is remembered to make its redelivery a no-op."""
    consumer_max_poll_interval_ms: int = Field(default=300_000, ge=10_000)
    """The broker drops a member that does not poll this long; a loop re-polls at half of it."""
    consumer_handler_timeout_s: float = Field(default=30.0, gt=0)
    """One handler call (an event, or a chunk of them); a time-out is retried, never
    dead-lettered. At most a quarter of `consumer_max_poll_interval_ms`."""
    consumer_chunk_size: int = Field(default=500, gt=0)
    """Most events applied in one transaction, and so between two offset commits."""
    consumer_retry_budget_s: float = Field(default=5.0, ge=0)
    """Time one poll may spend retrying failing events; once spent, a failing event goes to the
    dead-letter topic after the attempts it had."""
    consumer_max_backoff_s: float = Field(default=10.0, gt=0)
    """Longest wait before retrying after a time-out or an unavailable dependency."""
    inbox_prune_interval_s: float = Field(default=60.0, gt=0)
    inbox_prune_chunk_rows: int = Field(default=10_000, gt=0)

    jwks_url: str | None = None
    """Where to fetch the token issuer's public keys (any OIDC provider's JWKS endpoint)."""
    jwks_json: str | None = None
    """An inline JWKS document; takes precedence over `jwks_url` (tests, air-gapped installs)."""
    jwt_issuer: str = "tzsb-registry"
    jwt_audience: str = "tzsb"
    jwks_cache_seconds: int = Field(default=300, gt=0)

    state_dir: Path = DEFAULT_STATE_DIR

    @field_validator("kafka_consumer_group")
    @classmethod
    def _blank_group_is_none(cls, value: str | None) -> str | None:
        return value or None

    @property
    def consumer_group(self) -> str:
        return self.kafka_consumer_group or f"tzsb.{self.service_name}"

    def topic(self, name: str) -> str:
        return f"{self.kafka_topic_prefix}{name}"
