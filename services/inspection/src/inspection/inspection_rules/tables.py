from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Identity,
    Integer,
    SmallInteger,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from inspection.db import metadata

inspection_rules = Table(
    "inspection_rules",
    metadata,
    Column("id", Integer, Identity(always=True), primary_key=True),
    Column("category", Text, nullable=False),
    Column("variety", Text),  # null: the whole category; a class code (4300) covers its varieties
    Column("safety_grade", SmallInteger),  # 安全状况等级; null: any grade
    Column("schedule", Text, nullable=False),
    Column("interval_months", SmallInteger),
    Column("max_interval_months", SmallInteger),
    Column("first_inspection_months", SmallInteger),
    Column("monitored_use_max_months", SmallInteger),
    Column(
        "inspection_years",
        ARRAY(SmallInteger),
        nullable=False,
        server_default=text("'{}'::smallint[]"),
    ),
    Column("early_inspection_months", SmallInteger, nullable=False, server_default=text("0")),
    Column("legal_source", Text, nullable=False),
    Column("valid_from", Date, nullable=False),
    CheckConstraint("schedule IN ('months', 'elevator_years', 'not_permitted')", name="schedule"),
)
"""定期检验周期 — the inspection intervals a bureau applies, each with its legal source."""

inspection_rule_set = Table(
    "inspection_rule_set",
    metadata,
    Column("id", SmallInteger, primary_key=True, autoincrement=False),
    Column("version", Integer, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("id = 1", name="single_row"),
)
"""The version of the whole rules table (its ETag); the row is locked while it changes."""

inspection_rule_changes = Table(
    "inspection_rule_changes",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("client_id", Text, nullable=False),
    Column("organisation_id", Uuid),
    Column("previous", JSONB, nullable=False),
    Column("rules", JSONB, nullable=False),
)
"""The audit trail: every version of the rules table, who set it and what it replaced."""
