"""versioned indicator definitions (seeded with their first versions), published indicator
figures, and the quarterly contractor rating with its appeals

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 23:00:00.000000
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIRST_VALID_FROM = date(1990, 1, 1)
"""The first versions cover every period the API accepts."""

FIRST_DEFINITIONS = [
    (
        "record_completeness",
        "档案信息完整率",
        "在用电梯中档案信息完整的台数 ÷ 在用电梯台数 × 100%（使用登记证编号、使用单位、品种、"
        "制造单位、出厂编号、制造日期、安装地址、位置、额定载重量、额定速度、层站数；自动扶梯与"
        "自动人行道不计载重量和层站数）",
        {},
    ),
    (
        "registration",
        "登记率",
        "统计期末已办理使用登记的在用电梯台数 ÷ 在用电梯台数 × 100%",
        {},
    ),
    (
        "inspection",
        "检验率",
        "最近一次检验结论为合格或复检合格且下次检验日期不早于统计期末的在用电梯台数 ÷ "
        "在用电梯台数 × 100%",
        {"passing_conclusions": ["pass", "pass_after_reinspection"]},
    ),
    (
        "contract_validity",
        "维保合同有效率",
        "统计期末持有效维保合同的在用电梯台数 ÷ 在用电梯台数 × 100%",
        {},
    ),
    (
        "swipe_maintenance",
        "刷卡维保率",
        "统计期内至少有一次刷卡完成维保的在用电梯台数 ÷ 在用电梯台数 × 100%",
        {},
    ),
    (
        "on_time_maintenance",
        "按期维保率",
        "统计期内（自期初或投用日起至期末）相邻两次维保间隔均不超过 15 日（按需维保按合同"
        "约定）的在用电梯台数 ÷ 在用电梯台数 × 100%（TSG T5002）",
        {"interval_days": 15},
    ),
    (
        "emergency_platform",
        "处置平台进入率",
        "已取得 96333 应急救援识别码的在用电梯台数 ÷ 在用电梯台数 × 100%",
        {},
    ),
    (
        "label",
        "贴牌率",
        "轿厢内已张贴应急救援标识的在用电梯台数 ÷ 在用电梯台数 × 100%",
        {},
    ),
]


def upgrade() -> None:
    definitions = op.create_table(
        "indicator_definitions",
        sa.Column("indicator", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("formula", sa.Text(), nullable=False),
        sa.Column("parameters", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("indicator", "version", name=op.f("pk_indicator_definitions")),
        sa.UniqueConstraint(
            "indicator", "valid_from", name=op.f("uq_indicator_definitions_indicator")
        ),
    )
    op.bulk_insert(
        definitions,
        [
            {
                "indicator": indicator,
                "version": 1,
                "valid_from": FIRST_VALID_FROM,
                "name": name,
                "formula": formula,
                "parameters": parameters,
            }
            for indicator, name, formula, parameters in FIRST_DEFINITIONS
        ],
        multiinsert=False,
    )
    op.create_table(
        "indicator_publications",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("publication_id", sa.Uuid(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("region", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("group_by", sa.Text(), nullable=True),
        sa.Column("definition_versions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("figures", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("published_by_client", sa.Text(), nullable=False),
        sa.Column("published_by_organisation", sa.Uuid(), nullable=False),
        sa.Column(
            "published_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_indicator_publications")),
        sa.UniqueConstraint(
            "publication_id", name=op.f("uq_indicator_publications_publication_id")
        ),
    )
    op.create_index(
        "ix_indicator_publications_period",
        "indicator_publications",
        ["period_end", "period_start"],
    )
    op.create_table(
        "contractor_ratings",
        sa.Column("rating_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.SmallInteger(), nullable=False),
        sa.Column("maintenance_company_id", sa.Uuid(), nullable=False),
        sa.Column("company_name", sa.Text(), nullable=True),
        sa.Column("elevators", sa.Integer(), nullable=False),
        sa.Column("rates", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("composite", sa.Numeric(8, 2), nullable=False),
        sa.Column("bonus_points", sa.Numeric(8, 2), nullable=False),
        sa.Column("score", sa.Numeric(8, 2), nullable=False),
        sa.Column("formula", sa.Text(), nullable=False),
        sa.Column("stars", sa.SmallInteger(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("definition_versions", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("published_by_client", sa.Text(), nullable=False),
        sa.Column("published_by_organisation", sa.Uuid(), nullable=False),
        sa.Column(
            "published_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "quarter BETWEEN 1 AND 4", name=op.f("ck_contractor_ratings_quarter_in_range")
        ),
        sa.PrimaryKeyConstraint("rating_id", name=op.f("pk_contractor_ratings")),
        sa.UniqueConstraint(
            "year", "quarter", "maintenance_company_id", name=op.f("uq_contractor_ratings_year")
        ),
    )
    op.create_table(
        "rating_appeals",
        sa.Column("appeal_id", sa.Uuid(), nullable=False),
        sa.Column("rating_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("lodged_by_client", sa.Text(), nullable=False),
        sa.Column("lodged_by_organisation", sa.Uuid(), nullable=False),
        sa.Column(
            "lodged_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("revised_score", sa.Numeric(8, 2), nullable=True),
        sa.Column("decided_by_client", sa.Text(), nullable=True),
        sa.Column("decided_by_organisation", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["rating_id"],
            ["contractor_ratings.rating_id"],
            name=op.f("fk_rating_appeals_rating_id_contractor_ratings"),
        ),
        sa.PrimaryKeyConstraint("appeal_id", name=op.f("pk_rating_appeals")),
    )
    op.create_index("ix_rating_appeals_rating", "rating_appeals", ["rating_id", "lodged_at"])


def downgrade() -> None:
    op.drop_index("ix_rating_appeals_rating", table_name="rating_appeals")
    op.drop_table("rating_appeals")
    op.drop_table("contractor_ratings")
    op.drop_index("ix_indicator_publications_period", table_name="indicator_publications")
    op.drop_table("indicator_publications")
    op.drop_table("indicator_definitions")
