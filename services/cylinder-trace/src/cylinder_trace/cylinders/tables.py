from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    SmallInteger,
    Table,
    Text,
    Uuid,
    func,
)

from cylinder_trace.db import metadata

media = Table(
    "media",
    metadata,
    Column("code", Text, primary_key=True),  # 充装介质, e.g. LPG, O2, CNG, H2
    Column("name", Text, nullable=False),
    Column("liquefied", Boolean, nullable=False),  # 液化气体: filled by mass
    Column("inspection_interval_years", SmallInteger, nullable=False),  # 定期检验周期
    Column("legal_source", Text, nullable=False),
    CheckConstraint("inspection_interval_years BETWEEN 1 AND 10", name="inspection_interval"),
)
"""The media cylinders are registered for, with their periodic inspection interval."""

cylinders = Table(
    "cylinders",
    metadata,
    Column("cylinder_code", Text, primary_key=True),  # 气瓶编码 (电子标签/二维码)
    Column("manufacturer", Text, nullable=False),  # 制造单位
    Column("factory_number", Text, nullable=False),  # 出厂编号
    Column("medium", Text, ForeignKey("media.code"), nullable=False),
    Column("nominal_pressure_mpa", Double, nullable=False),  # 公称工作压力
    Column("water_volume_l", Double, nullable=False),  # 水容积
    Column("tare_mass_kg", Double),
    Column("permitted_fill_kg", Double),  # 最大充装量, for liquefied media
    Column("manufactured_on", Date, nullable=False),
    Column("design_life_years", SmallInteger, nullable=False),  # 设计使用年限
    Column("last_inspected_on", Date),
    Column("next_inspection_on", Date, nullable=False),  # 下次检验日期
    Column("owner_id", Uuid, nullable=False),  # 产权单位
    Column("status", Text, nullable=False),
    Column("registered_by", Uuid, nullable=False),  # the station or the bureau that registered it
    Column("registered_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # 延长使用年限: what a passing inspection added to an LPG cylinder's life (once, 4 years)
    Column("life_extension_years", SmallInteger, nullable=False, server_default="0"),
    Column("scrapped_on", Date),  # 报废日期, when an inspection scrapped it
    Column("scrap_reason", Text),  # inspection_failed | service_life_ended
    CheckConstraint("status IN ('in_use', 'scrapped')", name="status"),
    CheckConstraint("life_extension_years >= 0", name="life_extension_years"),
    Index("ix_cylinders_owner", "owner_id"),
    Index("ix_cylinders_registered_by", "registered_by"),
)
