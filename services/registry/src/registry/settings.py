from __future__ import annotations

from pydantic import Field

from tzsb_common.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    service_name: str = "registry"
    http_port: int = 8001
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:54329/tzsb_registry"

    signing_key_pem: str | None = None
    """The token-signing RSA key (PEM). Unset: generated on first start under STATE_DIR/keys."""
    token_ttl_seconds: int = Field(default=3600, ge=60, le=86_400)
    public_token_url: str | None = None
    """The token endpoint as clients reach it (behind a proxy); written to bureau-client.json."""
    max_clients_per_organisation: int = Field(default=10, gt=0)
    """Unrevoked API clients one organisation may hold; creating one more is a 409 problem."""
    token_requests_per_minute_per_client: int = Field(default=20, gt=0)
    """Token requests one client id may make in any minute (right or wrong secret)."""
    token_requests_per_minute_per_address: int = Field(default=120, gt=0)
    """Token requests one source address may make in any minute."""

    import_max_bytes: int = Field(default=64 * 1024 * 1024, gt=0)
    """`POST /api/v1/equipment/import`: the largest upload (CSV or workbook); over it, 413."""
    import_max_rows: int = Field(default=100_000, gt=0)
    """The most rows below the header one upload may have; over it, 413 before any is written."""
    import_max_unpacked_bytes: int = Field(default=512 * 1024 * 1024, gt=0)
    """What a workbook (a zip) may claim to unpack to; a larger one is refused unread."""
    import_chunk_size: int = Field(default=2_000, ge=1, le=20_000)
    """Rows written per transaction by the import (HTTP and the shell command)."""
