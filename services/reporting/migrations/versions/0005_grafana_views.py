"""read models of hazards, maintenance anomalies and rescue incidents; the `grafana` schema of
read-only views and functions the dashboards query; the `grafana_reader` role that may read
that schema and nothing else

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 23:00:00.000000
"""

# The SQL below is assembled from constants of this file only.
# ruff: noqa: S608

import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

READER = "grafana_reader"
PASSWORD_ENV = "GRAFANA_DB_PASSWORD"  # noqa: S105 (the name of a variable)
"""When set, the role may log in with this password; without it the role is created unable to
log in, for an operator (or deploy/postgres/init/02-grafana-reader.sh) to give it a password."""


def _updated_at() -> sa.Column[object]:
    return sa.Column(
        "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def _tables() -> None:
    op.create_table(
        "hazards",
        sa.Column("hazard_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("severity", sa.Text(), nullable=True),
        sa.Column("equipment_code", sa.Text(), nullable=True),
        sa.Column("use_unit_id", sa.Uuid(), nullable=True),
        sa.Column("unit_id", sa.Uuid(), nullable=True),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("state_rank", sa.Integer(), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("order_number", sa.Text(), nullable=True),
        sa.Column("order_deadline", sa.Date(), nullable=True),
        sa.Column("order_issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rectified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rectified_within_deadline", sa.Boolean(), nullable=True),
        sa.Column("overdue_on", sa.Date(), nullable=True),
        _updated_at(),
        sa.PrimaryKeyConstraint("hazard_id", name=op.f("pk_hazards")),
    )
    op.create_index("ix_hazards_state", "hazards", ["state", "severity"])
    op.create_table(
        "maintenance_anomalies",
        sa.Column("anomaly_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("maintenance_company_id", sa.Uuid(), nullable=False),
        sa.Column("equipment_code", sa.Text(), nullable=False),
        sa.Column("certificate_number", sa.Text(), nullable=True),
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("anomaly_id", name=op.f("pk_maintenance_anomalies")),
    )
    op.create_index(
        "ix_maintenance_anomalies_observed_on", "maintenance_anomalies", ["observed_on"]
    )
    op.create_table(
        "rescue_incidents",
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("equipment_code", sa.Text(), nullable=False),
        sa.Column("maintenance_company_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("urban", sa.Boolean(), nullable=True),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("state_rank", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_in_time", sa.Boolean(), nullable=True),
        sa.Column("acknowledgement_overdue", sa.Boolean(), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("arrived_in_time", sa.Boolean(), nullable=True),
        sa.Column("escalation_reason", sa.Text(), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("people_freed", sa.Integer(), nullable=True),
        sa.Column("fault_cause", sa.Text(), nullable=True),
        sa.Column("arrival_minutes", sa.Float(), nullable=True),
        sa.Column("rescue_minutes", sa.Float(), nullable=True),
        _updated_at(),
        sa.PrimaryKeyConstraint("incident_id", name=op.f("pk_rescue_incidents")),
    )
    op.create_index("ix_rescue_incidents_dispatched_at", "rescue_incidents", ["dispatched_at"])


# Business dates are Shanghai dates (ARCHITECTURE.md); Grafana's time filter wants instants.
_TODAY = "(now() AT TIME ZONE 'Asia/Shanghai')::date"


def _at_midnight(column: str) -> str:
    return f"({column}::timestamp AT TIME ZONE 'Asia/Shanghai')"


_CATEGORY_NAME = """CASE {c}
    WHEN '1000' THEN '锅炉' WHEN '2000' THEN '压力容器' WHEN '3000' THEN '电梯'
    WHEN '4000' THEN '起重机械' WHEN '5000' THEN '场(厂)内专用机动车辆'
    WHEN '6000' THEN '大型游乐设施' WHEN '7000' THEN '压力管道元件' WHEN '8000' THEN '压力管道'
    WHEN '9000' THEN '客运索道' WHEN 'F000' THEN '安全附件' ELSE {c} END"""
_NO_PARK = "'未划园区'"

VIEWS: dict[str, str] = {
    "equipment_counts": f"""
        SELECT e.category, {_CATEGORY_NAME.format(c="e.category")} AS category_name,
               coalesce(e.park, {_NO_PARK}) AS park, e.status,
               CASE e.status WHEN 'in_use' THEN '在用' WHEN 'suspended' THEN '停用'
                    WHEN 'scrapped' THEN '报废' WHEN 'deregistered' THEN '注销'
                    ELSE e.status END AS status_name,
               count(*) AS equipment
        FROM public.equipment e
        GROUP BY e.category, e.park, e.status""",
    "due_stages": f"""
        SELECT d.equipment_code, d.due_on, d.due_kind, d.stage,
               CASE d.stage WHEN 'reminder' THEN '提醒' WHEN 'warning' THEN '预警'
                    WHEN 'overdue' THEN '超期' ELSE d.stage END AS stage_name,
               d.as_of, {_at_midnight("d.as_of")} AS fired_at,
               d.category, {_CATEGORY_NAME.format(c="d.category")} AS category_name,
               coalesce(d.park, {_NO_PARK}) AS park
        FROM public.due_stages d""",
    # The online patrol's four questions (DOMAIN.md) asked of the read models, today, per park;
    # the inspection service answers the same from its due schedule (GET /api/v1/patrol).
    "patrol_counts": f"""
        WITH today AS (SELECT {_TODAY} AS day),
        latest AS (
            SELECT DISTINCT ON (i.equipment_code) i.equipment_code, i.conclusion, i.valid,
                   i.next_due_on, i.inspected_on
            FROM public.inspections i
            ORDER BY i.equipment_code, i.inspected_on DESC, i.recorded_at DESC
        ),
        contracted AS (
            SELECT DISTINCT c.equipment_code FROM public.contract_elevators c, today t
            WHERE c.valid_from <= t.day AND c.in_force_until >= t.day
        )
        SELECT coalesce(e.park, {_NO_PARK}) AS park,
               count(*) FILTER (WHERE l.next_due_on < t.day) AS past_due,
               count(*) FILTER (WHERE l.equipment_code IS NULL
                                AND (e.commissioned_on IS NULL OR e.commissioned_on <= t.day))
                   AS never_inspected,
               count(*) FILTER (WHERE e.category = '3000' AND ct.equipment_code IS NULL)
                   AS no_maintenance_contract,
               count(*) FILTER (WHERE l.conclusion = 'fail' AND NOT l.valid) AS failed_inspection
        FROM public.equipment e CROSS JOIN today t
        LEFT JOIN latest l ON l.equipment_code = e.equipment_code
        LEFT JOIN contracted ct ON ct.equipment_code = e.equipment_code
        WHERE e.status = 'in_use'
        GROUP BY e.park""",
    "hazards": f"""
        SELECT h.hazard_id, h.source,
               CASE h.source WHEN 'inspection' THEN '检验' WHEN 'due_workflow' THEN '超期未检'
                    WHEN 'online_patrol' THEN '网上巡查' WHEN 'maintenance' THEN '维保'
                    WHEN 'filling' THEN '充装' WHEN 'rescue' THEN '应急救援'
                    WHEN 'spot_check' THEN '双随机抽查' WHEN 'complaint' THEN '投诉'
                    WHEN 'supervision' THEN '日常监督检查' ELSE h.source END AS source_name,
               h.severity,
               CASE h.severity WHEN 'major' THEN '重大' WHEN 'general' THEN '一般'
                    ELSE '未知' END AS severity_name,
               h.state,
               CASE h.state WHEN 'open' THEN '待整改' WHEN 'order_issued' THEN '已下达指令书'
                    WHEN 'rectified' THEN '已整改待销号' WHEN 'closed' THEN '已销号'
                    ELSE h.state END AS state_name,
               h.state <> 'closed' AS is_open,
               h.equipment_code, e.category, coalesce(e.park, {_NO_PARK}) AS park,
               h.found_at, h.closed_at,
               floor(extract(epoch FROM now() - h.found_at) / 86400)::int AS age_days,
               CASE WHEN h.found_at IS NULL THEN 5
                    WHEN now() - h.found_at <= interval '7 days' THEN 1
                    WHEN now() - h.found_at <= interval '30 days' THEN 2
                    WHEN now() - h.found_at <= interval '90 days' THEN 3 ELSE 4 END AS age_band_order,
               CASE WHEN h.found_at IS NULL THEN '未知'
                    WHEN now() - h.found_at <= interval '7 days' THEN '7天内'
                    WHEN now() - h.found_at <= interval '30 days' THEN '8–30天'
                    WHEN now() - h.found_at <= interval '90 days' THEN '31–90天'
                    ELSE '90天以上' END AS age_band,
               coalesce(h.order_deadline, h.deadline) AS deadline,
               h.overdue_on IS NOT NULL AND h.state IN ('open', 'order_issued') AS overdue,
               h.rectified_within_deadline
        FROM public.hazards h
        LEFT JOIN public.equipment e ON e.equipment_code = h.equipment_code""",
    "maintenance_anomalies": f"""
        SELECT a.anomaly_id, a.kind,
               CASE a.kind WHEN 'short_visit' THEN '过短维保'
                    WHEN 'impossible_travel' THEN '不可能的行程'
                    WHEN 'too_many_visits' THEN '单日维保过多'
                    WHEN 'overlapping_visits' THEN '时间重叠' ELSE a.kind END AS kind_name,
               a.maintenance_company_id, coalesce(o.name, a.maintenance_company_id::text) AS company,
               a.equipment_code, coalesce(e.park, {_NO_PARK}) AS park,
               a.observed_at, a.observed_on
        FROM public.maintenance_anomalies a
        LEFT JOIN public.organisations o ON o.organisation_id = a.maintenance_company_id
        LEFT JOIN public.equipment e ON e.equipment_code = a.equipment_code""",
    # Completed visits per day: what the maintenance events say of swipes (a visit is a start
    # and an end swipe paired). Refused swipes are answered to the sender and published as no
    # event, so no read model can count them.
    "maintenance_visit_days": f"""
        SELECT v.visit_on, {_at_midnight("v.visit_on")} AS day_start,
               coalesce(e.park, {_NO_PARK}) AS park,
               count(*) AS visits, sum(v.workers) AS worker_visits
        FROM public.visits v
        LEFT JOIN public.equipment e ON e.equipment_code = v.equipment_code
        GROUP BY v.visit_on, e.park""",
    "rescue_incidents": f"""
        SELECT r.incident_id, r.equipment_code, coalesce(e.park, {_NO_PARK}) AS park,
               r.maintenance_company_id, o.name AS company, r.source, r.urban, r.state,
               r.dispatched_at, r.acknowledged_at, r.arrived_at, r.released_at,
               extract(epoch FROM r.acknowledged_at - r.dispatched_at) / 60 AS response_minutes,
               coalesce(r.arrival_minutes,
                        extract(epoch FROM r.arrived_at - r.dispatched_at) / 60) AS arrival_minutes,
               r.rescue_minutes, r.acknowledged_in_time, r.acknowledgement_overdue,
               r.arrived_in_time, r.escalation_reason, r.people_freed, r.fault_cause
        FROM public.rescue_incidents r
        LEFT JOIN public.organisations o ON o.organisation_id = r.maintenance_company_id
        LEFT JOIN public.equipment e ON e.equipment_code = r.equipment_code""",
    "fill_days": f"""
        SELECT f.day, {_at_midnight("f.day")} AS day_start, f.station_id,
               coalesce(o.name, f.station_id::text) AS station, f.medium, f.accepted, f.refused
        FROM public.fill_days f
        LEFT JOIN public.organisations o ON o.organisation_id = f.station_id""",
    "fill_refusal_days": f"""
        SELECT f.day, {_at_midnight("f.day")} AS day_start, f.station_id,
               coalesce(o.name, f.station_id::text) AS station, f.reason,
               CASE f.reason WHEN 'invalid' THEN '记录无效' WHEN 'unknown_cylinder' THEN '未登记气瓶'
                    WHEN 'cylinder_scrapped' THEN '气瓶已报废'
                    WHEN 'inspection_overdue' THEN '超期未检'
                    WHEN 'past_design_life' THEN '超设计使用年限'
                    WHEN 'medium_mismatch' THEN '介质不符'
                    WHEN 'medium_outside_licence' THEN '超许可介质'
                    WHEN 'licence_invalid' THEN '许可证无效'
                    WHEN 'filler_not_certified' THEN '充装人员无证'
                    WHEN 'lpg_not_own_property' THEN '非自有产权液化石油气瓶'
                    WHEN 'prefill_check_failed' THEN '充装前检查不合格'
                    WHEN 'overfilled' THEN '过量充装' ELSE f.reason END AS reason_name,
               f.fills
        FROM public.fill_refusal_days f
        LEFT JOIN public.organisations o ON o.organisation_id = f.station_id""",
}

# The indicators' per-elevator judgement (reporting.indicators.queries.JUDGED_ELEVATORS, as of
# this revision) over whole Shanghai months: from the month of `from_day` to the month of
# `to_day`, ending today if that month has not ended. A later change of a definition comes with
# a migration that replaces this function.
_JUDGED = f"""
CREATE FUNCTION grafana.judged_elevators(from_day date, to_day date,
                                         default_interval_days int DEFAULT 15)
RETURNS TABLE (equipment_code text, province text, city text, district text, park text,
               record_complete boolean, registered boolean, inspected boolean,
               contracted boolean, swiped boolean, on_time boolean, on_platform boolean,
               labelled boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
WITH bounds AS (
    SELECT s AS period_start, e AS period_end,
           e = (date_trunc('month', e) + interval '1 month - 1 day')::date AS ends_month
    FROM (SELECT date_trunc('month', from_day)::date AS s,
                 least((date_trunc('month', to_day) + interval '1 month - 1 day')::date,
                       {_TODAY}) AS e) x
),
p AS (
    SELECT b.period_start, b.period_end,
           CASE WHEN w.last >= b.period_start THEN b.period_start END AS whole_first,
           CASE WHEN w.last >= b.period_start THEN w.last END AS whole_last,
           CASE WHEN NOT b.ends_month THEN date_trunc('month', b.period_end)::date END
               AS part_first,
           CASE WHEN NOT b.ends_month THEN b.period_end END AS part_last
    FROM bounds b, LATERAL (SELECT CASE WHEN b.ends_month
                                        THEN date_trunc('month', b.period_end)::date
                                        ELSE (date_trunc('month', b.period_end)
                                              - interval '1 month')::date END AS last) w
),
lifts AS (
    SELECT e.equipment_code, e.province, e.city, e.district, e.park,
           coalesce(e.record_complete, false) AS record_complete,
           e.registered AND (e.registered_on IS NULL OR e.registered_on <= p.period_end)
               AS registered,
           coalesce(e.rescue_code, '') <> '' AS on_platform,
           e.rescue_sign_posted AS labelled,
           greatest(p.period_start, coalesce(e.commissioned_on, p.period_start)) AS counted_from
    FROM equipment e, p
    WHERE e.category = '3000' AND e.status = 'in_use'
      AND (e.status_since IS NULL OR e.status_since <= p.period_end)
      AND (e.commissioned_on IS NULL OR e.commissioned_on <= p.period_end)
),
contracted AS (
    SELECT ce.equipment_code,
           min(coalesce(ce.maintenance_interval_days, default_interval_days)) AS interval_days
    FROM contract_elevators ce JOIN lifts l USING (equipment_code), p
    WHERE ce.valid_from <= p.period_end AND ce.in_force_until >= p.period_end
    GROUP BY ce.equipment_code
),
inspected AS (
    SELECT DISTINCT ON (i.equipment_code) i.equipment_code, i.conclusion, i.next_due_on
    FROM inspections i JOIN lifts l USING (equipment_code), p
    WHERE i.inspected_on <= p.period_end
    ORDER BY i.equipment_code, i.inspected_on DESC, i.recorded_at DESC
),
visit_months AS (
    SELECT m.equipment_code, m.visits, m.first_visit_on, m.last_visit_on, m.longest_gap_days,
           m.previous_visit_on
    FROM elevator_visit_months m, p
    WHERE m.month BETWEEN p.whole_first AND p.whole_last
    UNION ALL
    SELECT g.*, (
        SELECT max(v2.visit_on) FROM visits v2
        WHERE v2.equipment_code = g.equipment_code AND v2.visit_on < g.first_visit_on
    )
    FROM (
        SELECT pv.equipment_code, count(*)::int AS visits, min(pv.visit_on) AS first_visit_on,
               max(pv.visit_on) AS last_visit_on, coalesce(max(pv.gap), 0) AS longest_gap_days
        FROM (
            SELECT v.equipment_code, v.visit_on,
                   v.visit_on - lag(v.visit_on) OVER (
                       PARTITION BY v.equipment_code ORDER BY v.visit_on
                   ) AS gap
            FROM visits v JOIN lifts l USING (equipment_code), p
            WHERE v.visit_on BETWEEN p.part_first AND p.part_last
        ) pv
        GROUP BY pv.equipment_code
    ) g
),
maintained AS (
    SELECT vm.equipment_code, sum(vm.visits) AS visits, min(vm.first_visit_on) AS first_on,
           max(vm.last_visit_on) AS last_on,
           max(greatest(
               vm.longest_gap_days,
               CASE WHEN vm.previous_visit_on >= l.counted_from
                    THEN vm.first_visit_on - vm.previous_visit_on END
           )) AS longest_gap
    FROM visit_months vm JOIN lifts l USING (equipment_code)
    GROUP BY vm.equipment_code
)
SELECT l.equipment_code, l.province, l.city, l.district, l.park, l.record_complete,
       l.registered,
       coalesce(i.conclusion IN ('pass', 'pass_after_reinspection')
                AND i.next_due_on >= p.period_end, false) AS inspected,
       c.equipment_code IS NOT NULL AS contracted,
       coalesce(m.visits, 0) > 0 AS swiped,
       CASE WHEN m.visits IS NULL
            THEN p.period_end - l.counted_from <= coalesce(c.interval_days, default_interval_days)
            ELSE m.first_on - l.counted_from <= coalesce(c.interval_days, default_interval_days)
                 AND p.period_end - m.last_on <= coalesce(c.interval_days, default_interval_days)
                 AND m.longest_gap <= coalesce(c.interval_days, default_interval_days)
       END AS on_time,
       l.on_platform, l.labelled
FROM lifts l CROSS JOIN p
LEFT JOIN contracted c USING (equipment_code)
LEFT JOIN inspected i USING (equipment_code)
LEFT JOIN maintained m USING (equipment_code)
$fn$
"""

# Rates as the indicators publish them: percentages rounded half-up to two decimals (numeric
# round() rounds halves away from zero), the composite the sum of the rounded rates.
_RATES = """
    round(100.0 * count(*) FILTER (WHERE j.record_complete) / count(*), 2) AS record_completeness,
    round(100.0 * count(*) FILTER (WHERE j.registered) / count(*), 2) AS registration,
    round(100.0 * count(*) FILTER (WHERE j.inspected) / count(*), 2) AS inspection,
    round(100.0 * count(*) FILTER (WHERE j.contracted) / count(*), 2) AS contract_validity,
    round(100.0 * count(*) FILTER (WHERE j.swiped) / count(*), 2) AS swipe_maintenance,
    round(100.0 * count(*) FILTER (WHERE j.on_time) / count(*), 2) AS on_time_maintenance,
    round(100.0 * count(*) FILTER (WHERE j.on_platform) / count(*), 2) AS emergency_platform,
    round(100.0 * count(*) FILTER (WHERE j.labelled) / count(*), 2) AS label"""
_RATE_NAMES = (
    "record_completeness",
    "registration",
    "inspection",
    "contract_validity",
    "swipe_maintenance",
    "on_time_maintenance",
    "emergency_platform",
    "label",
)
_RATE_COLUMNS = ", ".join(f"{name} numeric" for name in _RATE_NAMES)
_COMPOSITE = " + ".join(f"r.{name}" for name in _RATE_NAMES)

_BY_PARK = f"""
CREATE FUNCTION grafana.elevator_indicators_by_park(from_day date, to_day date)
RETURNS TABLE (district text, park text, elevators_in_use bigint, {_RATE_COLUMNS},
               composite numeric, rank bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
SELECT r.district, r.park, r.elevators_in_use, {", ".join(f"r.{n}" for n in _RATE_NAMES)},
       {_COMPOSITE} AS composite, rank() OVER (ORDER BY {_COMPOSITE} DESC) AS rank
FROM (
    SELECT j.province, j.city, j.district, coalesce(j.park, {_NO_PARK}) AS park,
           count(*) AS elevators_in_use, {_RATES}
    FROM grafana.judged_elevators(from_day, to_day) j
    GROUP BY j.province, j.city, j.district, j.park
) r
$fn$
"""

_RANKING = f"""
CREATE FUNCTION grafana.maintenance_company_ranking(from_day date, to_day date)
RETURNS TABLE (company text, elevators bigint, {_RATE_COLUMNS}, composite numeric,
               bonus numeric, score numeric, rank bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
WITH p AS (
    SELECT date_trunc('month', from_day)::date AS period_start,
           least((date_trunc('month', to_day) + interval '1 month - 1 day')::date, {_TODAY})
               AS period_end
),
judged AS (SELECT * FROM grafana.judged_elevators(from_day, to_day)),
held AS (
    SELECT DISTINCT ce.maintenance_company_id, ce.equipment_code
    FROM contract_elevators ce JOIN judged j USING (equipment_code), p
    WHERE ce.valid_from <= p.period_end AND ce.in_force_until >= p.period_end
),
r AS (
    SELECT h.maintenance_company_id, count(*) AS elevators, {_RATES}
    FROM judged j JOIN held h USING (equipment_code)
    GROUP BY h.maintenance_company_id
),
bonus AS (
    SELECT b.maintenance_company_id, sum(b.points) AS points
    FROM bonuses b, p WHERE b.awarded_on BETWEEN p.period_start AND p.period_end
    GROUP BY b.maintenance_company_id
)
SELECT coalesce(o.name, r.maintenance_company_id::text), r.elevators,
       {", ".join(f"r.{n}" for n in _RATE_NAMES)}, {_COMPOSITE},
       coalesce(bonus.points, 0), {_COMPOSITE} + coalesce(bonus.points, 0),
       rank() OVER (ORDER BY {_COMPOSITE} + coalesce(bonus.points, 0) DESC)
FROM r
LEFT JOIN bonus USING (maintenance_company_id)
LEFT JOIN organisations o ON o.organisation_id = r.maintenance_company_id
$fn$
"""

FUNCTIONS = (
    "grafana.judged_elevators(date, date, int)",
    "grafana.elevator_indicators_by_park(date, date)",
    "grafana.maintenance_company_ranking(date, date)",
)


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _reader() -> None:
    # Roles belong to the cluster, not the database: another database (or an earlier run) may
    # have made it, and two migrations may race to.
    op.execute(
        f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{READER}') THEN
                CREATE ROLE {READER} NOLOGIN;
            END IF;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$"""
    )
    password = os.environ.get(PASSWORD_ENV)
    if password:
        op.execute(f"ALTER ROLE {READER} LOGIN PASSWORD {_quoted(password)}")
    op.execute(f"ALTER ROLE {READER} SET default_transaction_read_only = on")
    op.execute(f"ALTER ROLE {READER} SET statement_timeout = '30s'")
    op.execute(
        f"DO $$ BEGIN EXECUTE format('GRANT CONNECT ON DATABASE %I TO {READER}', "
        "current_database()); END $$"
    )
    # Only the grafana schema: whatever an earlier setup granted on the tables is taken back.
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {READER}")
    op.execute(f"ALTER DEFAULT PRIVILEGES REVOKE ALL ON TABLES FROM {READER}")
    op.execute(f"GRANT USAGE ON SCHEMA grafana TO {READER}")
    op.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA grafana TO {READER}")
    for function in FUNCTIONS:
        op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {function} TO {READER}")


def upgrade() -> None:
    _tables()
    op.execute("CREATE SCHEMA grafana")
    op.execute("REVOKE ALL ON SCHEMA grafana FROM PUBLIC")
    for name, body in VIEWS.items():
        op.execute(f"CREATE VIEW grafana.{name} AS {body}")
    op.execute(_JUDGED)
    op.execute(_BY_PARK)
    op.execute(_RANKING)
    _reader()


def downgrade() -> None:
    # The role stays: it belongs to the cluster and may read other databases' views.
    op.execute("DROP SCHEMA grafana CASCADE")
    op.drop_index("ix_rescue_incidents_dispatched_at", table_name="rescue_incidents")
    op.drop_table("rescue_incidents")
    op.drop_index("ix_maintenance_anomalies_observed_on", table_name="maintenance_anomalies")
    op.drop_table("maintenance_anomalies")
    op.drop_index("ix_hazards_state", table_name="hazards")
    op.drop_table("hazards")
