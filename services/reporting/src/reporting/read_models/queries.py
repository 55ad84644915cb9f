"""SQL of the read models: a few statements per chunk of events.

A registry snapshot is applied only over an older one: events of one record may arrive out of
order (a republished snapshot, a retried outbox batch), and the registry's version orders them.
Facts (inspections, due stages) are inserted once; a visit published again replaces itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession


def _unnest(columns: Sequence[str], types: dict[str, str]) -> str:
    return ", ".join(f"CAST(:{c} AS {types.get(c, 'text[]')})" for c in columns)


def _upsert_newer(
    table: str,
    key: str,
    columns: Sequence[str],
    types: dict[str, str],
    expressions: dict[str, str] | None = None,
) -> TextClause:
    selected = [(expressions or {}).get(c, f"u.{c}") for c in columns]
    return text(
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 (constant names)
        f"SELECT {', '.join(selected)} FROM unnest({_unnest(columns, types)}) "
        f"AS u({', '.join(columns)}) ON CONFLICT ({key}) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != key)
        + f", updated_at = now() WHERE {table}.version < EXCLUDED.version "
        f"RETURNING {key}"
    )


def _arrays(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> dict[str, list[Any]]:
    return {c: [row[c] for row in rows] for c in columns}


EQUIPMENT_COLUMNS = (
    "equipment_code",
    "category",
    "variety",
    "status",
    "status_since",
    "registered",
    "registration_number",
    "registered_on",
    "use_unit_id",
    "province",
    "city",
    "district",
    "park",
    "manufacturer",
    "factory_number",
    "manufactured_on",
    "commissioned_on",
    "address",
    "lat",
    "lon",
    "rated_load_kg",
    "rated_speed_ms",
    "stops",
    "rescue_code",
    "rescue_sign_posted",
    "record_complete",
    "version",
)
_UPSERT_EQUIPMENT = _upsert_newer(
    "equipment",
    "equipment_code",
    EQUIPMENT_COLUMNS,
    {
        "status_since": "date[]",
        "registered": "bool[]",
        "registered_on": "date[]",
        "use_unit_id": "uuid[]",
        "manufactured_on": "date[]",
        "commissioned_on": "date[]",
        "lat": "float8[]",
        "lon": "float8[]",
        "rated_load_kg": "float8[]",
        "rated_speed_ms": "float8[]",
        "stops": "int4[]",
        "rescue_sign_posted": "bool[]",
        "record_complete": "bool[]",
        "version": "int4[]",
    },
)

ORGANISATION_COLUMNS = (
    "organisation_id",
    "credit_code",
    "name",
    "kind",
    "province",
    "city",
    "district",
    "address",
    "version",
)
_UPSERT_ORGANISATIONS = _upsert_newer(
    "organisations",
    "organisation_id",
    ORGANISATION_COLUMNS,
    {"organisation_id": "uuid[]", "version": "int4[]"},
)

CONTRACT_COLUMNS = (
    "contract_id",
    "maintenance_company_id",
    "valid_from",
    "valid_to",
    "in_force_until",
    "status",
    "terminated_on",
    "maintenance_interval_days",
    "equipment_codes",
    "version",
)
_UPSERT_CONTRACTS = _upsert_newer(
    "contracts",
    "contract_id",
    CONTRACT_COLUMNS,
    {
        "contract_id": "uuid[]",
        "maintenance_company_id": "uuid[]",
        "valid_from": "date[]",
        "valid_to": "date[]",
        "in_force_until": "date[]",
        "terminated_on": "date[]",
        "maintenance_interval_days": "int4[]",
        "version": "int4[]",
    },
    # unnest would flatten an array of arrays, so each contract's codes travel as JSON text.
    {"equipment_codes": "ARRAY(SELECT jsonb_array_elements_text(u.equipment_codes::jsonb))"},
)
_DELETE_CONTRACT_ELEVATORS = text(
    "DELETE FROM contract_elevators WHERE contract_id = ANY(CAST(:ids AS uuid[]))"
)
_INSERT_CONTRACT_ELEVATORS = text(
    "INSERT INTO contract_elevators (equipment_code, contract_id, maintenance_company_id, "
    "valid_from, in_force_until, maintenance_interval_days) "
    "SELECT DISTINCT code, c.contract_id, c.maintenance_company_id, c.valid_from, "
    "c.in_force_until, c.maintenance_interval_days "
    "FROM contracts c, unnest(c.equipment_codes) AS code "
    "WHERE c.contract_id = ANY(CAST(:ids AS uuid[]))"
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
_UPSERT_CERTIFICATES = _upsert_newer(
    "certificates",
    "number",
    CERTIFICATE_COLUMNS,
    {"employer_id": "uuid[]", "valid_from": "date[]", "valid_to": "date[]", "version": "int4[]"},
)

LICENCE_COLUMNS = (
    "licence_id",
    "organisation_id",
    "number",
    "kind",
    "scope",
    "valid_from",
    "valid_to",
    "status",
    "version",
)
_UPSERT_LICENCES = _upsert_newer(
    "licences",
    "licence_id",
    LICENCE_COLUMNS,
    {
        "licence_id": "uuid[]",
        "organisation_id": "uuid[]",
        "valid_from": "date[]",
        "valid_to": "date[]",
        "version": "int4[]",
    },
    {"scope": "ARRAY(SELECT jsonb_array_elements_text(u.scope::jsonb))"},
)

STAFF_COLUMNS = (
    "staff_id",
    "province",
    "city",
    "district",
    "park",
    "supervision_body",
    "certificate_level",
    "active",
    "entered_at",
    "version",
)
_UPSERT_STAFF = _upsert_newer(
    "staff",
    "staff_id",
    STAFF_COLUMNS,
    {
        "staff_id": "uuid[]",
        "active": "bool[]",
        "entered_at": "timestamptz[]",
        "version": "int4[]",
    },
)

# One row per key (ON CONFLICT cannot touch one row twice); a station-day's rows carry the
# version of its statistics, and an older version changes nothing.
_UPSERT_FILL_DAYS = text(
    "INSERT INTO fill_days AS f (station_id, day, medium, accepted, refused, version) "
    "SELECT * FROM unnest(CAST(:station_id AS uuid[]), CAST(:day AS date[]), "
    "CAST(:medium AS text[]), CAST(:accepted AS int4[]), CAST(:refused AS int4[]), "
    "CAST(:version AS int8[])) "
    "ON CONFLICT (station_id, day, medium) DO UPDATE SET "
    "accepted = EXCLUDED.accepted, refused = EXCLUDED.refused, version = EXCLUDED.version "
    "WHERE f.version < EXCLUDED.version"
)
_UPSERT_FILL_REFUSAL_DAYS = text(
    "INSERT INTO fill_refusal_days AS f (station_id, day, reason, fills, version) "
    "SELECT * FROM unnest(CAST(:station_id AS uuid[]), CAST(:day AS date[]), "
    "CAST(:reason AS text[]), CAST(:fills AS int4[]), CAST(:version AS int8[])) "
    "ON CONFLICT (station_id, day, reason) DO UPDATE SET "
    "fills = EXCLUDED.fills, version = EXCLUDED.version "
    "WHERE f.version < EXCLUDED.version"
)

SWIPE_DAY_COLUMNS = ("company_id", "day", "accepted", "rejected", "rejected_by_reason", "version")
# A day's totals replace the older ones only: a retried or re-published event of an older
# version leaves the newer figures standing.
_UPSERT_SWIPE_DAYS = text(
    f"INSERT INTO swipe_days ({', '.join(SWIPE_DAY_COLUMNS)}) "  # noqa: S608
    "SELECT u.company_id, u.day, u.accepted, u.rejected, u.rejected_by_reason::jsonb, u.version "
    "FROM unnest("
    + _unnest(
        SWIPE_DAY_COLUMNS,
        {
            "company_id": "uuid[]",
            "day": "date[]",
            "accepted": "int4[]",
            "rejected": "int4[]",
            "version": "int4[]",
        },
    )
    + f") AS u({', '.join(SWIPE_DAY_COLUMNS)}) "
    "ON CONFLICT (company_id, day) DO UPDATE SET accepted = EXCLUDED.accepted, "
    "rejected = EXCLUDED.rejected, rejected_by_reason = EXCLUDED.rejected_by_reason, "
    "version = EXCLUDED.version, updated_at = now() "
    "WHERE swipe_days.version < EXCLUDED.version"
)

INSPECTION_COLUMNS = (
    "inspection_id",
    "equipment_code",
    "agency_id",
    "report_number",
    "kind",
    "inspected_on",
    "conclusion",
    "valid",
    "next_due_on",
    "next_due_kind",
    "hazards_found",
    "recorded_at",
)
_INSERT_INSPECTIONS = text(
    f"INSERT INTO inspections ({', '.join(INSPECTION_COLUMNS)}) "  # noqa: S608
    "SELECT * FROM unnest("
    + _unnest(
        INSPECTION_COLUMNS,
        {
            "inspection_id": "uuid[]",
            "agency_id": "uuid[]",
            "inspected_on": "date[]",
            "valid": "bool[]",
            "next_due_on": "date[]",
            "hazards_found": "int4[]",
            "recorded_at": "timestamptz[]",
        },
    )
    + ") ON CONFLICT (inspection_id) DO NOTHING"
)

DUE_STAGE_COLUMNS = (
    "equipment_code",
    "due_on",
    "stage",
    "due_kind",
    "as_of",
    "use_unit_id",
    "category",
    "variety",
    "park",
)
_INSERT_DUE_STAGES = text(
    f"INSERT INTO due_stages ({', '.join(DUE_STAGE_COLUMNS)}) "  # noqa: S608
    "SELECT * FROM unnest("
    + _unnest(DUE_STAGE_COLUMNS, {"due_on": "date[]", "as_of": "date[]", "use_unit_id": "uuid[]"})
    + ") ON CONFLICT (equipment_code, due_on, stage) DO NOTHING"
)

VISIT_COLUMNS = (
    "visit_id",
    "equipment_code",
    "maintenance_company_id",
    "started_at",
    "ended_at",
    "visit_on",
    "kind",
    "workers",
)
_UPSERT_VISITS = text(
    f"INSERT INTO visits ({', '.join(VISIT_COLUMNS)}) "  # noqa: S608
    "SELECT * FROM unnest("
    + _unnest(
        VISIT_COLUMNS,
        {
            "visit_id": "uuid[]",
            "maintenance_company_id": "uuid[]",
            "started_at": "timestamptz[]",
            "ended_at": "timestamptz[]",
            "visit_on": "date[]",
            "workers": "int4[]",
        },
    )
    + ") ON CONFLICT (visit_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in VISIT_COLUMNS[1:])
)
_VISIT_MONTHS_HELD = text(
    "SELECT equipment_code, date_trunc('month', visit_on)::date AS month FROM visits "
    "WHERE visit_id = ANY(CAST(:ids AS uuid[]))"
)
# The touched elevator-months are recomputed whole from their visits: a visit published twice,
# late or moved to another day leaves the same roll-up as if it had arrived once, in order. A
# month's previous visit comes with it, from the same index.
_ROLL_UP_MONTHS = text(
    "INSERT INTO elevator_visit_months (equipment_code, month, visits, first_visit_on, "
    "last_visit_on, longest_gap_days, previous_visit_on) "
    "SELECT t.equipment_code, t.month, count(*), min(v.visit_on), max(v.visit_on), "
    "coalesce(max(v.gap), 0), "
    "(SELECT max(p.visit_on) FROM visits p WHERE p.equipment_code = t.equipment_code "
    "AND p.visit_on < t.month) "
    "FROM (SELECT DISTINCT * FROM unnest(CAST(:codes AS text[]), CAST(:months AS date[])) "
    "AS u(equipment_code, month)) t "
    "JOIN LATERAL (SELECT visits.visit_on, visits.visit_on - lag(visits.visit_on) "
    "OVER (ORDER BY visits.visit_on) AS gap FROM visits "
    "WHERE visits.equipment_code = t.equipment_code AND visits.visit_on >= t.month "
    "AND visits.visit_on < (t.month + interval '1 month')::date) v ON true "
    "GROUP BY t.equipment_code, t.month "
    "ON CONFLICT (equipment_code, month) DO UPDATE SET visits = EXCLUDED.visits, "
    "first_visit_on = EXCLUDED.first_visit_on, last_visit_on = EXCLUDED.last_visit_on, "
    "longest_gap_days = EXCLUDED.longest_gap_days, "
    "previous_visit_on = EXCLUDED.previous_visit_on"
)
_DROP_EMPTY_MONTHS = text(
    "DELETE FROM elevator_visit_months m "
    "USING unnest(CAST(:codes AS text[]), CAST(:months AS date[])) AS t(equipment_code, month) "
    "WHERE m.equipment_code = t.equipment_code AND m.month = t.month "
    "AND NOT EXISTS (SELECT FROM visits WHERE visits.equipment_code = t.equipment_code "
    "AND visits.visit_on >= t.month AND visits.visit_on < (t.month + interval '1 month')::date)"
)
# A month's previous visit changes with the visits of the months before it: the later months of
# the same elevators are brought up to date (in practice visits arrive for the current month,
# which has none).
_CHAIN_LATER_MONTHS = text(
    "UPDATE elevator_visit_months m SET previous_visit_on = (SELECT max(v.visit_on) "
    "FROM visits v WHERE v.equipment_code = m.equipment_code AND v.visit_on < m.month) "
    "FROM (SELECT equipment_code, min(month) AS month "
    "FROM unnest(CAST(:codes AS text[]), CAST(:months AS date[])) AS u(equipment_code, month) "
    "GROUP BY equipment_code) t "
    "WHERE m.equipment_code = t.equipment_code AND m.month > t.month"
)


async def upsert_equipment(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[str]:
    if not rows:
        return []
    result = await session.execute(_UPSERT_EQUIPMENT, _arrays(rows, EQUIPMENT_COLUMNS))
    return list(result.scalars())


async def upsert_organisations(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[Any]:
    if not rows:
        return []
    result = await session.execute(_UPSERT_ORGANISATIONS, _arrays(rows, ORGANISATION_COLUMNS))
    return list(result.scalars())


async def upsert_contracts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[Any]:
    """Apply the newer contracts and rewrite the elevator rows of each applied one."""
    if not rows:
        return []
    result = await session.execute(_UPSERT_CONTRACTS, _arrays(rows, CONTRACT_COLUMNS))
    applied = list(result.scalars())
    if applied:
        await session.execute(_DELETE_CONTRACT_ELEVATORS, {"ids": applied})
        await session.execute(_INSERT_CONTRACT_ELEVATORS, {"ids": applied})
    return applied


async def upsert_certificates(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[str]:
    if not rows:
        return []
    result = await session.execute(_UPSERT_CERTIFICATES, _arrays(rows, CERTIFICATE_COLUMNS))
    return list(result.scalars())


async def upsert_licences(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[Any]:
    if not rows:
        return []
    result = await session.execute(_UPSERT_LICENCES, _arrays(rows, LICENCE_COLUMNS))
    return list(result.scalars())


async def upsert_staff(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> list[Any]:
    if not rows:
        return []
    result = await session.execute(_UPSERT_STAFF, _arrays(rows, STAFF_COLUMNS))
    return list(result.scalars())


async def upsert_fill_days(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    columns = ("station_id", "day", "medium", "accepted", "refused", "version")
    if rows:
        await session.execute(_UPSERT_FILL_DAYS, _arrays(rows, columns))


async def upsert_fill_refusal_days(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    columns = ("station_id", "day", "reason", "fills", "version")
    if rows:
        await session.execute(_UPSERT_FILL_REFUSAL_DAYS, _arrays(rows, columns))


async def upsert_swipe_days(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Rows in key order, one per company-day (ON CONFLICT cannot touch one row twice), the
    counts by reason as JSON text."""
    if rows:
        await session.execute(_UPSERT_SWIPE_DAYS, _arrays(rows, SWIPE_DAY_COLUMNS))


