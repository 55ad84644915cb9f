from __future__ import annotations

from sqlalchemy import ARRAY, Column, Date, DateTime, Index, Integer, Table, Text, Uuid, func

from cylinder_trace.db import metadata

stations = Table(
    "stations",
    metadata,
    Column("organisation_id", Uuid, primary_key=True),  # 充装单位
    Column("name", Text, nullable=False),
    Column("credit_code", Text),  # 统一社会信用代码
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
"""Organisations of kind `filling_station`; the registry's latest version wins."""

filling_licences = Table(
    "filling_licences",
    metadata,
    Column("licence_id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, nullable=False),  # 持证单位
    Column("number", Text, nullable=False),  # 许可证编号
    Column("scope", ARRAY(Text), nullable=False),  # 充装介质
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("status", Text, nullable=False),  # active 有效 | suspended 暂停 | revoked 撤销
    Column("status_changed_on", Date),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_filling_licences_organisation", "organisation_id"),
)
"""Licences of kind `filling` (气瓶充装许可证) with the media they allow."""

certificates = Table(
    "certificates",
    metadata,
    Column("number", Text, primary_key=True),  # 作业人员证编号
    Column("holder_name", Text, nullable=False),
    Column("item", Text, nullable=False),  # 作业项目, P 气瓶充装
    Column("employer_id", Uuid, nullable=False),  # 聘用单位
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
"""Personnel certificates of every item: a filler's certificate of another item is refused as
such, not as unknown."""
