from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY

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
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
"""The registry's maintenance contracts, for the patrol's question of elevators in use without
one; the registry's latest version wins."""

contract_elevators = Table(
    "contract_elevators",
    metadata,
    Column("equipment_code", Text, nullable=False),
    Column("contract_id", Uuid, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("in_force_until", Date, nullable=False),
    PrimaryKeyConstraint("equipment_code", "contract_id"),
)
"""One row per elevator a contract covers, rewritten with its contract: whether an elevator
holds a contract on a day is an index probe, not a search of every contract's array."""

organisations = Table(
    "organisations",
    metadata,
    Column("organisation_id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),  # 单位名称
    Column("credit_code", Text),  # 统一社会信用代码
    Column("kind", Text, nullable=False),  # use_unit | maintenance_company | filling_station …
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
"""The registry's organisations as far as a supervision order names its addressee (受令单位);
the registry's latest version wins."""
