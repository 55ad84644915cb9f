"""an equipment record names an installation notice that exists

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 20:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CONSTRAINT = "fk_equipment_installation_notice_id_installation_notices"


def upgrade() -> None:
    # References written before notices existed point nowhere; they are cleared, not refused.
    op.execute(
        "UPDATE equipment SET installation_notice_id = NULL WHERE installation_notice_id "
        "IS NOT NULL AND NOT EXISTS (SELECT FROM installation_notices n "
        "WHERE n.id = equipment.installation_notice_id)"
    )
    op.create_foreign_key(
        op.f(_CONSTRAINT),
        "equipment",
        "installation_notices",
        ["installation_notice_id"],
        ["id"],
    )


def downgrade() -> None:
    op.drop_constraint(op.f(_CONSTRAINT), "equipment", type_="foreignkey")
