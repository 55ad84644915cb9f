from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)

from inspection.db import metadata

HAZARD_SOURCES = (
    "inspection",
    "due_workflow",
    "online_patrol",
    "maintenance",
    "filling",
    "rescue",
    "spot_check",
    "complaint",
    "supervision",
)
HAZARD_STATES = ("open", "order_issued", "rectifying", "rectified", "closed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


hazards = Table(
    "hazards",
    metadata,
    Column("id", Uuid, primary_key=True, server_default=text("gen_random_uuid()")),
    Column("equipment_code", Text),  # null: a hazard of a unit (借证挂靠, a filling station)
    Column("use_unit_id", Uuid),
    Column("source", Text, nullable=False),
    Column("inspection_id", Uuid),
    Column("severity", Text, nullable=False),  # 一般 general | 重大 major
    Column("description", Text, nullable=False),
    Column("deadline", Date),  # 整改期限
    Column("due_on", Date),  # the missed due date of a 超期未检 hazard
    Column("state", Text, nullable=False, server_default=text("'open'")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # -- the lifecycle (0007) --
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("unit_id", Uuid),  # 责任单位 when not the use unit: a maintenance company, a station
    Column("signal_id", Uuid),  # the tzsb.hazard.signal.v1 it was opened from
    Column("signal_kind", Text),
    Column("opened_by", Text),  # client id of the bureau's user who opened it by hand
    Column("order_id", Uuid),  # the latest 监察指令书 covering it
    Column("rectification_started_at", DateTime(timezone=True)),
    Column("rectified_at", DateTime(timezone=True)),
    Column("rectification_note", Text),
    Column("closed_at", DateTime(timezone=True)),
    Column("verification_note", Text),
    Column("overdue_since", Date),  # 整改超期, set once by the deadline scan
    Column("supervised_at", DateTime(timezone=True)),  # 挂牌督办
    Column("supervision_note", Text),
    Column("sealed_on", Date),  # 查封 from this day
    Column("seal_ends_on", Date),  # the last day of the seal
    Column("seal_extended", Boolean, nullable=False, server_default=text("false")),
    Column("seal_released_on", Date),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # -- where the patrol and spot checks found it (0009) --
    Column("patrol_question", Text),  # 网上巡查: the question whose list named the equipment
    Column("spot_check_draw_id", Uuid),  # 双随机: the draw whose check found it
    Column("spot_check_unit_id", Uuid),  # …the drawn unit checked
    Column("spot_check_item", SmallInteger),  # …its place in the result's list, from 1
    Column("seal_expired_on", Date),  # 查封期满: the day after the seal's last day, set once
    CheckConstraint("severity IN ('general', 'major')", name="severity"),
    CheckConstraint(_in("source", HAZARD_SOURCES), name="source"),
    CheckConstraint(_in("state", HAZARD_STATES), name="state"),
    UniqueConstraint("signal_id", name="uq_hazards_signal_id"),
    # A spot-check result's hazards are opened once, however often the result is sent.
    UniqueConstraint(
        "spot_check_draw_id",
        "spot_check_unit_id",
        "spot_check_item",
        name="uq_hazards_spot_check_item",
    ),
    # The patrol opens one hazard per question and equipment while one is still open; once it
    # is closed, equipment the patrol names again gets a new one.
    Index(
        "uq_hazards_patrol_open",
        "patrol_question",
        "equipment_code",
        unique=True,
        postgresql_where=text("patrol_question IS NOT NULL AND state <> 'closed'"),
    ),
    Index("ix_hazards_equipment", "equipment_code", "created_at"),
    Index("ix_hazards_created", "created_at", "id"),
    Index("ix_hazards_use_unit", "use_unit_id", "created_at"),
    Index("ix_hazards_unit", "unit_id", "created_at"),
    # The deadline scan reads only hazards whose clock still runs.
    Index(
        "ix_hazards_open_deadline",
        "deadline",
        postgresql_where=text("state IN ('open', 'order_issued', 'rectifying')"),
    ),
)
"""隐患 — found by an inspection, opened by the due workflow (超期未检), from another service's
signal, or by the bureau by hand; tracked through orders, rectification and verification."""

hazard_evidence = Table(
    "hazard_evidence",
    metadata,
    Column("id", Uuid, primary_key=True, server_default=text("gen_random_uuid()")),
    Column("hazard_id", Uuid, ForeignKey("hazards.id", ondelete="CASCADE"), nullable=False),
    Column("filename", Text, nullable=False),
    Column("content_type", Text, nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", Text, nullable=False),  # hex
    Column("content", LargeBinary, nullable=False),
    Column("uploaded_by", Uuid, nullable=False),  # the uploader's organisation
    Column("uploaded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The same file sent twice to one hazard is one piece of evidence (a retried upload).
    UniqueConstraint("hazard_id", "sha256", name="uq_hazard_evidence_file"),
    CheckConstraint("size_bytes > 0", name="size_bytes"),
)
"""整改证据 — photos and PDFs of a rectification, kept with their hash and size."""
