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
    log_repeat_interval_s: float = Field(default=10.0, ge=0)
    """A client library's error repeated within this interval (same logger, same message
    template) is counted instead of logged; the next one logged carries the count. 0 logs all."""
    fastapi_telemetry: bool = False
    """FastAPI's own OpenTelemetry spans, metrics and logs of each request, for a bureau that
    runs a collector (providers set up before the service starts, or
    `FASTAPI_OTEL_AUTO_CONFIGURE` and the `OTEL_*` variables). Off, the service's Prometheus
    metrics and JSON access log are what it reports, and requests skip FastAPI's look for a
    configured provider: 5 µs each, measured, with none configured."""
    web_concurrency: int = Field(default=1, gt=0)
    """Worker processes per service (uvicorn `--workers`); each runs its own relay and
    consumers, which share the work like replicas do."""

    http_host: str = "127.0.0.1"
    http_port: int = 8000
    max_request_body_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    max_batch_items: int = Field(default=1000, gt=0)
    max_validation_errors: int = Field(default=50, gt=0)
    """A validation problem lists at most this many errors and counts the rest."""

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:54329/tzsb"
    database_pool_size: int = Field(default=10, gt=0)
    database_max_overflow: int = Field(default=10, ge=0)
    database_connect_timeout_s: float = Field(default=3.0, gt=0)
    """How long opening a connection may take before the request answers 503."""
    database_statement_timeout_s: float = Field(default=5.0, gt=0)
    """PostgreSQL's own `statement_timeout`: the server cancels a statement running longer
    (also one waiting on a lock), and the request answers 503."""
    database_command_timeout_s: float = Field(default=6.0, gt=0)
    """The driver's bound on one round trip, for a server that stopped answering at all (a frozen
    host, a dead network path); a little above the statement timeout, so that a slow statement
    is cancelled cleanly by the server first."""
    database_pool_timeout_s: float = Field(default=3.0, gt=0)
    """How long a request waits for a free pooled connection."""

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
    """The bucket count a relay asks for at start; the database stores the one in use and the
    change moves unsent rows safely (see tzsb_common.outbox)."""
    outbox_publish_timeout_s: float = Field(default=15.0, gt=0)
    outbox_max_backoff_s: float = Field(default=0.5, gt=0)
    outbox_retention_hours: int = Field(default=0, ge=0)
    """How long sent outbox rows are kept, to look back at what was published; 0 deletes a row
    in the transaction that published it, which costs the database several times less."""
    outbox_max_attempts: int = Field(default=5, gt=0)
    """Publishing attempts for a row that fails by its own fault (too large for the broker, not
    a valid envelope) before it is marked failed and its bucket moves on. A broker that is away
    is not the row's fault: such rows are retried for ever."""
    outbox_cleanup_interval_s: float = Field(default=5.0, gt=0)
    """How often sent rows older than the retention are deleted."""
    outbox_cleanup_batch_size: int = Field(default=5_000, gt=0)
    """Rows per delete statement; a clean-up pass repeats it until nothing expired is left."""
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
    """Most events applied in one transaction."""
    consumer_poll_linger_ms: float = Field(default=20.0, ge=0)
    """After a poll that brought fewer than `consumer_batch_size` events, wait this long before
    the next, so a steady trickle is applied and committed in fewer, larger chunks (each event
    waits at most this much longer)."""
    consumer_fetch_gather_ms: int = Field(default=0, ge=0, le=5_000)
    """How long the broker may hold a fetch of this service's consumers to gather
    `CONSUMER_GATHER_BYTES` of their topics' events before it answers; 0 answers as soon as
    there is one. A service whose consumers need not see an event at once (read models nobody
    reads live) gathers: a steady stream of events then costs it and the broker a few fetches
    a second, and is applied in chunks of hundreds, not a few. Each event may wait this long.
    Below 500 an idle consumer asks more often than the client's default of twice a second."""
    consumer_passed_over_commit_interval_s: float = Field(default=1.0, ge=0)
    """A poll that brought only event types the consumer does not handle is committed at most
    this often (they are passed over again, unparsed, if delivered again)."""
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
    token_cache_size: int = Field(default=10_000, ge=0)
    """Verified tokens kept (least recently used dropped) so a token's signature is checked
    once, not on every request; 0 turns the cache off."""
    revoked_clients_url: str | None = None
    """The registry's list of revoked API clients (`/.well-known/revoked-clients`); unset: no
    list is fetched and a revoked client's tokens work until they expire."""
    revoked_clients_refresh_seconds: float = Field(default=30.0, gt=0)
    """How often the revocation list is refreshed in the background."""

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
