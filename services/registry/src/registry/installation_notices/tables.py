from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Table,
    Text,
    Uuid,
    func,
    text,
)

from registry.db import metadata

installation_notices = Table(
    "installation_notices",  # 安装告知
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("installer_id", Uuid, ForeignKey("organisations.id"), nullable=False),  # 安装单位
    Column("use_unit_id", Uuid, ForeignKey("organisations.id"), nullable=False),  # 使用单位
    Column("category", Text, nullable=False),
    Column("variety", Text, nullable=False),  # 设备品种
    Column("equipment_code", Text),  # 设备代码, when the equipment has one already
    Column("manufacturer", Text),
    Column("factory_number", Text),
    Column("planned_start_on", Date, nullable=False),  # 计划施工日期
    Column("province", Text, nullable=False),
    Column("city", Text, nullable=False),
    Column("district", Text, nullable=False),
    Column("park", Text),
    Column("address", Text, nullable=False),  # 施工地点
    # The organisation of the client that filed it: the installer itself, or the bureau.
    Column("filed_by", Uuid, nullable=False),
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("equipment_code ~ '^[0-9A-Z]{4}[0-9]{14}$'", name="equipment_code"),
    Index("ix_installation_notices_planned", "planned_start_on", "id"),
    Index("ix_installation_notices_installer", "installer_id", "planned_start_on", "id"),
)
