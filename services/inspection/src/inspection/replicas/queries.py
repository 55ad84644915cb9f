"""SQL of the equipment replica: one statement per chunk of events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

REPLICA_COLUMNS = (
    "equipment_code",
    "category",
    "variety",
    "status",
    "registration_number",
    "use_unit_id",
    "province",
    "city",
    "district",
    "park",
    "commissioned_on",
    "safety_grade",
    "version",
)
_TYPES = {
    "use_unit_id": "uuid[]",
    "commissioned_on": "date[]",
    "safety_grade": "int2[]",
    "version": "int4[]",
}

# A snapshot is applied only over an older one: events of one record may arrive out of order
# (a republished snapshot, a retried outbox batch), and the registry's version orders them.
_UPSERT = text(
    f"INSERT INTO equipment ({', '.join(REPLICA_COLUMNS)}) "  # noqa: S608
    "SELECT * FROM unnest("
    + ", ".join(f"CAST(:{c} AS {_TYPES.get(c, 'text[]')})" for c in REPLICA_COLUMNS)
    + ") ON CONFLICT (equipment_code) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in REPLICA_COLUMNS[1:])
    + ", updated_at = now() WHERE equipment.version < EXCLUDED.version "
    "RETURNING equipment_code"
)


async def upsert_equipment(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[str]:
    """Apply the snapshots that are newer than what the replica holds; returns their codes."""
    if not rows:
        return []
    columns = {c: [row[c] for row in rows] for c in REPLICA_COLUMNS}
    result = await session.execute(_UPSERT, columns)
    return list(result.scalars())
