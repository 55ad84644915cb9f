"""The SQL of the due workflow: the deadline rule the machinery runs."""

from __future__ import annotations

from tzsb_common.contracts.hazard import HazardFoundV1
from tzsb_common.contracts.inspection import DUE_TOPIC, InspectionDueV1
from tzsb_common.deadlines import DeadlineRule, Stage

RULE_NAME = "inspection_due"

# Every piece of equipment in use whose reminder date may have come, with the payload of its
# event. The index on due_on keeps equipment due later out of the pass; the bound is a month
# wider than the lead time because month arithmetic does not invert at month ends (30 April
# less two months is 28 February, but 28 February plus two months is 28 April).
_SUBJECTS = """
    SELECT d.equipment_code AS subject, d.due_on AS deadline,
           jsonb_build_object(
               'equipment_code', e.equipment_code, 'due_kind', d.due_kind,
               'use_unit_id', e.use_unit_id, 'category', e.category, 'variety', e.variety,
               'park', e.park) AS data
    FROM due_schedule d JOIN equipment e USING (equipment_code)
    WHERE d.due_on <= ($1::date + make_interval(months => {reminder_months} + 1))::date
      AND e.status = 'in_use'
"""
# 监察指令书 drafted for the unit: at the warning to apply for inspection, at overdue to stop use.
_DRAFT_ORDERS = """
    INSERT INTO supervision_orders (equipment_code, use_unit_id, kind, due_on)
    SELECT subject, (data->>'use_unit_id')::uuid,
           CASE stage WHEN 'warning' THEN 'apply_for_inspection' ELSE 'stop_use' END, deadline
    FROM fired WHERE stage IN ('warning', 'overdue')
"""
# The hazard's id is derived from the stage's event id, so that the found event below (another
# effect, which cannot read this one's RETURNING) names the same hazard.
_HAZARD_ID = "md5('hazard:' || event_id::text)::uuid"
_OPEN_OVERDUE_HAZARDS = f"""
    INSERT INTO hazards (id, equipment_code, use_unit_id, source, severity, description, due_on)
    SELECT {_HAZARD_ID}, subject, (data->>'use_unit_id')::uuid, 'due_workflow', 'major',
           '超期未检: not inspected by its due date ' || deadline::text, deadline
    FROM fired WHERE stage = 'overdue'
"""  # noqa: S608 (constants of this module)
# `tzsb.hazard.found.v1` of each 超期未检 hazard, in the same statement; keyed by the hazard like
# the rest of its lifecycle. {hazard_topic} is the prefixed topic, a literal from settings.
_PUBLISH_OVERDUE_HAZARDS = f"""
    INSERT INTO outbox (event_id, topic, key, event)
    SELECT found.id, {{hazard_topic}}, found.hazard_id::text, jsonb_build_object(
        'specversion', '1.0', 'id', found.id, 'source', $5::text,
        'type', '{HazardFoundV1.event_type}', 'subject', found.hazard_id::text, 'time', now(),
        'datacontenttype', 'application/json',
        'data', jsonb_build_object(
            'hazard_id', found.hazard_id, 'source', 'due_workflow', 'severity', 'major',
            'description', '超期未检: not inspected by its due date ' || found.deadline::text,
            'equipment_code', found.subject, 'use_unit_id', found.data->'use_unit_id',
            'unit_id', NULL, 'deadline', NULL, 'inspection_id', NULL, 'signal_id', NULL))
    FROM (SELECT gen_random_uuid() AS id, {_HAZARD_ID} AS hazard_id, subject, deadline, data
          FROM fired WHERE stage = 'overdue') AS found
"""  # noqa: S608


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def due_rule(*, reminder_months: int, hazard_topic: str) -> DeadlineRule:
    """`hazard_topic`: the prefixed topic the found events of 超期未检 hazards go to."""
    return DeadlineRule(
        name=RULE_NAME,
        subjects=_SUBJECTS.format(reminder_months=int(reminder_months)),
        stages=(
            Stage(
                "reminder", f"(deadline - make_interval(months => {int(reminder_months)}))::date"
            ),
            Stage("warning", "date_trunc('month', deadline)::date"),
            Stage("overdue", "deadline + 1"),
        ),
        event_type=InspectionDueV1.event_type,
        topic=DUE_TOPIC,
        deadline_field="due_on",
        effects=(
            _DRAFT_ORDERS,
            _OPEN_OVERDUE_HAZARDS,
            _PUBLISH_OVERDUE_HAZARDS.format(hazard_topic=_literal(hazard_topic)),
        ),
    )
