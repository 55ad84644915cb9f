from __future__ import annotations

from sqlalchemy import ARRAY, Column, DateTime, ForeignKey, Index, Table, Text, Uuid, func, text

from registry.db import metadata

api_clients = Table(
    "api_clients",
    metadata,
    Column("client_id", Text, primary_key=True),
    Column("secret_hash", Text, nullable=False),  # argon2id; the secret itself is never stored
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("scopes", ARRAY(Text), nullable=False, server_default="{}"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", Text),  # the client id of the bureau caller who revoked it
    Index("ix_api_clients_revoked", "client_id", postgresql_where=text("revoked_at IS NOT NULL")),
)
