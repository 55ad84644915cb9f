from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Double,
    Index,
    Table,
    Text,
    Uuid,
    func,
)

from cylinder_trace.db import metadata
from tzsb_common.bulk import BulkWriter, add_idempotency_table

FILL_MONTHS_SCHEMA = "fill_months"
"""Where the monthly partitions of `fills` live, apart from the tables the code declares."""

fill_keys = add_idempotency_table(metadata, "fill_keys")
"""(station, fill id) → the answer first given: a retry is answered `duplicate`."""

fills = Table(
    "fills",
    metadata,
    Column("station_id", Uuid, nullable=False),  # 充装单位
    Column("fill_id", Text, nullable=False),  # the station's own id
    Column("cylinder_code", Text, nullable=False),
    Column("filler_certificate", Text, nullable=False),  # 充装人员作业人员证编号
    Column("medium", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True), nullable=False),
    # 充装前检查: 外观, 余压, 瓶阀, 检验标志, 介质标识
    Column("prefill_appearance", Boolean, nullable=False),
    Column("prefill_residual_pressure", Boolean, nullable=False),
    Column("prefill_valve", Boolean, nullable=False),
    Column("prefill_inspection_mark", Boolean, nullable=False),
    Column("prefill_medium_marking", Boolean, nullable=False),
    # 充装后检查: 泄漏, 充装量/压力, 温度
    Column("postfill_leak", Boolean, nullable=False),
    Column("postfill_mass_or_pressure", Boolean, nullable=False),
    Column("postfill_temperature", Boolean, nullable=False),
    Column("filled_mass_kg", Double),
    Column("final_pressure_mpa", Double),
    Column("status", Text, nullable=False),  # accepted | refused
    Column("reasons", ARRAY(Text), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("status IN ('accepted', 'refused')", name="status"),
    Index("ix_fills_station_started", "station_id", "started_at"),
    Index("ix_fills_cylinder_started", "cylinder_code", "started_at"),
    postgresql_partition_by="RANGE (started_at)",
)
"""Every fill a station posted, refused ones too (they are evidence), partitioned by the month
(Asia/Shanghai) it started in. No jsonb: the rows go in by COPY."""

FILL_COLUMNS = tuple(c.name for c in fills.columns if c.name != "recorded_at")
fill_writer = BulkWriter(keys=fill_keys, target=fills, columns=FILL_COLUMNS)
