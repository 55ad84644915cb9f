from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from elevator_maintenance.db import metadata

swipe_daily_statistics = Table(
    "swipe_daily_statistics",
    metadata,
    Column("company_id", Uuid, nullable=False),  # 维保单位
    Column("day", Date, nullable=False),  # the business day (Asia/Shanghai) of the swipes' `at`
    Column("accepted", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    # {reason code: rejected swipes}; a swipe rejected for two reasons counts under both
    Column("rejected_by_reason", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("version", Integer, nullable=False),  # +1 with every batch that adds to the day
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("company_id", "day"),
    Index("ix_swipe_daily_statistics_day", "day", "company_id"),
)
"""Swipes stored per company and business day, kept in the transaction that stores them: a
report reads a row per company-day instead of every swipe, and each change is published with
the day's new totals (SwipeStatisticsV1) for the reporting service."""
