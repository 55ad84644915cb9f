from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)

from cylinder_trace.db import metadata

cylinder_inspections = Table(
    "cylinder_inspections",
    metadata,
    Column("inspection_id", Uuid, primary_key=True),
    Column("agency_id", Uuid, nullable=False),  # 检验机构
    Column("report_number", Text, nullable=False),  # 检验报告编号
    Column("cylinder_code", Text, ForeignKey("cylinders.cylinder_code"), nullable=False),
    Column("inspected_on", Date, nullable=False),  # 检验日期
    Column("result", Text, nullable=False),  # 合格 pass | 不合格 fail
    Column("next_inspection_on", Date),  # 下次检验日期; null when it scrapped the cylinder
    Column("life_extended", Boolean, nullable=False),  # it extended an LPG cylinder's life
    Column("service_life_ends_on", Date, nullable=False),
    Column("scrap_reason", Text),  # set when it scrapped the cylinder (报废)
    Column("remarks", Text),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("result IN ('pass', 'fail')", name="result"),
    # A retry of the same report is answered with what was recorded, never stored twice.
    UniqueConstraint("agency_id", "report_number"),
    Index("ix_cylinder_inspections_cylinder", "cylinder_code", "inspected_on"),
)
"""Every periodic inspection of a cylinder (气瓶定期检验) an agency recorded."""
