"""The SQL of the catalogue, on raw asyncpg (tzsb_common.pg)."""

from __future__ import annotations

from typing import Any

from tzsb_common.pg import Connection

_CATEGORIES = "SELECT code, name, name_en FROM equipment_categories ORDER BY code"
_VARIETIES = "SELECT code, category, class_code, name FROM equipment_varieties ORDER BY code"


async def categories(conn: Connection) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(_CATEGORIES)]


async def varieties(conn: Connection) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(_VARIETIES)]
