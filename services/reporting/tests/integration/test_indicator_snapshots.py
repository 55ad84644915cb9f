"""Stored counts per park (`indicator_snapshots`) answer every region and grouping exactly as
counting the read models does, keep the definition versions apart, and are not used once
older than `indicator_snapshot_seconds`.

The read models are filled with SQL here rather than through Kafka: what is compared is two
ways of reading the same rows, over a few thousand elevators with every indicator's cases
mixed, in three districts, parks without a name among them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI

from reporting.indicators import service
from reporting.indicators.schemas import IndicatorGrouping, Region
from reporting_factories import fetch_value

INTERVAL = 15

_SEED = [
    """
    INSERT INTO equipment (equipment_code, category, variety, status, status_since, registered,
                           registered_on, use_unit_id, province, city, district, park,
                           commissioned_on, rescue_code, rescue_sign_posted, record_complete,
                           version)
    SELECT lpad(g::text, 18, '0'), CASE WHEN g % 41 = 0 THEN '4000' ELSE '3000' END, '3110',
           CASE WHEN g % 23 = 7 THEN 'suspended' ELSE 'in_use' END, date '2015-01-01',
           g % 13 <> 9, date '2015-01-01', '00000000-0000-4000-8000-000000000001',
           '甘肃省', CASE WHEN g % 11 = 0 THEN '天水市' ELSE '兰州市' END,
           (ARRAY['兰州新区', '城关区', '七里河区'])[1 + g % 3],
           CASE WHEN g % 7 = 0 THEN NULL ELSE (ARRAY['一园', '二园'])[1 + g % 2] END,
           CASE WHEN g % 29 = 3 THEN date '2026-02-20' ELSE date '2015-01-01' + g END,
           CASE WHEN g % 17 = 11 THEN NULL ELSE 'J' || g END, g % 19 <> 13, g % 31 <> 17, 1
    FROM generate_series(1, 3000) AS g
    """,
    """
    INSERT INTO contract_elevators (equipment_code, contract_id, maintenance_company_id,
                                    valid_from, in_force_until, maintenance_interval_days)
    SELECT lpad(g::text, 18, '0'), gen_random_uuid(), '00000000-0000-4000-a000-000000000001',
           date '2025-06-01',
           CASE WHEN g % 9 = 2 THEN date '2026-02-28' ELSE date '2027-05-31' END,
           CASE WHEN g % 10 = 4 THEN 30 END
    FROM generate_series(1, 3000) AS g WHERE g % 37 <> 5
    """,
    """
    INSERT INTO inspections (inspection_id, equipment_code, agency_id, report_number, kind,
                             inspected_on, conclusion, valid, next_due_on, next_due_kind,
                             hazards_found, recorded_at)
    SELECT gen_random_uuid(), lpad(g::text, 18, '0'), '00000000-0000-4000-8000-0000000000aa',
           'I' || g, 'periodic', date '2025-12-01' + g % 100,
           CASE WHEN g % 15 = 5 THEN 'fail' ELSE 'pass' END, g % 15 <> 5,
           date '2026-02-01' + g % 300, 'periodic', 0, now()
    FROM generate_series(1, 3000) AS g WHERE g % 43 <> 1
    """,
    # Visits every 7 to 20 days depending on the elevator, from mid-December to June.
    """
    INSERT INTO visits (visit_id, equipment_code, maintenance_company_id, started_at, ended_at,
                        visit_on, kind, workers)
    SELECT gen_random_uuid(), lpad(g::text, 18, '0'), '00000000-0000-4000-a000-000000000001',
           d::timestamptz, d::timestamptz + interval '1 hour', d::date, 'half_monthly', 1
    FROM generate_series(1, 3000) AS g
    CROSS JOIN LATERAL generate_series(
        date '2025-12-10' + g % 9, date '2026-06-30', (7 + g % 14) * interval '1 day'
    ) AS d
    WHERE g % 47 <> 8
    """,
    # The roll-up as the visit consumer keeps it (read_models.queries).
    """
    INSERT INTO elevator_visit_months (equipment_code, month, visits, first_visit_on,
                                       last_visit_on, longest_gap_days, previous_visit_on)
    SELECT m.equipment_code, m.month, m.visits, m.first_visit_on, m.last_visit_on, m.gap,
           (SELECT max(v.visit_on) FROM visits v
             WHERE v.equipment_code = m.equipment_code AND v.visit_on < m.month)
    FROM (
        SELECT equipment_code, date_trunc('month', visit_on)::date AS month, count(*) AS visits,
               min(visit_on) AS first_visit_on, max(visit_on) AS last_visit_on,
               coalesce(max(gap), 0) AS gap
        FROM (
            SELECT equipment_code, visit_on, visit_on - lag(visit_on) OVER (
                PARTITION BY equipment_code, date_trunc('month', visit_on) ORDER BY visit_on
            ) AS gap
            FROM visits
        ) v
        GROUP BY equipment_code, date_trunc('month', visit_on)
    ) m
    """,
]

PERIODS = [
    (date(2026, 1, 1), date(2026, 3, 31)),  # whole months
    (date(2026, 1, 1), date(2026, 6, 30)),
    (date(2026, 1, 10), date(2026, 3, 20)),  # partial months at both ends
    (date(2026, 2, 3), date(2026, 2, 17)),  # within one month
]
REGIONS = [
    Region(),
    Region(province="甘肃省"),
    Region(city="兰州市"),
    Region(province="甘肃省", city="兰州市", district="城关区"),
    Region(district="兰州新区", park="一园"),
    Region(park="二园"),
    Region(province="四川省"),  # no elevators
]
GROUPINGS = [None, IndicatorGrouping.city, IndicatorGrouping.district, IndicatorGrouping.park]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"report_cache_seconds": 0}


async def _seed(app: FastAPI) -> None:
    async with app.state.database.connection() as conn:
        for statement in _SEED:
            await conn.execute(statement)


async def _report(
    app: FastAPI,
    period: tuple[date, date],
    region: Region,
    group_by: IndicatorGrouping | None,
    snapshot_seconds: float,
) -> dict[str, Any]:
    report = await service.elevator_report(
        app.state.database,
        period_start=period[0],
        period_end=period[1],
        region=region,
        group_by=group_by,
        default_interval_days=INTERVAL,
        snapshot_seconds=snapshot_seconds,
        count_timeout_s=60,
    )
    return report.model_dump(mode="json")


async def test_stored_counts_answer_every_region_and_grouping_as_counting_does(
    app: FastAPI,
) -> None:
    await _seed(app)
    for period in PERIODS:
        counted = {
            (region.model_dump_json(), group_by): await _report(app, period, region, group_by, 0)
            for region in REGIONS
            for group_by in GROUPINGS
        }
        # The first request over every elevator counts per park and stores it.
        first = await _report(app, period, Region(), None, 300)
        assert first == counted[(Region().model_dump_json(), None)]
        stored = await fetch_value(
            app,
            "SELECT count(*) FROM indicator_snapshots WHERE period_start = $1 AND period_end = $2",
            *period,
        )
        assert stored == 1
        for region in REGIONS:
            for group_by in GROUPINGS:
                answered = await _report(app, period, region, group_by, 300)
                assert answered == counted[(region.model_dump_json(), group_by)], (
                    period,
                    region,
                    group_by,
                )
    whole = counted[(Region().model_dump_json(), None)]
    assert whole["elevators_in_use"] > 2000  # the seed reached the counts at all
    parks = counted[(Region().model_dump_json(), IndicatorGrouping.park)]["rows"]
    assert any(row["region"]["park"] is None for row in parks)


async def test_a_stored_count_is_used_while_fresh_and_never_across_definitions(
    app: FastAPI,
) -> None:
    await _seed(app)
    q1 = (date(2026, 1, 1), date(2026, 3, 31))
    before = await _report(app, q1, Region(), None, 300)
    park_before = await _report(app, q1, Region(park="一园"), None, 300)

    # Every elevator leaves service: a fresh stored count still answers as before (the
    # trade-off the setting bounds), a count that old is not used.
    async with app.state.database.connection() as conn:
        await conn.execute("UPDATE equipment SET status = 'scrapped'")
    assert await _report(app, q1, Region(), None, 300) == before
    assert await _report(app, q1, Region(park="一园"), None, 300) == park_before
    assert (await _report(app, q1, Region(park="一园"), None, 0))["elevators_in_use"] == 0
    async with app.state.database.connection() as conn:
        await conn.execute(
            "UPDATE indicator_snapshots SET computed_at = now() - interval '301 seconds'"
        )
    assert (await _report(app, q1, Region(), None, 300))["elevators_in_use"] == 0

    # A new definition in effect for the period is a different judgement: not the stored one.
    async with app.state.database.connection() as conn:
        await conn.execute("UPDATE equipment SET status = 'in_use'")
    await _report(app, q1, Region(), None, 300)  # stores the count under version 1
    async with app.state.database.connection() as conn:
        await conn.execute(
            "INSERT INTO indicator_definitions (indicator, version, valid_from, name, formula, "
            "parameters) VALUES ('on_time_maintenance', 2, '2026-03-01', '按期维保率', "
            "'相邻两次维保间隔均不超过 5 日', $1::jsonb)",
            {"interval_days": 5},
        )
    tightened = await _report(app, q1, Region(), None, 300)
    assert tightened["definition_versions"]["on_time_maintenance"] == 2
    assert tightened == await _report(app, q1, Region(), None, 0)
    assert tightened["rates"]["on_time_maintenance"] != before["rates"]["on_time_maintenance"]
    stored = await fetch_value(app, "SELECT count(*) FROM indicator_snapshots")
    assert stored == 2


async def test_the_refresh_counts_recent_stored_periods_again(app: FastAPI) -> None:
    await _seed(app)
    q1 = (date(2026, 1, 1), date(2026, 3, 31))
    await _report(app, q1, Region(), None, 300)
    async with app.state.database.connection() as conn:
        await conn.execute("UPDATE equipment SET rescue_sign_posted = true")
        await conn.execute(
            "UPDATE indicator_snapshots SET computed_at = now() - interval '200 seconds'"
        )
    refreshed = await service.refresh_recent_snapshots(
        app.state.database,
        today=date(2026, 4, 15),
        snapshot_seconds=300,
        default_interval_days=INTERVAL,
        count_timeout_s=60,
    )
    assert refreshed == 1
    answered = await _report(app, q1, Region(), None, 300)
    assert answered["rates"]["label"] == 100.0
    # A period ended long before is left to be counted when next asked.
    skipped = await service.refresh_recent_snapshots(
        app.state.database,
        today=date(2026, 9, 1),
        snapshot_seconds=1,
        default_interval_days=INTERVAL,
        count_timeout_s=60,
    )
    assert skipped == 0


async def test_the_calendar_periods_are_counted_before_anyone_asks(app: FastAPI) -> None:
    await _seed(app)
    counted = await service.count_calendar_periods_ahead(
        app.state.database,
        today=date(2026, 2, 14),
        snapshot_seconds=300,
        default_interval_days=INTERVAL,
        count_timeout_s=60,
    )
    assert counted == 3
    stored = await fetch_value(
        app,
        "SELECT string_agg(period_start || '/' || period_end, ' ' ORDER BY period_end) "
        "FROM indicator_snapshots",
    )
    assert stored == "2026-02-01/2026-02-28 2026-01-01/2026-03-31 2026-01-01/2026-12-31"
    # What is stored answers as counting does, and the next pass finds it fresh.
    q1 = (date(2026, 1, 1), date(2026, 3, 31))
    for region in REGIONS:
        assert await _report(app, q1, region, None, 300) == await _report(app, q1, region, None, 0)
    again = await service.count_calendar_periods_ahead(
        app.state.database,
        today=date(2026, 2, 20),
        snapshot_seconds=300,
        default_interval_days=INTERVAL,
        count_timeout_s=60,
    )
    assert again == 0
    # Once half the lifetime has passed, it is counted again with what changed since.
    async with app.state.database.connection() as conn:
        await conn.execute("UPDATE equipment SET rescue_sign_posted = true")
        await conn.execute(
            "UPDATE indicator_snapshots SET computed_at = now() - interval '200 seconds'"
        )
    assert (
        await service.count_calendar_periods_ahead(
            app.state.database,
            today=date(2026, 2, 20),
            snapshot_seconds=300,
            default_interval_days=INTERVAL,
            count_timeout_s=60,
        )
        == 3
    )
    assert (await _report(app, q1, Region(), None, 300))["rates"]["label"] == 100.0
