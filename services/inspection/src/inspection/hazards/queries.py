"""The SQL of hazards (隐患), their evidence and seals, on raw asyncpg; and the set-based
statements of the signal consumer (SQLAlchemy session, as consumers run)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tzsb_common.deadlines import DeadlineRule, Stage
from tzsb_common.pg import Connection

_HAZARD_COLUMNS = (
    "h.id, h.equipment_code, h.use_unit_id, h.unit_id, h.source, h.severity, h.description, "
    "h.deadline, h.due_on, h.state, h.inspection_id, h.signal_id, h.signal_kind, h.order_id, "
    "h.overdue_since, h.supervised_at, h.sealed_on, h.seal_ends_on, h.seal_extended, "
    "h.seal_released_on, h.rectification_started_at, h.rectified_at, h.rectification_note, "
    "h.closed_at, h.verification_note, h.version, h.created_at, h.updated_at, "
    "h.seal_expired_on, h.patrol_question, h.spot_check_draw_id, "
    "(SELECT count(*) FROM hazard_evidence v WHERE v.hazard_id = h.id)::int AS evidence_count"
)
_BY_ID = f"SELECT {_HAZARD_COLUMNS} FROM hazards h WHERE h.id = $1"  # noqa: S608
_LOCK = "SELECT id FROM hazards WHERE id = $1 FOR UPDATE"
_USE_UNIT_OF = "SELECT use_unit_id FROM equipment WHERE equipment_code = $1"
_INSERT = """
    INSERT INTO hazards (equipment_code, use_unit_id, unit_id, source, severity, description,
                         deadline, opened_by)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    RETURNING id
"""
# One statement per step: the columns a step sets, and the state and version it moves.
_STEP = """
    UPDATE hazards SET state = $2, version = version + 1, updated_at = now(), {sets}
    WHERE id = $1
"""
_EVIDENCE_COLUMNS = (
    "id, hazard_id, filename, content_type, size_bytes, sha256, uploaded_by, uploaded_at"
)
_INSERT_EVIDENCE = (
    "INSERT INTO hazard_evidence (hazard_id, filename, content_type, size_bytes, sha256, "  # noqa: S608
    "content, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7) "
    f"ON CONFLICT (hazard_id, sha256) DO NOTHING RETURNING {_EVIDENCE_COLUMNS}"
)
_EVIDENCE_BY_HASH = (
    f"SELECT {_EVIDENCE_COLUMNS} FROM hazard_evidence "  # noqa: S608
    "WHERE hazard_id = $1 AND sha256 = $2"
)
_EVIDENCE_OF = (
    f"SELECT {_EVIDENCE_COLUMNS} FROM hazard_evidence "  # noqa: S608
    "WHERE hazard_id = $1 ORDER BY uploaded_at, id"
)
_EVIDENCE_FILE = (
    f"SELECT {_EVIDENCE_COLUMNS}, content FROM hazard_evidence "  # noqa: S608
    "WHERE hazard_id = $1 AND id = $2"
)
_TOUCH = "UPDATE hazards SET version = version + 1, updated_at = now() WHERE id = $1"

_FILTERS = {
    "state": "h.state = ${n}",
    "severity": "h.severity = ${n}",
    "equipment_code": "h.equipment_code = ${n}",
    "source": "h.source = ${n}",
    # A unit's hazards: those of its equipment and those it answers for itself.
    "unit": "(h.use_unit_id = ${n} OR h.unit_id = ${n})",
}


def _row(row: Any) -> dict[str, Any] | None:
    return dict(row) if row is not None else None


async def get_hazard(conn: Connection, hazard_id: uuid.UUID) -> dict[str, Any] | None:
    return _row(await conn.fetchrow(_BY_ID, hazard_id))


async def lock_hazard(conn: Connection, hazard_id: uuid.UUID) -> bool:
    """Lock the hazard's row: steps on one hazard apply one after the other, and its events
    keep their order."""
    return await conn.fetchval(_LOCK, hazard_id) is not None


async def use_unit_of(conn: Connection, equipment_code: str) -> tuple[bool, uuid.UUID | None]:
    """Whether the replica knows the equipment, and its use unit."""
    row = await conn.fetchrow(_USE_UNIT_OF, equipment_code)
    return (False, None) if row is None else (True, row["use_unit_id"])


async def insert_hazard(conn: Connection, values: dict[str, Any]) -> uuid.UUID:
    hazard_id: uuid.UUID = await conn.fetchval(
        _INSERT,
        values["equipment_code"],
        values["use_unit_id"],
        values["unit_id"],
        values["source"],
        values["severity"],
        values["description"],
        values["deadline"],
        values["opened_by"],
    )
    return hazard_id


async def apply_step(
    conn: Connection, hazard_id: uuid.UUID, *, state: str, sets: dict[str, Any]
) -> None:
    """Move the hazard to `state` and set the step's columns (names are the service's own)."""
    names = list(sets)
    assignments = ", ".join(f"{name} = ${n}" for n, name in enumerate(names, start=3))
    await conn.execute(
        _STEP.format(sets=assignments or "state = state"),
        hazard_id,
        state,
        *(sets[name] for name in names),
    )


async def list_hazards(
    conn: Connection,
    *,
    filters: dict[str, Any],
    readable_by: uuid.UUID | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Newest first; `readable_by` limits the list to one organisation's hazards."""
    clauses: list[str] = []
    arguments: list[Any] = []
    for name, value in filters.items():
        if value is not None:
            arguments.append(value)
            clauses.append(_FILTERS[name].format(n=len(arguments)))
    if readable_by is not None:
        arguments.append(readable_by)
        clauses.append(_FILTERS["unit"].format(n=len(arguments)))
    if after is not None:
        arguments.extend(after)
        clauses.append(f"(h.created_at, h.id) < (${len(arguments) - 1}, ${len(arguments)})")
    arguments.append(limit)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    statement = (
        f"SELECT {_HAZARD_COLUMNS} FROM hazards h {where} "  # noqa: S608
        f"ORDER BY h.created_at DESC, h.id DESC LIMIT ${len(arguments)}"
    )
    return [dict(row) for row in await conn.fetch(statement, *arguments)]


