from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Identity,
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
"""Swipes stored per company and business day: a report reads a row per company-day instead of
every swipe. The fold (publishing.py) adds the pending tallies below and publishes each day it
changed with the day's new totals (SwipeStatisticsV1) for the reporting service."""

swipe_statistics_pending = Table(
    "swipe_statistics_pending",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("company_id", Uuid, nullable=False),
    Column("day", Date, nullable=False),
    Column("accepted", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("rejected_by_reason", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Index("ix_swipe_statistics_pending_day", "day", "company_id"),
)
"""What each batch adds to its company's days, inserted in the transaction that stores the
swipes. An insert waits for no one: adding to the day's row there held it locked to the commit,
and every post of the company queued behind the one before (some 200 single swipes a second
here). Readers add these rows to the days they belong to."""
