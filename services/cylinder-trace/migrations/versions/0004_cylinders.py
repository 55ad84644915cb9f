"""media reference table and cylinders

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 20:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# code, name, liquefied, inspection interval in years (GB/T 13004 and the media standards:
# 2 for corrosive media, 5 for inert gases, 3 for the others, 4 for LPG steel cylinders,
# 3 for CNG vehicle cylinders; hydrogen stations are licensed and inspected like the others).
_MEDIA = [
    ("LPG", "液化石油气", True, 4, "GB/T 8334; TSG 23"),
    ("DME", "二甲醚", True, 4, "GB/T 8334; TSG 23"),
    ("CNG", "车用压缩天然气", False, 3, "GB/T 19533; TSG 23"),
    ("LNG", "液化天然气", True, 3, "GB/T 34347; TSG 23"),
    ("H2", "氢气", False, 3, "GB/T 13004; TSG 23"),
    ("O2", "氧气", False, 3, "GB/T 13004; TSG 23"),
    ("air", "压缩空气", False, 3, "GB/T 13004; TSG 23"),
    ("N2", "氮气", False, 5, "GB/T 13004 (惰性气体)"),
    ("Ar", "氩气", False, 5, "GB/T 13004 (惰性气体)"),
    ("He", "氦气", False, 5, "GB/T 13004 (惰性气体)"),
    ("CO2", "二氧化碳", True, 3, "GB/T 13004; TSG 23"),
    ("C2H2", "溶解乙炔", False, 3, "GB/T 13076; TSG 23"),
    ("N2O", "氧化亚氮", True, 3, "GB/T 13004; TSG 23"),
    ("NH3", "液氨", True, 2, "GB/T 13004 (腐蚀性介质)"),
    ("Cl2", "液氯", True, 2, "GB/T 13004 (腐蚀性介质)"),
    ("refrigerant", "制冷剂", True, 3, "GB/T 13004; TSG 23"),
    ("mixed_gas", "混合气体", False, 3, "GB/T 13004; TSG 23"),
]


def upgrade() -> None:
    media = op.create_table(
        "media",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("liquefied", sa.Boolean(), nullable=False),
        sa.Column("inspection_interval_years", sa.SmallInteger(), nullable=False),
        sa.Column("legal_source", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "inspection_interval_years BETWEEN 1 AND 10",
            name=op.f("ck_media_inspection_interval"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_media")),
    )
    op.bulk_insert(
        media,
        [
            {
                "code": code,
                "name": name,
                "liquefied": liquefied,
                "inspection_interval_years": years,
                "legal_source": source,
            }
            for code, name, liquefied, years, source in _MEDIA
        ],
    )
    op.create_table(
        "cylinders",
        sa.Column("cylinder_code", sa.Text(), nullable=False),
        sa.Column("manufacturer", sa.Text(), nullable=False),
        sa.Column("factory_number", sa.Text(), nullable=False),
        sa.Column("medium", sa.Text(), nullable=False),
        sa.Column("nominal_pressure_mpa", sa.Double(), nullable=False),
        sa.Column("water_volume_l", sa.Double(), nullable=False),
        sa.Column("tare_mass_kg", sa.Double(), nullable=True),
        sa.Column("permitted_fill_kg", sa.Double(), nullable=True),
        sa.Column("manufactured_on", sa.Date(), nullable=False),
        sa.Column("design_life_years", sa.SmallInteger(), nullable=False),
        sa.Column("last_inspected_on", sa.Date(), nullable=True),
        sa.Column("next_inspection_on", sa.Date(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("registered_by", sa.Uuid(), nullable=False),
        sa.Column(
            "registered_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("status IN ('in_use', 'scrapped')", name=op.f("ck_cylinders_status")),
        sa.ForeignKeyConstraint(["medium"], ["media.code"], name=op.f("fk_cylinders_medium_media")),
        sa.PrimaryKeyConstraint("cylinder_code", name=op.f("pk_cylinders")),
    )
    op.create_index("ix_cylinders_owner", "cylinders", ["owner_id"], unique=False)
    op.create_index("ix_cylinders_registered_by", "cylinders", ["registered_by"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cylinders_registered_by", table_name="cylinders")
    op.drop_index("ix_cylinders_owner", table_name="cylinders")
    op.drop_table("cylinders")
    op.drop_table("media")
