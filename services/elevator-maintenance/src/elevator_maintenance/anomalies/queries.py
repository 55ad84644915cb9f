"""The SQL of anomalies, on raw asyncpg: the certificates' visits around a batch's new ones and
the findings written with their events (inside the swipe transaction), and the reads."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from elevator_maintenance.db import outbox as outbox_table
from tzsb_common.pg import Connection

# One index probe (ix_visit_workers_certificate) per certificate of the batch, each over its
# own window; the elevator's registered position rides along for the travel rule.
# The company as `(SELECT $1::uuid)`: see visits/queries.py.
_CERTIFICATE_VISITS = """
    SELECT w.visit_id, w.certificate_number, v.equipment_code, w.started_at, w.ended_at,
           e.lat, e.lon
    FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[]) AS p(cert, since, until)
    JOIN visit_workers w ON w.company_id = (SELECT $1::uuid) AND w.certificate_number = p.cert
                        AND w.started_at >= p.since AND w.started_at <= p.until
    JOIN visits v ON v.id = w.visit_id
    LEFT JOIN elevators e ON e.equipment_code = v.equipment_code
"""
# The findings and their events in one statement: a finding already recorded (its key taken)
# is skipped, and so are its events, so judging a visit again publishes nothing twice.
_WRITE_FINDINGS = f"""
    WITH written AS (
        INSERT INTO anomalies (id, company_id, kind, finding_key, equipment_code,
                               certificate_number, visit_id, other_visit_id, observed_at, details)
        SELECT a.id, $1, a.kind, a.finding_key, a.code, a.cert, a.visit_id, a.other_id, a.at,
               a.details::jsonb
        FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::uuid[],
                    $8::uuid[], $9::timestamptz[], $10::text[])
             AS a(id, kind, finding_key, code, cert, visit_id, other_id, at, details)
        ON CONFLICT (finding_key) DO NOTHING
        RETURNING id
    ),
    published AS (
        INSERT INTO {outbox_table.name} (event_id, topic, key, bucket, event)
        SELECT e.event_id, e.topic, e.key, e.bucket, e.event::jsonb
        FROM unnest($11::uuid[], $12::uuid[], $13::text[], $14::text[], $15::int2[], $16::text[])
             WITH ORDINALITY AS e(anomaly_id, event_id, topic, key, bucket, event, n)
        JOIN written ON written.id = e.anomaly_id
        ORDER BY e.n
    )
    SELECT array_agg(id) FROM written
"""  # noqa: S608 (the table name is the service's own)


async def certificate_visits(
    conn: Connection,
    *,
    company_id: uuid.UUID,
    windows: Sequence[tuple[str, datetime, datetime]],
) -> list[Any]:
    rows: list[Any] = await conn.fetch(
        _CERTIFICATE_VISITS, company_id, *(list(c) for c in zip(*windows, strict=True))
    )
    return rows


async def write_findings(
    conn: Connection,
    *,
    company_id: uuid.UUID,
    findings: Sequence[
        tuple[uuid.UUID, str, str, str, str | None, uuid.UUID, uuid.UUID | None, datetime, str]
    ],
    event_anomaly_ids: Sequence[uuid.UUID],
    event_columns: Sequence[list[Any]],
) -> list[uuid.UUID]:
    """`findings` as rows (id, kind, key, equipment code, certificate, visit, other visit,
    observed at, details as JSON text); each event's anomaly id, and the events' outbox
    columns (Outbox.row_arrays). Returns the ids of the findings that were new."""
    written = await conn.fetchval(
        _WRITE_FINDINGS,
        company_id,
        *(list(c) for c in zip(*findings, strict=True)),
        list(event_anomaly_ids),
        *event_columns,
    )
    return list(written or ())


# -- reads ------------------------------------------------------------------------------------

_ANOMALY_COLUMNS = (
    "id, company_id, kind, equipment_code, certificate_number, visit_id, other_visit_id, "
    "observed_at, details::text AS details, created_at"
)
_ANOMALY = f"SELECT {_ANOMALY_COLUMNS} FROM anomalies WHERE id = $1"  # noqa: S608
# Newest first; each filter is a parameter that may be null, so one statement serves them all.
_LIST_ANOMALIES = f"""
    SELECT {_ANOMALY_COLUMNS} FROM anomalies
    WHERE ($1::uuid IS NULL OR company_id = $1)
      AND ($2::text IS NULL OR kind = $2)
      AND ($3::text IS NULL OR equipment_code = $3)
      AND ($4::text IS NULL OR certificate_number = $4)
      AND ($5::timestamptz IS NULL OR observed_at >= $5)
      AND ($6::timestamptz IS NULL OR observed_at < $6)
      AND ($7::timestamptz IS NULL OR (observed_at, id) < ($7, $8::uuid))
    ORDER BY observed_at DESC, id DESC
    LIMIT $9
"""  # noqa: S608


async def get_anomaly(conn: Connection, anomaly_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(_ANOMALY, anomaly_id)
    return dict(row) if row is not None else None


async def list_anomalies(
    conn: Connection,
    *,
    company_id: uuid.UUID | None,
    kind: str | None,
    equipment_code: str | None,
    certificate_number: str | None,
    since: datetime | None,
    until: datetime | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        _LIST_ANOMALIES,
        company_id,
        kind,
        equipment_code,
        certificate_number,
        since,
        until,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [dict(row) for row in rows]