async def insert_evidence(conn: Connection, values: dict[str, Any]) -> dict[str, Any] | None:
    """None when this hazard holds the same file already."""
    return _row(
        await conn.fetchrow(
            _INSERT_EVIDENCE,
            values["hazard_id"],
            values["filename"],
            values["content_type"],
            values["size_bytes"],
            values["sha256"],
            values["content"],
            values["uploaded_by"],
        )
    )


async def evidence_by_hash(
    conn: Connection, hazard_id: uuid.UUID, sha256: str
) -> dict[str, Any] | None:
    return _row(await conn.fetchrow(_EVIDENCE_BY_HASH, hazard_id, sha256))


async def evidence_of(conn: Connection, hazard_id: uuid.UUID) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(_EVIDENCE_OF, hazard_id)]


async def evidence_file(
    conn: Connection, hazard_id: uuid.UUID, evidence_id: uuid.UUID
) -> dict[str, Any] | None:
    return _row(await conn.fetchrow(_EVIDENCE_FILE, hazard_id, evidence_id))


async def touch_hazard(conn: Connection, hazard_id: uuid.UUID) -> None:
    """A new version: evidence changed what a read of the hazard answers."""
    await conn.execute(_TOUCH, hazard_id)


# -- the signal consumer -------------------------------------------------------------------------

# One hazard per signal, however often it is delivered: the unique signal id decides, in the
# statement itself, so two consumers racing on a redelivery still open one. The use unit comes
# from the replica when the signal names equipment inspection knows.
_OPEN_FROM_SIGNALS = text(
    """
    INSERT INTO hazards (equipment_code, use_unit_id, unit_id, source, severity, description,
                         signal_id, signal_kind)
    SELECT s.equipment_code, e.use_unit_id, s.unit_id, s.source, s.severity, s.description,
           s.signal_id, s.kind
    FROM unnest(CAST(:signal_ids AS uuid[]), CAST(:kinds AS text[]), CAST(:sources AS text[]),
                CAST(:severities AS text[]), CAST(:codes AS text[]), CAST(:units AS uuid[]),
                CAST(:descriptions AS text[]))
         AS s(signal_id, kind, source, severity, equipment_code, unit_id, description)
    LEFT JOIN equipment e ON e.equipment_code = s.equipment_code
    ON CONFLICT (signal_id) DO NOTHING
    RETURNING id, equipment_code, use_unit_id, unit_id, source, severity, description,
              deadline, inspection_id, signal_id
    """
)


