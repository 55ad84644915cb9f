from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY

from elevator_maintenance.db import metadata

elevators = Table(
    "elevators",
    metadata,
    Column("equipment_code", Text, primary_key=True),  # 设备代码, category 3000 only
    Column("status", Text, nullable=False),  # in_use 在用 | suspended | scrapped | deregistered
    Column("lat", Float),
    Column("lon", Float),
    Column("use_unit_id", Uuid, nullable=False),  # 使用单位
    Column("province", Text, nullable=False),
    Column("city", Text, nullable=False),
    Column("district", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("rescue_code", Text),  # 救援识别码 (96333 code) posted in the car
    Index("ix_elevators_rescue_code", "rescue_code"),
)
"""The registry's elevators (category 3000) as far as maintenance needs them."""

contracts = Table(
    "contracts",
    metadata,
    Column("contract_id", Uuid, primary_key=True),  # 维保合同
    Column("maintenance_company_id", Uuid, nullable=False),  # 维保单位
    Column("equipment_codes", ARRAY(Text), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("in_force_until", Date, nullable=False),  # terminated_on if ended early, else valid_to
    Column("status", Text, nullable=False),
    Column("terminated_on", Date),
    Column("maintenance_interval_days", Integer),  # 按需维保; null: the regular 15 days
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
"""Maintenance contracts; the registry's latest version wins."""

contract_elevators = Table(
    "contract_elevators",
    metadata,
    Column("equipment_code", Text, nullable=False),
    Column("contract_id", Uuid, nullable=False),
    Column("maintenance_company_id", Uuid, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("in_force_until", Date, nullable=False),
    Column("maintenance_interval_days", Integer),
    PrimaryKeyConstraint("equipment_code", "contract_id"),
    Index("ix_contract_elevators_company", "maintenance_company_id", "equipment_code"),
)
"""One row per elevator a contract covers, rewritten with its contract: a swipe finds the
contracts of its elevator with one index probe instead of searching the arrays."""

certificates = Table(
    "certificates",
    metadata,
    Column("number", Text, primary_key=True),  # 作业人员证编号
    Column("item", Text, nullable=False),  # 作业项目, T for elevator maintenance
    Column("employer_id", Uuid, nullable=False),  # 聘用单位
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
"""Personnel certificates (特种设备作业人员证), without the holder's identity."""
