from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    Table,
    Text,
    Uuid,
    func,
    text,
)

from registry.db import metadata

supervision_staff = Table(
    "supervision_staff",  # 特种设备安全监察人员
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("province", Text, nullable=False),
    Column("city", Text, nullable=False),
    Column("district", Text, nullable=False),
    Column("park", Text),
    Column("supervision_body", Text),  # 监察机构, e.g. 中川园区市场监督管理局
    Column("certificate_number", Text, unique=True),  # 特种设备安全监察员证编号
    Column("certificate_level", Text),  # A类 / B类
    Column("active", Boolean, nullable=False, server_default=text("true")),  # 在岗
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("certificate_level IN ('A', 'B')", name="certificate_level"),
    Index("ix_supervision_staff_region", "province", "city", "district", "park"),
)
