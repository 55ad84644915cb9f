from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Identity,
    Index,
    Numeric,
    Table,
    Text,
    Uuid,
    func,
)

from reporting.db import metadata

bonuses = Table(
    "bonuses",
    metadata,
    Column("seq", BigInteger, Identity(always=True), primary_key=True),  # list order, cursor
    Column("bonus_id", Uuid, nullable=False, unique=True),
    Column("maintenance_company_id", Uuid, nullable=False),  # 维保单位
    Column("points", Numeric(6, 2), nullable=False),  # 加分 (negative: 扣分)
    Column("reason", Text, nullable=False),
    Column("awarded_on", Date, nullable=False),  # counts in rankings of periods holding this day
    Column("awarded_by_client", Text, nullable=False),
    Column("awarded_by_organisation", Uuid, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_bonuses_company", "maintenance_company_id", "awarded_on"),
)
"""Bonus points (加分) the bureau awards a maintenance company, with its reason. Rows are never
changed or deleted: the table is the audit trail (who awarded what, when, and why); a mistake
is corrected by a further award of the opposite points."""
