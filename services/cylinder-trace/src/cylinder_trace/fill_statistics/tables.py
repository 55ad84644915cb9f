from __future__ import annotations

from sqlalchemy import Column, Date, Index, Integer, PrimaryKeyConstraint, Table, Text, Uuid

from cylinder_trace.db import metadata

fill_daily_statistics = Table(
    "fill_daily_statistics",
    metadata,
    Column("station_id", Uuid, nullable=False),  # 充装单位
    Column("day", Date, nullable=False),  # the business day the fills started on
    Column("accepted", Integer, nullable=False),
    Column("refused", Integer, nullable=False),
    PrimaryKeyConstraint("station_id", "day"),
    Index("ix_fill_daily_statistics_day", "day", "station_id"),
)
"""Fills stored per station and day, kept in the transaction that stores them: a report over
every station reads a row per station-day instead of every fill (statistics/service.py)."""

fill_daily_refusals = Table(
    "fill_daily_refusals",
    metadata,
    Column("station_id", Uuid, nullable=False),
    Column("day", Date, nullable=False),
    Column("reason", Text, nullable=False),  # a FillReason value
    Column("fills", Integer, nullable=False),
    PrimaryKeyConstraint("station_id", "day", "reason"),
)
"""Refused fills per station, day and reason; a fill refused for two reasons counts in both."""
