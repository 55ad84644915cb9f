"""The equipment replica follows `tzsb.registry.equipment` through Kafka: newer versions win,
redelivery is harmless, and fields the registry adds later are ignored, not dead-lettered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from inspection_factories import equipment_event, snapshot
from tzsb_common.contracts.registry import EQUIPMENT_TOPIC
from tzsb_common.events import CloudEvent
from tzsb_common.settings import ServiceSettings
from tzsb_common.testing import eventually


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"run_background_workers": True}


@pytest.fixture
async def producer(settings: ServiceSettings) -> AsyncIterator[AIOKafkaProducer]:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all")
    await producer.start()
    yield producer
    await producer.stop()


async def publish(
    producer: AIOKafkaProducer, settings: ServiceSettings, *events: CloudEvent
) -> None:
    for event in events:
        await producer.send(
            settings.topic(EQUIPMENT_TOPIC), event.to_json_bytes(), key=event.subject.encode()
        )
    await producer.flush()


async def replica(app: FastAPI, code: str) -> dict[str, Any] | None:
    async with app.state.database.connection() as conn:
        row = await conn.fetchrow("SELECT * FROM equipment WHERE equipment_code = $1", code)
    return dict(row) if row is not None else None


async def test_the_newest_snapshot_wins_whatever_order_and_however_often_it_arrives(
    app: FastAPI, settings: ServiceSettings, producer: AIOKafkaProducer
) -> None:
    vessel = snapshot(
        category="2000", variety="2150", attributes={"safety_grade": 2, "volume_m3": 5.0}
    )
    v1 = equipment_event(vessel)
    v3 = equipment_event({**vessel, "version": 3, "status": "suspended"})
    v2 = equipment_event({**vessel, "version": 2, "park": "秦川园区"})
    # v3 before v2, and v1 twice (a redelivery); a field the registry added later rides along.
    v3 = CloudEvent.model_validate(
        {**v3.model_dump(), "data": {**v3.data, "equipment": {**v3.data["equipment"],
                                                              "new_registry_field": 42}}}
    )  # fmt: skip
    await publish(producer, settings, v1, v3, v2, v1)

    row = await eventually(
        lambda: replica(app, vessel["equipment_code"]),
        until=lambda r: r is not None and r["version"] == 3,
    )
    assert row is not None
    assert row["status"] == "suspended"  # v3's
    assert row["park"] == "中川园区"  # v2 came later and was older: ignored
    await publish(producer, settings, equipment_event({**vessel, "version": 4, "park": None}))
    row = await eventually(
        lambda: replica(app, vessel["equipment_code"]),
        until=lambda r: r is not None and r["version"] == 4,
    )

    assert row is not None
    assert row["status"] == "in_use"
    assert row["park"] is None
    assert row["safety_grade"] == 2
    assert row["category"] == "2000"
    assert row["province"] == "甘肃省"
