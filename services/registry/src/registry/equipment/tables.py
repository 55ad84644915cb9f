from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
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
    Column("variety", Text, ForeignKey("equipment_varieties.code"), nullable=False),
    Column("status", Text, nullable=False),
    Column("status_since", Date),  # the day the current status took effect
    Column("registration_number", Text),  # 使用登记证编号
    Column("registered_on", Date),  # 登记日期
    Column("legacy_registration_code", Text),  # 旧注册代码, 20 digits
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
    # 电梯责任保险: all four or none
    Column("insurer", Text),
    Column("insurance_policy_number", Text),
    Column("insurance_valid_from", Date),
    Column("insurance_valid_to", Date),
    Column("remote_monitoring_device_id", Text),  # 远程监测装置
    # 安装告知; no foreign key while installation notices live elsewhere in the register
    Column("installation_notice_id", Uuid, ForeignKey("installation_notices.id")),
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("status IN ('in_use', 'suspended', 'scrapped', 'deregistered')", name="status"),
    CheckConstraint("equipment_code ~ '^[0-9A-Z]{4}[0-9]{14}$'", name="equipment_code"),
    CheckConstraint("legacy_registration_code ~ '^[0-9]{20}$'", name="legacy_registration_code"),
    CheckConstraint(
        "registered_on IS NULL OR registration_number IS NOT NULL", name="registered_on"
    ),
    CheckConstraint(
        "num_nulls(insurer, insurance_policy_number, insurance_valid_from, insurance_valid_to)"
        " IN (0, 4)",
        name="insurance",
    ),
    Index("ix_equipment_use_unit", "use_unit_id", "equipment_code"),
    Index("ix_equipment_category", "category", "equipment_code"),
    Index("ix_equipment_variety", "variety", "equipment_code"),
    Index("ix_equipment_park", "park", "equipment_code"),
    Index("ix_equipment_status", "status", "equipment_code"),
    # 登记率: the unregistered are few and listed often.
    Index(
        "ix_equipment_unregistered",
        "equipment_code",
        postgresql_where=text("registration_number IS NULL"),
    ),
    Index(
        "ix_equipment_legacy_registration_code",
        "legacy_registration_code",
        postgresql_where=text("legacy_registration_code IS NOT NULL"),
    ),
)

equipment_status_changes = Table(
    # 状态变更记录: who moved which record from which status to which, why and as of when.
    "equipment_status_changes",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("equipment_code", Text, ForeignKey("equipment.equipment_code"), nullable=False),
    Column("from_status", Text, nullable=False),
    Column("to_status", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("version", Integer, nullable=False),
    Column("changed_by", Text, nullable=False),  # the API client
    Column("changed_by_organisation_id", Uuid, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_equipment_status_changes_equipment", "equipment_code", "id"),
)
