from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)

from inspection.db import metadata

due_schedule = Table(
    "due_schedule",
    metadata,
    Column("equipment_code", Text, primary_key=True),
    Column("due_on", Date),  # 下次检验日期; null: nothing due (not commissioned, not permitted)
    Column("due_kind", Text),  # periodic 定期检验 | self_test 自行检测
    Column("valid", Boolean, nullable=False, server_default=text("false")),
    Column("last_inspection_id", Uuid),
    Column("last_inspected_on", Date),
    Column("last_conclusion", Text),
    Column("monitored_since", Date),  # 允许监控使用 since this day, while it lasts
    Column("computed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("due_kind IN ('periodic', 'self_test')", name="due_kind"),
    Index("ix_due_schedule_due_on", "due_on"),
)
"""Each piece of equipment's inspection standing: when it is next due (stored when computed, so
a later change of the rules leaves it be) and whether it holds a valid inspection."""

supervision_orders = Table(
    "supervision_orders",
    metadata,
    Column("id", Uuid, primary_key=True, server_default=text("gen_random_uuid()")),
    Column(
        "equipment_code", Text
    ),  # null: an order covering hazards (see supervision_order_hazards)
    Column("use_unit_id", Uuid),
    # apply_for_inspection | stop_use 责令停止使用 | rectify_hazards 责令整改
    Column("kind", Text, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'draft'")),  # draft | issued
    Column("due_on", Date),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # -- issued orders (0007) --
    Column("bureau_id", Uuid),  # the issuing bureau, whose yearly sequence numbers it
    Column("number_year", Integer),
    Column("number_seq", Integer),
    Column("number", Text),  # 文号, e.g. 市监特令〔2026〕第12号
    Column("unit_id", Uuid),  # 受令单位 when not the use unit
    Column("deadline", Date),  # 整改期限
    Column("requirements", Text),  # 指令内容
    Column("issued_on", Date),
    Column("issued_at", DateTime(timezone=True)),
    Column("issued_by", Text),  # client id of the issuing user
    CheckConstraint("kind IN ('apply_for_inspection', 'stop_use', 'rectify_hazards')", name="kind"),
    CheckConstraint("status IN ('draft', 'issued')", name="status"),
    UniqueConstraint("bureau_id", "number_year", "number_seq", name="uq_supervision_orders_number"),
    Index("ix_supervision_orders_equipment", "equipment_code", "due_on"),
    # GET /orders walks newest first, for everyone or within the addressee unit (0009).
    Index("ix_supervision_orders_created", "created_at", "id"),
    Index("ix_supervision_orders_unit", "unit_id", "created_at"),
    Index("ix_supervision_orders_use_unit", "use_unit_id", "created_at"),
)
"""《特种设备安全监察指令书》: drafted by the due workflow, or issued by the bureau for hazards
(numbered per bureau and year)."""
