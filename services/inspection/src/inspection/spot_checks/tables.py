from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from inspection.db import metadata

spot_check_inspectors = Table(
    "spot_check_inspectors",
    metadata,
    Column("id", Uuid, primary_key=True, server_default=text("gen_random_uuid()")),
    Column("name", Text, nullable=False),
    Column("certificate_number", Text, nullable=False, unique=True),  # 监察员证 / 检验员证编号
    Column("park", Text),
    Column("active", Boolean, nullable=False, server_default=text("true")),  # 在岗, drawable
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
"""执法检查人员名录 — the inspectors a spot check may send, kept by the bureau."""

spot_check_draws = Table(
    "spot_check_draws",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("seed", BigInteger, nullable=False),  # random.Random(seed)
    Column("as_of", Date, nullable=False),  # the risk grades were those of this day
    Column("park", Text),
    Column("unit_count", Integer, nullable=False),
    Column("inspector_count", Integer, nullable=False),
    Column("candidates", JSONB, nullable=False),  # [[unit_id, grade, weight], …] in draw order
    Column("inspector_pool", JSONB, nullable=False),  # [inspector_id, …] in draw order
    Column("drawn_by", Text, nullable=False),  # the bureau client
    Column("drawn_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("unit_count >= 1 AND inspector_count >= 1", name="counts"),
)
"""A 双随机 draw: the seed and the candidate lists it drew from, enough to draw it again."""

spot_check_units = Table(
    "spot_check_units",
    metadata,
    Column("draw_id", Uuid, ForeignKey("spot_check_draws.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("use_unit_id", Uuid, nullable=False),
    Column("grade", Text, nullable=False),
    Column("conclusion", Text),  # compliant 合格 | hazards_found 发现问题 | not_checkable 无法检查
    Column("checked_on", Date),
    Column("equipment_checked", Integer),
    Column("hazards_found", Integer),
    Column("findings", Text),
    Column("recorded_by", Text),
    Column("recorded_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("draw_id", "use_unit_id"),
    UniqueConstraint("draw_id", "position", name="uq_spot_check_units_position"),
    CheckConstraint("grade IN ('A', 'B', 'C', 'D')", name="grade"),
    CheckConstraint(
        "conclusion IN ('compliant', 'hazards_found', 'not_checkable')", name="conclusion"
    ),
    Index("ix_spot_check_units_unit", "use_unit_id"),
)
"""The units a draw picked, in draw order, each with its check's result once recorded."""

spot_check_draw_inspectors = Table(
    "spot_check_draw_inspectors",
    metadata,
    Column("draw_id", Uuid, ForeignKey("spot_check_draws.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("inspector_id", Uuid, nullable=False),
    PrimaryKeyConstraint("draw_id", "inspector_id"),
)
"""The inspectors a draw picked, in draw order."""
