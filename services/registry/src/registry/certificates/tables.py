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

personnel_certificates = Table(
    "personnel_certificates",  # 特种设备作业人员证
    metadata,
    Column("number", Text, primary_key=True),  # 证书编号
    Column("holder_name", Text, nullable=False),
    # 居民身份证号, stored in full: masking happens where a record is shown, per caller.
    Column("id_number", Text, nullable=False),
    Column("item", Text, nullable=False),  # 作业项目代号, TSG Z6001
    Column("employer_id", Uuid, ForeignKey("organisations.id"), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("id_number ~ '^[0-9]{17}[0-9X]$'", name="id_number"),
    CheckConstraint("valid_to >= valid_from", name="validity"),
    Index("ix_personnel_certificates_employer", "employer_id", "number"),
    Index("ix_personnel_certificates_item", "item", "number"),
    Index("ix_personnel_certificates_id_number", "id_number"),
)
