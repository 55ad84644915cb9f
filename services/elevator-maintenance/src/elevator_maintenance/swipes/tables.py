from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    Index,
    LargeBinary,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY

from elevator_maintenance.db import metadata
from tzsb_common.bulk import add_idempotency_table

swipe_keys = add_idempotency_table(metadata, "swipe_keys")
"""(scope `swipe:<company>`, swipe id) → the outcome first given: a retry is answered with it."""

swipes = Table(
    "swipes",
    metadata,
    Column("company_id", Uuid, nullable=False),  # 维保单位, the organisation of the token
    Column("swipe_id", Text(collation="C"), nullable=False),  # the client's own id
    Column("equipment_code", Text, nullable=False),
    Column("certificate_number", Text, nullable=False),  # 作业人员证编号
    Column("kind", Text, nullable=False),  # start | end
    Column("at", DateTime(timezone=True), nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("source", Text),  # app | terminal | qr
    Column("visit_kind", Text),
    Column("status", Text, nullable=False),  # accepted | rejected
    # text[], not jsonb: rows go in with binary COPY, and an array of text needs no codec
    # choice on the connection.
    Column("reasons", ARRAY(Text), nullable=False),
    Column("client_id", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # 防篡改链: an accepted swipe's place in its company's hash chain (rejections are not in
    # it). content_hash is sha256 of the row's canonical content; prev_hash is the previous
    # accepted row's link, sha256(prev_hash || content_hash) of that row (chain.py).
    Column("chain_seq", BigInteger),
    Column("content_hash", LargeBinary),
    Column("prev_hash", LargeBinary),
    Index("ix_swipes_company", "company_id", "at"),
    Index("ix_swipes_chain", "company_id", "chain_seq"),
    # Pairing looks up one worker's swipes at one elevator of one company: all three lead, so
    # the planner never prefers walking the company's whole day through ix_swipes_company.
    Index("ix_swipes_pairing", "company_id", "equipment_code", "certificate_number", "at"),
    postgresql_partition_by="RANGE (at)",
)
"""刷卡记录, accepted and rejected (a rejection is evidence too), partitioned by month of `at`.

No unique key here: one on a partitioned table must include `at`, so the swipe id's
uniqueness per company is kept in `swipe_keys` (ARCHITECTURE.md, "Known pitfalls"). The monthly
partitions and a default one for times outside them are made by the service (partitions.py)."""

swipe_chain_heads = Table(
    "swipe_chain_heads",
    metadata,
    Column("company_id", Uuid, primary_key=True),
    Column("seq", BigInteger, nullable=False),  # the last chained row's chain_seq; 0: none yet
    Column("link", LargeBinary, nullable=False),  # that row's link hash; 32 zero bytes at first
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
"""The head of each company's swipe chain. Its row is locked by every batch that chains rows,
so one company's batches extend the chain one after the other, and deleting the newest rows
is seen too (the head no longer matches)."""
