from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    SmallInteger,
    Table,
    Text,
    Uuid,
    func,
)

from inspection.db import metadata

equipment = Table(
    "equipment",
    metadata,
    Column("equipment_code", Text, primary_key=True),  # 设备代码
    Column("category", Text, nullable=False),
    Column("variety", Text, nullable=False),  # 品种
    Column("status", Text, nullable=False),
    Column("registration_number", Text),  # 使用登记证编号
    Column("use_unit_id", Uuid, nullable=False),  # 使用单位
    Column("province", Text, nullable=False),
    Column("city", Text, nullable=False),
    Column("district", Text, nullable=False),
    Column("park", Text),
    Column("commissioned_on", Date),
    Column("safety_grade", SmallInteger),  # 安全状况等级, from the registry's attributes
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("safety_grade BETWEEN 1 AND 5", name="safety_grade"),
    Index("ix_equipment_use_unit", "use_unit_id"),
)
"""The registry's equipment as far as inspection needs it; the registry's latest version wins."""