async def open_from_signals(
    session: AsyncSession, rows: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The hazards newly opened (a signal seen before opens none)."""
    if not rows:
        return []
    result = await session.execute(
        _OPEN_FROM_SIGNALS,
        {
            "signal_ids": [r["signal_id"] for r in rows],
            "kinds": [r["kind"] for r in rows],
            "sources": [r["source"] for r in rows],
            "severities": [r["severity"] for r in rows],
            "codes": [r["equipment_code"] for r in rows],
            "units": [r["unit_id"] for r in rows],
            "descriptions": [r["description"] for r in rows],
        },
    )
    return [dict(row) for row in result.mappings()]


# -- the deadline rule ---------------------------------------------------------------------------

DEADLINE_RULE_NAME = "hazard_deadline"

# Hazards whose rectification clock runs (not yet reported rectified) and whose deadline has
# passed; the partial index on deadline keeps closed and rectified ones out of the pass.
_DEADLINE_SUBJECTS = """
    SELECT h.id::text AS subject, h.deadline,
           jsonb_build_object(
               'hazard_id', h.id, 'equipment_code', h.equipment_code,
               'use_unit_id', h.use_unit_id, 'unit_id', h.unit_id, 'severity', h.severity,
               'state', h.state) AS data
    FROM hazards h
    WHERE h.state IN ('open', 'order_issued', 'rectifying') AND h.deadline < $1::date
"""
_MARK_OVERDUE = """
    UPDATE hazards h SET overdue_since = f.deadline + 1, version = h.version + 1,
                         updated_at = now()
    FROM fired f WHERE h.id = f.subject::uuid
"""


def hazard_deadline_rule(*, event_type: str, topic: str) -> DeadlineRule:
    """整改超期: the day after a hazard's deadline, while it is not reported rectified, it is
    marked overdue once (per deadline: an order that sets a new deadline starts a new clock)."""
    return DeadlineRule(
        name=DEADLINE_RULE_NAME,
        subjects=_DEADLINE_SUBJECTS,
        stages=(Stage("overdue", "deadline + 1"),),
        event_type=event_type,
        topic=topic,
        deadline_field="deadline",
        effects=(_MARK_OVERDUE,),
    )


SEAL_RULE_NAME = "seal_expiry"

# Seals held (not released) whose last day has passed. An extension moves the last day before
# the seal runs out (it is refused after), so one seal has one end that fires.
_SEAL_SUBJECTS = """
    SELECT h.id::text AS subject, h.seal_ends_on AS deadline,
           jsonb_build_object(
               'hazard_id', h.id, 'equipment_code', h.equipment_code,
               'use_unit_id', h.use_unit_id, 'severity', h.severity,
               'sealed_on', h.sealed_on, 'extended', h.seal_extended) AS data
    FROM hazards h
    WHERE h.sealed_on IS NOT NULL AND h.seal_released_on IS NULL AND h.seal_ends_on < $1::date
"""
_MARK_SEAL_EXPIRED = """
    UPDATE hazards h SET seal_expired_on = f.deadline + 1, version = h.version + 1,
                         updated_at = now()
    FROM fired f WHERE h.id = f.subject::uuid
"""


def seal_expiry_rule(*, event_type: str, topic: str) -> DeadlineRule:
    """查封期满: the day after a seal's last day, a seal neither released nor extended is marked
    expired once and published, so the bureau issues its release (解除查封决定) rather than
    the seal lingering as if in force."""
    return DeadlineRule(
        name=SEAL_RULE_NAME,
        subjects=_SEAL_SUBJECTS,
        stages=(Stage("expired", "deadline + 1"),),
        event_type=event_type,
        topic=topic,
        deadline_field="seal_ends_on",
        effects=(_MARK_SEAL_EXPIRED,),
    )
