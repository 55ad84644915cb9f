"""Hazards, maintenance anomalies and rescue incidents are read from their topics: a hazard's
events give one row whatever order and however often they come, and an anomaly counts once."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from reporting_factories import fetch_value, publish
from safety_event_factories import (
    anomaly,
    hazard_closed,
    hazard_found,
    hazard_order_issued,
    hazard_overdue,
    hazard_rectified,
    rescue,
)
from tzsb_common.settings import ServiceSettings
from tzsb_common.testing import eventually

CODE = "31106201002020000001"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"run_background_workers": True}


async def test_hazard_events_fold_into_one_row_in_any_order_and_anomalies_count_once(
    app: FastAPI, settings: ServiceSettings, producer: AIOKafkaProducer
) -> None:
    now = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    closed, overdue = uuid.uuid4(), uuid.uuid4()
    deadline = date(2026, 11, 10)
    found = hazard_found(closed, CODE, severity="major", deadline=deadline)
    finding = anomaly(CODE, uuid.uuid4(), now)
    # Closed before it was found (as far as the bus tells), and found twice.
    await publish(
        producer,
        settings,
        hazard_closed(closed, CODE, now),
        hazard_rectified(closed, CODE, now - timedelta(hours=1)),
        found,
        hazard_order_issued(closed, CODE, date(2026, 11, 30)),
        found,
        hazard_overdue(overdue, CODE, deadline, date(2026, 11, 12)),
        hazard_found(overdue, CODE, severity="major"),
        hazard_overdue(overdue, CODE, deadline, date(2026, 11, 11)),
        finding,
        finding,
        anomaly(CODE, uuid.uuid4(), now),  # after both copies on the same partition
        *rescue(uuid.uuid4(), CODE, uuid.uuid4(), now)[::-1],
    )
    # The closed hazard keeps every column each event knew; the other stays open, overdue
    # since the first scan that found it so.
    expected = (
        "closed:major:inspection:市监特令〔2026〕第12号:2026-11-30:2026-11-10:t,"
        "open:major:inspection:f:2026-11-11"
    )
    rows = await eventually(
        lambda: fetch_value(
            app,
            "SELECT string_agg(concat_ws(':', state, severity, source, order_number, "
            "order_deadline, deadline, closed_at IS NOT NULL, overdue_on), ',' "
            "ORDER BY state) FROM hazards",
        ),
        until=lambda value: value == expected,
    )
    assert rows == expected
    anomalies = await eventually(
        lambda: fetch_value(app, "SELECT count(*) FROM maintenance_anomalies"),
        until=lambda count: count >= 2,
    )
    assert anomalies == 2
    incident = await eventually(
        lambda: fetch_value(
            app,
            "SELECT concat_ws(':', state, source, urban, acknowledged_in_time, arrived_in_time, "
            "people_freed, arrival_minutes, "
            "extract(epoch FROM arrival_due_at - dispatched_at)::int / 60) FROM rescue_incidents",
        ),
        until=lambda value: value is not None and value.startswith("released:call_centre"),
    )
    assert incident == "released:call_centre:t:t:t:2:20:30"  # due 30 minutes after dispatch
    # Found when its event was written (the CloudEvent's time): just now.
    assert (
        await fetch_value(app, "SELECT state || ':' || age_band FROM grafana.hazards WHERE is_open")
        == "open:7天内"
    )