async def insert_inspections(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(_INSERT_INSPECTIONS, _arrays(rows, INSPECTION_COLUMNS))


async def insert_due_stages(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(_INSERT_DUE_STAGES, _arrays(rows, DUE_STAGE_COLUMNS))


async def visit_months_held(
    session: AsyncSession, visit_ids: Sequence[Any]
) -> list[tuple[str, Any]]:
    """The elevator-months the stored versions of these visits count in, before they change."""
    result = await session.execute(_VISIT_MONTHS_HELD, {"ids": list(visit_ids)})
    return [(row[0], row[1]) for row in result]


async def upsert_visits(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(_UPSERT_VISITS, _arrays(rows, VISIT_COLUMNS))


async def roll_up_visit_months(
    session: AsyncSession,
    elevator_months: Sequence[tuple[str, Any]],
    *,
    may_be_empty: Sequence[tuple[str, Any]] = (),
) -> None:
    """Recount `elevator_months`; of them, `may_be_empty` (the months visits left) go when no
    visit is left in them. A month a visit is in now is not empty: new visits, the usual
    case, drop nothing and skip that statement."""
    if not elevator_months:
        return
    keys = {"codes": [k[0] for k in elevator_months], "months": [k[1] for k in elevator_months]}
    await session.execute(_ROLL_UP_MONTHS, keys)
    if may_be_empty:
        await session.execute(
            _DROP_EMPTY_MONTHS,
            {"codes": [k[0] for k in may_be_empty], "months": [k[1] for k in may_be_empty]},
        )
    await session.execute(_CHAIN_LATER_MONTHS, keys)


async def empty_read_models(
    session: AsyncSession, *, tables: Sequence[str], inbox: str, consumers: Sequence[str]
) -> None:
    """Empty the read models and forget which events their consumers applied, in the caller's
    transaction.

    The inbox is locked first, as a consumer's transaction takes it first (it records the
    events, then applies them): a chunk being applied either commits before and is emptied
    with the rest, or waits and lands whole on the empty tables, its ids and its effects
    together."""
    await session.execute(text(f"LOCK TABLE {inbox} IN EXCLUSIVE MODE"))
    await session.execute(text(f"TRUNCATE {', '.join(tables)}"))
    await session.execute(
        text(f"DELETE FROM {inbox} WHERE consumer = ANY(CAST(:consumers AS text[]))"),  # noqa: S608
        {"consumers": list(consumers)},
    )
