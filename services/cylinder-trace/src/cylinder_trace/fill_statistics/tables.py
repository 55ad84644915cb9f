from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from cylinder_trace.db import metadata

fill_daily_statistics = Table(
    "fill_daily_statistics",
    metadata,
    Column("station_id", Uuid, nullable=False),  # 充装单位
    Column("day", Date, nullable=False),  # the business day the fills started on
    Column("accepted", Integer, nullable=False),
    Column("refused", Integer, nullable=False),
    # medium → fills, e.g. {"LPG": 120, "O2": 8}
    Column("accepted_by_medium", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("refused_by_medium", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    # reason → refused fills; a fill refused for two reasons counts under both
    Column("refused_by_reason", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    # One more with every batch that adds to the day; its events carry it.
    Column("version", BigInteger, nullable=False, server_default="1"),
    # The version last published (statistics/publishing.py).
    Column("published_version", BigInteger, nullable=False, server_default="0"),
    PrimaryKeyConstraint("station_id", "day"),
    Index("ix_fill_daily_statistics_day", "day", "station_id"),
    Index(
        "ix_fill_daily_statistics_unpublished",
        "station_id",
        "day",
        postgresql_where=text("version > published_version"),
    ),
)
"""Fills stored per station and day, kept in the transaction that stores them: a report over
every station reads a row per station-day instead of every fill (statistics/service.py). The
counts merge with `fill_counts_merged` (migration 0007)."""
