"""the swipe statistics read model (accepted and rejected swipes by reason per maintenance
company and day) and its Grafana views

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 10:00:00.000000
"""

# The SQL below is assembled from constants of this file only.
# ruff: noqa: S608

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

READER = "grafana_reader"  # made by revision 0005

# Business dates are Shanghai dates; Grafana's time filter wants instants (as in 0005).
_DAY_START = "(s.day::timestamp AT TIME ZONE 'Asia/Shanghai')"

VIEWS: dict[str, str] = {
    "swipe_days": f"""
        SELECT s.day, {_DAY_START} AS day_start, s.company_id,
               coalesce(o.name, s.company_id::text) AS company,
               s.accepted + s.rejected AS swipes, s.accepted, s.rejected
        FROM public.swipe_days s
        LEFT JOIN public.organisations o ON o.organisation_id = s.company_id""",
    # One row per company, day and reason; a swipe rejected for two reasons counts under both.
    "swipe_rejection_days": f"""
        SELECT s.day, {_DAY_START} AS day_start, s.company_id,
               coalesce(o.name, s.company_id::text) AS company, r.reason,
               CASE r.reason WHEN 'invalid' THEN '记录无效'
                    WHEN 'unknown_equipment' THEN '未登记设备'
                    WHEN 'equipment_not_in_use' THEN '设备非在用'
                    WHEN 'no_valid_contract' THEN '无有效维保合同'
                    WHEN 'unknown_certificate' THEN '未登记作业人员证'
                    WHEN 'certificate_expired' THEN '作业人员证过期'
                    WHEN 'certificate_wrong_item' THEN '作业项目不符'
                    WHEN 'certificate_other_employer' THEN '作业人员非本单位'
                    WHEN 'time_in_future' THEN '刷卡时间超前'
                    WHEN 'time_too_old' THEN '刷卡补传超期'
                    WHEN 'outside_geofence' THEN '超出电子围栏'
                    ELSE r.reason END AS reason_name,
               r.swipes
        FROM public.swipe_days s
        CROSS JOIN LATERAL (
            SELECT e.key AS reason, e.value::int AS swipes
            FROM jsonb_each_text(s.rejected_by_reason) AS e
        ) r
        LEFT JOIN public.organisations o ON o.organisation_id = s.company_id""",
}


def upgrade() -> None:
    op.create_table(
        "swipe_days",
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("rejected_by_reason", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("company_id", "day", name=op.f("pk_swipe_days")),
    )
    op.create_index("ix_swipe_days_day", "swipe_days", ["day"])
    for name, body in VIEWS.items():
        op.execute(f"CREATE VIEW grafana.{name} AS {body}")
        # 0005 granted the views there were then; each later view is granted by name.
        op.execute(f"GRANT SELECT ON grafana.{name} TO {READER}")


def downgrade() -> None:
    for name in reversed(VIEWS):
        op.execute(f"DROP VIEW grafana.{name}")
    op.drop_index("ix_swipe_days_day", table_name="swipe_days")
    op.drop_table("swipe_days")
