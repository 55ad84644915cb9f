"""特种设备目录 as reference data: the categories and their classes and varieties, seeded by a
migration so that reports and replicas can join on them without this service's code."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Table, Text

from registry.db import metadata

equipment_categories = Table(
    "equipment_categories",
    metadata,
    Column("code", Text, primary_key=True),  # 设备种类代码, e.g. 3000
    Column("name", Text, nullable=False),  # 电梯
    Column("name_en", Text, nullable=False),  # elevator
)

equipment_varieties = Table(
    "equipment_varieties",
    metadata,
    Column("code", Text, primary_key=True),  # 类别/品种代码, e.g. 3100, 3110, 4D00
    Column("category", Text, ForeignKey("equipment_categories.code"), nullable=False),
    # The class (类别) a variety (品种) belongs to; null for a class itself.
    Column("class_code", Text),
    Column("name", Text, nullable=False),
    Index("ix_equipment_varieties_category", "category", "code"),
)
