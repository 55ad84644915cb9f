"""The SQL of the inspection rules, on raw asyncpg."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from tzsb_common.pg import Connection

RULE_COLUMNS = (
    "category",
    "variety",
    "safety_grade",
    "schedule",
    "interval_months",
    "max_interval_months",
    "first_inspection_months",
    "monitored_use_max_months",
    "inspection_years",
    "early_inspection_months",
    "legal_source",
    "valid_from",
)
_LIST = (
    f"SELECT {', '.join(RULE_COLUMNS)} FROM inspection_rules "  # noqa: S608
    "ORDER BY category, variety NULLS FIRST, safety_grade NULLS FIRST, valid_from"
)
_VERSION = "SELECT version FROM inspection_rule_set WHERE id = 1"
_VERSION_FOR_UPDATE = _VERSION + " FOR UPDATE"
_DELETE_ALL = "DELETE FROM inspection_rules"
_INSERT = (
    f"INSERT INTO inspection_rules ({', '.join(RULE_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(f'${n}' for n in range(1, len(RULE_COLUMNS) + 1))})"
)
_SET_VERSION = "UPDATE inspection_rule_set SET version = $1, changed_at = now() WHERE id = 1"
_RECORD_CHANGE = (
    "INSERT INTO inspection_rule_changes (version, client_id, organisation_id, previous, rules) "
    "VALUES ($1, $2, $3, $4, $5)"
)


async def list_rules(conn: Connection) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(_LIST)]


async def rules_version(conn: Connection, *, for_update: bool = False) -> int:
    version: int = await conn.fetchval(_VERSION_FOR_UPDATE if for_update else _VERSION)
    return version


async def replace_rules(conn: Connection, rules: Sequence[dict[str, Any]], version: int) -> None:
    await conn.execute(_DELETE_ALL)
    await conn.executemany(_INSERT, [tuple(rule[c] for c in RULE_COLUMNS) for rule in rules])
    await conn.execute(_SET_VERSION, version)


async def record_change(
    conn: Connection,
    *,
    version: int,
    client_id: str,
    organisation_id: uuid.UUID | None,
    previous: list[dict[str, Any]],
    rules: list[dict[str, Any]],
) -> None:
    await conn.execute(_RECORD_CHANGE, version, client_id, organisation_id, previous, rules)
