"""The SQL of overdue maintenance: the deadline rule the machinery runs."""

from __future__ import annotations

from elevator_maintenance.overdue.rules import OverdueStage
from tzsb_common.contracts.elevator import MAINTENANCE_TOPIC, MaintenanceOverdueV1
from tzsb_common.contracts.hazard import HazardSignalV1
from tzsb_common.deadlines import DeadlineRule, Stage

RULE_NAME = "maintenance_overdue"

# Every elevator in use with a visit, its due date (the last visit's business day plus the
# interval: the contract's on-demand one in force on as_of, else the regular one) and the
# payload of its event. Visits after as_of do not count, so a pass re-run for an earlier day
# sees that day. One index probe (ix_visits_equipment) per elevator. Elevators never visited
# have no due date yet (visits.rules.maintenance_standing answers the same).
_SUBJECTS = """
    SELECT e.equipment_code AS subject, (lv.last_on + iv.days)::date AS deadline,
           jsonb_build_object(
               'equipment_code', e.equipment_code, 'use_unit_id', e.use_unit_id,
               'maintenance_company_id', c.maintenance_company_id,
               'last_visit_on', lv.last_on, 'interval_days', iv.days) AS data
    FROM elevators e
    CROSS JOIN LATERAL (
        SELECT (max(v.ended_at) AT TIME ZONE {zone})::date AS last_on FROM visits v
        WHERE v.equipment_code = e.equipment_code
          AND v.ended_at < (($1::date + 1)::timestamp AT TIME ZONE {zone})
    ) AS lv
    LEFT JOIN LATERAL (
        SELECT ce.maintenance_company_id FROM contract_elevators ce
        WHERE ce.equipment_code = e.equipment_code
          AND ce.valid_from <= $1::date AND ce.in_force_until >= $1::date
        ORDER BY ce.valid_from DESC LIMIT 1
    ) AS c ON true
    CROSS JOIN LATERAL (
        SELECT coalesce((
            SELECT ce.maintenance_interval_days FROM contract_elevators ce
            WHERE ce.equipment_code = e.equipment_code
              AND ce.valid_from <= $1::date AND ce.in_force_until >= $1::date
              AND ce.maintenance_interval_days IS NOT NULL
            ORDER BY ce.valid_from DESC LIMIT 1), {regular}) AS days
    ) AS iv
    WHERE e.status = 'in_use' AND lv.last_on IS NOT NULL
"""
# The hazard signal (维保超期) beside the machinery's own event, once per spell: its id is the
# ledger's event id, so a re-sent signal carries the same one. Against the maintenance company
# holding the contract, else the use unit.
_SIGNAL = """
    INSERT INTO {outbox} (event_id, topic, key, event)
    SELECT s.id, {topic}, s.subject, jsonb_build_object(
        'specversion', '1.0', 'id', s.id, 'source', $5::text, 'type', {signal_type},
        'subject', s.subject, 'time', now(), 'datacontenttype', 'application/json',
        'data', jsonb_build_object(
            'signal_id', s.event_id, 'kind', 'maintenance_overdue', 'severity', 'general',
            'source_service', $5::text, 'observed_at', now(), 'equipment_code', s.subject,
            'unit_id', coalesce(nullif(s.data->'maintenance_company_id', 'null'::jsonb),
                                s.data->'use_unit_id'),
            'description', '电梯维保超期：最近一次维保于 ' || (s.data->>'last_visit_on')
                || '，允许间隔 ' || (s.data->>'interval_days') || ' 天，应于 '
                || s.deadline::text || ' 前完成下一次维保',
            'evidence', jsonb_build_object(
                'last_visit_on', s.data->'last_visit_on',
                'interval_days', s.data->'interval_days', 'due_by', s.deadline,
                'as_of', $1::date, 'use_unit_id', s.data->'use_unit_id',
                'maintenance_company_id', s.data->'maintenance_company_id')))
    FROM (SELECT gen_random_uuid() AS id, f.* FROM fired f) AS s
"""


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def overdue_rule(
    *, zone: str, regular_interval_days: int, hazard_topic: str, outbox_table: str
) -> DeadlineRule:
    """`hazard_topic` with the deployment's prefix (settings.topic)."""
    return DeadlineRule(
        name=RULE_NAME,
        subjects=_SUBJECTS.format(zone=_literal(zone), regular=int(regular_interval_days)),
        stages=(Stage(OverdueStage.overdue.value, "deadline + 1"),),
        event_type=MaintenanceOverdueV1.event_type,
        topic=MAINTENANCE_TOPIC,
        deadline_field="due_by",
        effects=(
            _SIGNAL.format(
                outbox=outbox_table,
                topic=_literal(hazard_topic),
                signal_type=_literal(HazardSignalV1.event_type),
            ),
        ),
    )
