from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from registry.db import metadata

equipment = Table(
    "equipment",
    metadata,
    Column("equipment_code", Text, primary_key=True),  # 设备代码
    Column("category", Text, nullable=False),
    Column("variety", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("registration_number", Text),  # 使用登记证编号
    Column("use_unit_id", Uuid, ForeignKey("organisations.id"), nullable=False),
    Column("province", Text, nullable=False),
    Column("city", Text, nullable=False),
    Column("district", Text, nullable=False),
    Column("park", Text),
    Column("manufacturer", Text),
    Column("factory_number", Text),
    Column("manufactured_on", Date),
    Column("commissioned_on", Date),
    Column("address", Text),
    Column("lat", Float),
    Column("lon", Float),
    Column("attributes", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("rescue_code", Text),
    Column("rescue_sign_posted", Boolean, nullable=False, server_default=text("false")),
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("status IN ('in_use', 'suspended', 'scrapped', 'deregistered')", name="status"),
    CheckConstraint("equipment_code ~ '^[0-9]{18}$'", name="equipment_code"),
    Index("ix_equipment_use_unit", "use_unit_id", "equipment_code"),
    Index("ix_equipment_category", "category", "equipment_code"),
    Index("ix_equipment_variety", "variety", "equipment_code"),
    Index("ix_equipment_park", "park", "equipment_code"),
    Index("ix_equipment_status", "status", "equipment_code"),
)
