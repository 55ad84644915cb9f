"""`tzsb.hazard.signal.v1` from other services opens one hazard per signal id, through Kafka,
however often the signal arrives; each new hazard is published as found."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from hazard_steps import business_today, events_keyed
from inspection_factories import seed_equipment, snapshot
from tzsb_common.contracts.hazard import HAZARD_TOPIC, HazardSignalV1
from tzsb_common.events import CloudEvent
from tzsb_common.settings import ServiceSettings
from tzsb_common.testing import eventually


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # Sent events are kept: the tests read the hazards' events from the outbox.
    return {"run_background_workers": True, "outbox_retention_hours": 1}


@pytest.fixture
async def producer(settings: ServiceSettings) -> AsyncIterator[AIOKafkaProducer]:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all")
    await producer.start()
    yield producer
    await producer.stop()


def signal(**overrides: Any) -> CloudEvent:
    values: dict[str, Any] = {
        "signal_id": uuid.uuid4(),
        "kind": "maintenance_overdue",
        "severity": "general",
        "source_service": "elevator-maintenance",
        "observed_at": datetime.now(UTC),
        "equipment_code": None,
        "unit_id": None,
        "description": "电梯超过15日未维保",
        "evidence": {"last_visit_at": "2026-11-01T09:00:00+08:00"},
    }
    values.update(overrides)
    payload = HazardSignalV1(**values)
    return payload.to_event(
        source=values["source_service"], subject=values["equipment_code"] or str(values["unit_id"])
    )


async def publish(
    producer: AIOKafkaProducer, settings: ServiceSettings, *events: CloudEvent
) -> None:
    for event in events:
        await producer.send(
            settings.topic(HAZARD_TOPIC), event.to_json_bytes(), key=event.subject.encode()
        )
    await producer.flush()


async def hazards_of_signals(app: FastAPI, *signal_ids: uuid.UUID) -> list[dict[str, Any]]:
    async with app.state.database.connection() as conn:
        rows = await conn.fetch(
            "SELECT * FROM hazards WHERE signal_id = ANY($1::uuid[]) ORDER BY created_at",
            list(signal_ids),
        )
    return [dict(row) for row in rows]


async def test_each_signal_opens_one_hazard_however_often_it_is_delivered(
    app: FastAPI, settings: ServiceSettings, producer: AIOKafkaProducer
) -> None:
    elevator = snapshot()
    await seed_equipment(app, elevator, today=business_today())
    station = uuid.uuid4()
    overdue = signal(equipment_code=elevator["equipment_code"])
    refused = signal(
        kind="refused_fill_filled", severity="major", source_service="cylinder-trace",
        unit_id=station, description="拒充气瓶仍被充装",
    )  # fmt: skip
    overdue_id = overdue.data["signal_id"]
    refused_id = refused.data["signal_id"]

    await publish(producer, settings, overdue, overdue, refused)
    opened = await eventually(
        lambda: hazards_of_signals(app, overdue_id, refused_id), until=lambda r: len(r) >= 2
    )
    # Redelivered later, beside a new one: once the new one is in, the old one is still one.
    sentinel = signal(kind="complaint")
    await publish(producer, settings, overdue, refused, sentinel)
    await eventually(lambda: hazards_of_signals(app, sentinel.data["signal_id"]))
    after = await hazards_of_signals(app, overdue_id, refused_id)

    assert len(after) == 2
    by_signal = {str(h["signal_id"]): h for h in after}
    from_maintenance = by_signal[str(overdue_id)]
    from_filling = by_signal[str(refused_id)]
    assert from_maintenance["source"] == "maintenance"
    assert from_maintenance["signal_kind"] == "maintenance_overdue"
    assert from_maintenance["use_unit_id"] == uuid.UUID(elevator["use_unit_id"])
    assert from_maintenance["state"] == "open"
    assert from_filling["source"] == "filling"
    assert from_filling["unit_id"] == station
    assert from_filling["equipment_code"] is None
    assert from_filling["severity"] == "major"
    assert {h["id"] for h in opened} == {h["id"] for h in after}
    for hazard in after:
        found = [e for e in await events_keyed(app, str(hazard["id"])) if "found" in e.type]
        assert len(found) == 1
        assert found[0].data["signal_id"] == str(hazard["signal_id"])
