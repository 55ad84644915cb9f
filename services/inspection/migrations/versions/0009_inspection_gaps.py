"""hazards opened by the patrol and by spot checks, seal expiry, the organisation replica, the
order list's indexes and the rescue and monitoring sightings

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SIGHTING_SOURCE = "ck_unregistered_sightings_source"


def upgrade() -> None:
    op.add_column("hazards", sa.Column("patrol_question", sa.Text(), nullable=True))
    op.add_column("hazards", sa.Column("spot_check_draw_id", sa.Uuid(), nullable=True))
    op.add_column("hazards", sa.Column("spot_check_unit_id", sa.Uuid(), nullable=True))
    op.add_column("hazards", sa.Column("spot_check_item", sa.SmallInteger(), nullable=True))
    op.add_column("hazards", sa.Column("seal_expired_on", sa.Date(), nullable=True))
    op.create_unique_constraint(
        "uq_hazards_spot_check_item",
        "hazards",
        ["spot_check_draw_id", "spot_check_unit_id", "spot_check_item"],
    )
    op.create_index(
        "uq_hazards_patrol_open",
        "hazards",
        ["patrol_question", "equipment_code"],
        unique=True,
        postgresql_where=sa.text("patrol_question IS NOT NULL AND state <> 'closed'"),
    )
    op.create_table(
        "organisations",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("credit_code", sa.Text(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_organisations")),
    )
    op.create_index("ix_supervision_orders_created", "supervision_orders", ["created_at", "id"])
    op.create_index("ix_supervision_orders_unit", "supervision_orders", ["unit_id", "created_at"])
    op.create_index(
        "ix_supervision_orders_use_unit", "supervision_orders", ["use_unit_id", "created_at"]
    )
    op.drop_constraint(op.f(_SIGHTING_SOURCE), "unregistered_sightings", type_="check")
    op.create_check_constraint(
        op.f(_SIGHTING_SOURCE),
        "unregistered_sightings",
        "source IN ('hazard_signal', 'inspection_post', 'rescue', 'monitoring_alarm')",
    )


def downgrade() -> None:
    op.execute("DELETE FROM unregistered_sightings WHERE source IN ('rescue', 'monitoring_alarm')")
    op.drop_constraint(op.f(_SIGHTING_SOURCE), "unregistered_sightings", type_="check")
    op.create_check_constraint(
        op.f(_SIGHTING_SOURCE),
        "unregistered_sightings",
        "source IN ('hazard_signal', 'inspection_post')",
    )
    op.drop_index("ix_supervision_orders_use_unit", table_name="supervision_orders")
    op.drop_index("ix_supervision_orders_unit", table_name="supervision_orders")
    op.drop_index("ix_supervision_orders_created", table_name="supervision_orders")
    op.drop_table("organisations")
    op.drop_index("uq_hazards_patrol_open", table_name="hazards")
    op.drop_constraint("uq_hazards_spot_check_item", "hazards", type_="unique")
    op.drop_column("hazards", "seal_expired_on")
    op.drop_column("hazards", "spot_check_item")
    op.drop_column("hazards", "spot_check_unit_id")
    op.drop_column("hazards", "spot_check_draw_id")
    op.drop_column("hazards", "patrol_question")
