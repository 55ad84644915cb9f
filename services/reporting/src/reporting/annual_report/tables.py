"""The bureau's own text of the annual report: its plan for the next year (工作计划)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    Table,
    Text,
    Uuid,
    func,
)

from reporting.db import metadata

annual_report_plans = Table(
    "annual_report_plans",
    metadata,
    Column("year", Integer, primary_key=True),  # the report's year
    Column("plan_text", Text, nullable=False),  # 下一年度特种设备安全工作计划
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_by_client", Text, nullable=False),
    Column("updated_by_organisation", Uuid, nullable=False),
)
"""The plan as it stands, one row per report year."""

annual_report_plan_revisions = Table(
    "annual_report_plan_revisions",
    metadata,
    Column("seq", BigInteger, Identity(always=True), primary_key=True),
    Column("year", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("plan_text", Text, nullable=False),
    Column("revised_by_client", Text, nullable=False),
    Column("revised_by_organisation", Uuid, nullable=False),
    Column("revised_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_annual_report_plan_revisions_year", "year", "version", unique=True),
)
"""Every text the plan ever had, with who wrote it and when: the audit trail. Rows are never
changed or deleted."""
