"""SQL of the registry replicas: one statement per chunk of events and kind of record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


def _upsert(table: str, key: str, columns: Sequence[str], types: dict[str, str]) -> Any:
    # A snapshot is applied only over an older one: the registry's version orders them, and a
    # republished or redelivered snapshot may come after a newer one.
    return text(
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 (constant names)
        "SELECT * FROM unnest("
        + ", ".join(f"CAST(:{c} AS {types[c]})" for c in columns)
        + f") ON CONFLICT ({key}) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != key)
        + f", updated_at = now() WHERE {table}.version < EXCLUDED.version"
    )


STATION_COLUMNS = ("organisation_id", "name", "credit_code", "version")
_STATIONS = _upsert(
    "stations",
    "organisation_id",
    STATION_COLUMNS,
    {"organisation_id": "uuid[]", "name": "text[]", "credit_code": "text[]", "version": "int4[]"},
)
CERTIFICATE_COLUMNS = (
    "number",
    "holder_name",
    "item",
    "employer_id",
    "valid_from",
    "valid_to",
    "version",
)
_CERTIFICATES = _upsert(
    "certificates",
    "number",
    CERTIFICATE_COLUMNS,
    {
        "number": "text[]",
        "holder_name": "text[]",
        "item": "text[]",
        "employer_id": "uuid[]",
        "valid_from": "date[]",
        "valid_to": "date[]",
        "version": "int4[]",
    },
)
# The scope is an array per licence, which unnest cannot take as a column of arrays; it
# travels as JSON text and is unpacked per row.
_LICENCES = text(
    "INSERT INTO filling_licences (licence_id, organisation_id, number, scope, valid_from, "
    "valid_to, status, status_changed_on, version) "
    "SELECT l.licence_id, l.organisation_id, l.number, "
    "ARRAY(SELECT jsonb_array_elements_text(l.scope::jsonb)), l.valid_from, l.valid_to, "
    "l.status, l.status_changed_on, l.version "
    "FROM unnest(CAST(:licence_id AS uuid[]), CAST(:organisation_id AS uuid[]), "
    "CAST(:number AS text[]), CAST(:scope AS text[]), CAST(:valid_from AS date[]), "
    "CAST(:valid_to AS date[]), CAST(:status AS text[]), CAST(:status_changed_on AS date[]), "
    "CAST(:version AS int4[])) AS l(licence_id, organisation_id, number, scope, valid_from, "
    "valid_to, status, status_changed_on, version) "
    "ON CONFLICT (licence_id) DO UPDATE SET organisation_id = EXCLUDED.organisation_id, "
    "number = EXCLUDED.number, scope = EXCLUDED.scope, valid_from = EXCLUDED.valid_from, "
    "valid_to = EXCLUDED.valid_to, status = EXCLUDED.status, "
    "status_changed_on = EXCLUDED.status_changed_on, version = EXCLUDED.version, "
    "updated_at = now() WHERE filling_licences.version < EXCLUDED.version"
)
LICENCE_COLUMNS = (
    "licence_id",
    "organisation_id",
    "number",
    "scope",
    "valid_from",
    "valid_to",
    "status",
    "status_changed_on",
    "version",
)


async def _apply(
    session: AsyncSession, statement: Any, columns: Sequence[str], rows: Sequence[dict[str, Any]]
) -> None:
    if rows:
        await session.execute(statement, {c: [row[c] for row in rows] for c in columns})


async def upsert_stations(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await _apply(session, _STATIONS, STATION_COLUMNS, rows)


async def upsert_licences(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await _apply(session, _LICENCES, LICENCE_COLUMNS, rows)


async def upsert_certificates(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await _apply(session, _CERTIFICATES, CERTIFICATE_COLUMNS, rows)
