from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
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
from sqlalchemy.dialects.postgresql import ARRAY

from registry.db import metadata

licences = Table(
    "licences",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("organisation_id", Uuid, ForeignKey("organisations.id"), nullable=False),
    Column("number", Text, nullable=False, unique=True),  # 许可证编号
    Column("kind", Text, nullable=False),
    Column("scope", ARRAY(Text), nullable=False),  # 许可范围: media or category codes
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'active'")),
    Column("status_reason", Text),
    Column("status_changed_on", Date),
    Column("version", Integer, nullable=False, server_default=text("1")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(
        "kind IN ('maintenance', 'filling', 'inspection', 'installation')", name="kind"
    ),
    CheckConstraint("status IN ('active', 'suspended', 'revoked')", name="status"),
    CheckConstraint("valid_to >= valid_from", name="validity"),
    Index("ix_licences_organisation", "organisation_id", "id"),
    Index("ix_licences_kind", "kind", "id"),
)

licence_status_changes = Table(
    "licence_status_changes",
    metadata,
    # The audit trail (变更记录) of suspensions, reinstatements and revocations: who, why, when.
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("licence_id", Uuid, ForeignKey("licences.id"), nullable=False),
    Column("action", Text, nullable=False),
    Column("from_status", Text, nullable=False),
    Column("to_status", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("version", Integer, nullable=False),
    Column("changed_by_client", Text, nullable=False),
    Column("changed_by_organisation", Uuid, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_licence_status_changes_licence", "licence_id", "id"),
)
