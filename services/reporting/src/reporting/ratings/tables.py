"""Tables of the quarterly contractor rating (维保单位季度评级): the ratings as published and
the appeals against them."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from reporting.db import metadata

contractor_ratings = Table(
    "contractor_ratings",
    metadata,
    Column("rating_id", Uuid, primary_key=True),
    Column("year", Integer, nullable=False),
    Column("quarter", SmallInteger, nullable=False),
    Column("maintenance_company_id", Uuid, nullable=False),  # 维保单位
    Column("company_name", Text),
    Column("elevators", Integer, nullable=False),  # 维保数 on the quarter's last day
    Column("rates", JSONB, nullable=False),  # the eight rates, as published
    Column("composite", Numeric(8, 2), nullable=False),
    Column("bonus_points", Numeric(8, 2), nullable=False),
    Column("rescue_breaches", Integer, nullable=False, server_default=text("0")),  # 救援超时
    Column("rescue_deduction", Numeric(8, 2), nullable=False, server_default=text("0")),
    Column("score", Numeric(8, 2), nullable=False),
    Column("formula", Text, nullable=False),  # the sum written out, shown beside the score
    Column("stars", SmallInteger, nullable=False),  # 星级
    Column("rank", Integer, nullable=False),
    Column("definition_versions", JSONB, nullable=False),
    Column("published_by_client", Text, nullable=False),
    Column("published_by_organisation", Uuid, nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("year", "quarter", "maintenance_company_id"),
    CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_in_range"),
)
"""One row per rated company and quarter, as the bureau published it; never changed (an
appeal's outcome is recorded beside it)."""

rating_appeals = Table(
    "rating_appeals",
    metadata,
    Column("appeal_id", Uuid, primary_key=True),  # 申诉
    Column("rating_id", Uuid, ForeignKey("contractor_ratings.rating_id"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("lodged_by_client", Text, nullable=False),
    Column("lodged_by_organisation", Uuid, nullable=False),
    Column("lodged_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("status", Text, nullable=False),  # pending | upheld 成立 | dismissed 驳回
    Column("decision_reason", Text),
    Column("revised_score", Numeric(8, 2)),  # an upheld appeal may correct the score
    Column("decided_by_client", Text),
    Column("decided_by_organisation", Uuid),
    Column("decided_at", DateTime(timezone=True)),
    Index("ix_rating_appeals_rating", "rating_id", "lodged_at"),
)
"""Appeals (申诉) against a published rating and the bureau's decision on each."""
