"""The three-step due workflow over a year, day by day, with two replicas scanning each day.

Three hundred pieces of equipment fall due between March and October; a third are inspected
in time (40 days early), a third 10 days late, a third never. Each day the inspections of that
day are recorded first, then two service instances on the same database run the day's pass at
the same moment. Every stage of every due date must have fired exactly once, on its own day
(`stage_dates`), in order — and none after an inspection moved the due date.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import date, timedelta

import httpx
import pytest
from fastapi import FastAPI

from inspection.due.rules import DueStage, stage_dates
from inspection_factories import inspection, seed_equipment, snapshot
from tzsb_common.auth import CallerKind
from tzsb_common.contracts.inspection import InspectionDueV1
from tzsb_common.events import CloudEvent
from tzsb_common.settings import ServiceSettings
from tzsb_common.testing import ServiceUnderTest, TokenFactory

START, END = date(2026, 1, 1), date(2026, 12, 31)
REMINDER_MONTHS = 2
AGENCY = uuid.uuid4()
KINDS = (("1000", "1100", 12), ("3000", "3110", 12), ("4000", "4110", 24))


@pytest.fixture
async def second_replica(
    service: ServiceUnderTest, settings: ServiceSettings
) -> AsyncIterator[httpx.AsyncClient]:
    other = service.app_factory(settings)
    async with other.router.lifespan_context(other):
        transport = httpx.ASGITransport(app=other, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://replica-2") as client:
            yield client


def fleet() -> tuple[list[dict[str, object]], dict[str, date], dict[str, str]]:
    """Snapshots, each one's first due date, and its fate (on_time, late, never)."""
    snapshots, first_due, fate = [], {}, {}
    for n in range(300):
        category, variety, first_months = KINDS[n % 3]
        due_on = date(2026, 3, 5) + timedelta(days=(n * 7) % 240)
        years = first_months // 12
        commissioned = due_on.replace(year=due_on.year - years)
        record = snapshot(
            category=category,
            variety=variety,
            commissioned_on=commissioned.isoformat(),
            attributes={},
        )
        code = str(record["equipment_code"])
        snapshots.append(record)
        first_due[code] = due_on
        fate[code] = ("on_time", "late", "never")[(n // 3) % 3]
    return snapshots, first_due, fate


async def test_a_year_of_daily_scans_fires_each_stage_once_in_order_on_its_day(
    app: FastAPI,
    client: httpx.AsyncClient,
    second_replica: httpx.AsyncClient,
    tokens: TokenFactory,
) -> None:
    snapshots, first_due, fate = fleet()
    await seed_equipment(app, *snapshots, today=START)
    inspect_on: dict[date, list[str]] = defaultdict(list)
    for code, due_on in first_due.items():
        if fate[code] == "on_time":
            inspect_on[due_on - timedelta(days=40)].append(code)
        elif fate[code] == "late":
            inspect_on[due_on + timedelta(days=10)].append(code)

    agency = tokens.headers(CallerKind.inspection_agency, organisation_id=AGENCY)
    bureau = tokens.bureau()
    dues: dict[str, list[tuple[date, date | None]]] = {c: [(d, None)] for c, d in first_due.items()}
    answered: dict[date, int] = {}
    day = START
    while day <= END:
        for code in inspect_on.get(day, []):
            recorded = await client.post(
                "/api/v1/inspections",
                json=inspection(code, inspected_on=day.isoformat()),
                headers=agency,
            )
            assert recorded.status_code == 201, recorded.text
            superseded, _ = dues[code][-1]
            dues[code][-1] = (superseded, day)
            dues[code].append((date.fromisoformat(recorded.json()["next_due_on"]), None))
        scans = await asyncio.gather(
            client.post("/api/v1/due-scans", json={"as_of": day.isoformat()}, headers=bureau),
            second_replica.post(
                "/api/v1/due-scans", json={"as_of": day.isoformat()}, headers=bureau
            ),
        )
        assert [s.status_code for s in scans] == [200, 200], scans[0].text
        answered[day] = sum(sum(s.json()["counts"].values()) for s in scans)
        day += timedelta(days=1)

    # What must have fired: every stage of every due date whose day came while that date was
    # the equipment's due date (inspections are recorded before the day's pass).
    expected = set()
    for code, history in dues.items():
        for due_on, moved_on in history:
            for stage, fires_on in stage_dates(due_on, reminder_months=REMINDER_MONTHS).items():
                if fires_on <= END and (moved_on is None or fires_on < moved_on):
                    expected.add((code, due_on, stage.value, fires_on))

    async with app.state.database.connection() as conn:
        ledger = await conn.fetch(
            "SELECT subject, deadline, stage, fired_on FROM deadline_ledger ORDER BY id"
        )
        events = await conn.fetch("SELECT event FROM outbox WHERE topic LIKE '%inspection.due'")
        hazards = await conn.fetchval(
            "SELECT count(*) FROM hazards WHERE source = 'due_workflow' AND severity = 'major'"
        )
        orders = await conn.fetch("SELECT kind, count(*) FROM supervision_orders GROUP BY kind")
    fired = [(r["subject"], r["deadline"], r["stage"], r["fired_on"]) for r in ledger]

    assert len(fired) == len(set(fired))  # once
    assert set(fired) == expected  # on its day, and never after an inspection moved the date
    order = [s.value for s in DueStage]
    by_due: dict[tuple[str, date], list[str]] = defaultdict(list)
    for code, due_on, stage, _ in fired:  # ledger order is firing order
        by_due[(code, due_on)].append(stage)
    assert all(stages == sorted(stages, key=order.index) for stages in by_due.values())
    for code, due_on in first_due.items():
        assert (
            by_due[(code, due_on)]
            == {
                "on_time": ["reminder"],
                "late": ["reminder", "warning", "overdue"],
                "never": ["reminder", "warning", "overdue"],
            }[fate[code]]
        )

    fired_per_day: dict[date, int] = defaultdict(int)
    for *_, fired_on in fired:
        fired_per_day[fired_on] += 1
    assert {d: n for d, n in answered.items() if n} == dict(fired_per_day)  # no pass counted twice
    assert len(events) == len(fired)
    sample = CloudEvent.model_validate(events[0]["event"])
    assert InspectionDueV1.model_validate(sample.data).stage in ("reminder", "warning", "overdue")
    overdue = sum(1 for f in fired if f[2] == "overdue")
    warnings = sum(1 for f in fired if f[2] == "warning")
    assert overdue == sum(1 for f in fate.values() if f != "on_time")
    assert hazards == overdue
    assert dict((r["kind"], r["count"]) for r in orders) == {
        "apply_for_inspection": warnings,
        "stop_use": overdue,
    }
