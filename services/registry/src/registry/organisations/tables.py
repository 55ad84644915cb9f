from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, Table, Text, Uuid, func, text

from registry.db import metadata

organisations = Table(
    "organisations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("credit_code", Text, unique=True),  # 统一社会信用代码; null only for the bureau itself
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("province", Text),
    Column("city", Text),
    Column("district", Text),
    Column("park", Text),
    Column("address", Text),
    # Increases by one with every change; carried in every snapshot event (and its id).
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_organisations_kind_id", "kind", "id"),
)
