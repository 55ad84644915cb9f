"""The replicas follow the registry's snapshot topics through Kafka: the newest version wins
whatever the order, redelivery is harmless, and other categories of equipment are not kept."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from maintenance_factories import (
    certificate_snapshot,
    contract_snapshot,
    elevator_snapshot,
    snapshot_event,
)
from tzsb_common.contracts.registry import CERTIFICATE_TOPIC, CONTRACT_TOPIC, EQUIPMENT_TOPIC
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
    producer: AIOKafkaProducer, settings: ServiceSettings, topic: str, *events: CloudEvent
) -> None:
    for event in events:
        await producer.send(
            settings.topic(topic), event.to_json_bytes(), key=event.subject.encode()
        )
    await producer.flush()


async def row(app: FastAPI, sql: str, *args: Any) -> dict[str, Any] | None:
    async with app.state.database.connection() as conn:
        found = await conn.fetchrow(sql, *args)
    return dict(found) if found is not None else None


async def test_elevators_keep_the_newest_version_and_only_category_3000(
    app: FastAPI, settings: ServiceSettings, producer: AIOKafkaProducer
) -> None:
    lift = elevator_snapshot()
    code = lift["equipment_code"]
    crane = elevator_snapshot(equipment_code="4110" + code[4:], category="4000", variety="4110")
    v1 = snapshot_event("created", "equipment", lift, code)
    v2 = snapshot_event("updated", "equipment", {**lift, "version": 2, "lat": 36.6}, code)
    v3 = snapshot_event(
        "updated", "equipment", {**lift, "version": 3, "status": "suspended", "new_field": 1}, code
    )
    await publish(
        producer,
        settings,
        EQUIPMENT_TOPIC,
        snapshot_event("created", "equipment", crane, crane["equipment_code"]),
        v1,
        v3,
        v2,
        v1,
    )

    found = await eventually(
        lambda: row(app, "SELECT * FROM elevators WHERE equipment_code = $1", code),
        until=lambda r: r is not None and r["version"] == 3,
    )

    assert found is not None
    assert found["status"] == "suspended"
    assert found["lat"] == lift["lat"]  # v3 carries the first position; v2 came late and older
    assert found["rescue_code"] == lift["rescue_code"]  # 救援识别码, for 96333 calls
    assert (
        await row(app, "SELECT 1 FROM elevators WHERE equipment_code = $1", crane["equipment_code"])
        is None
    )


async def test_a_terminated_contract_replaces_its_elevators_and_its_end(
    app: FastAPI, settings: ServiceSettings, producer: AIOKafkaProducer
) -> None:
    company = uuid.uuid4()
    contract = contract_snapshot(company, ["3110" + "1" * 14, "3110" + "2" * 14])
    subject = contract["contract_id"]
    terminated = {
        **contract,
        "version": 2,
        "equipment_codes": ["3110" + "1" * 14],
        "status": "terminated",
        "terminated_on": "2026-12-31",
        "in_force_until": "2026-12-31",
    }
    await publish(
        producer,
        settings,
        CONTRACT_TOPIC,
        snapshot_event("created", "contract", contract, subject),
        snapshot_event("terminated", "contract", terminated, subject),
    )

    found = await eventually(
        lambda: row(app, "SELECT * FROM contracts WHERE contract_id = $1", uuid.UUID(subject)),
        until=lambda r: r is not None and r["version"] == 2,
    )

    assert found is not None
    assert found["equipment_codes"] == ["3110" + "1" * 14]
    async with app.state.database.connection() as conn:
        covered = await conn.fetch(
            "SELECT equipment_code, maintenance_company_id, in_force_until::text AS until "
            "FROM contract_elevators WHERE contract_id = $1",
            uuid.UUID(subject),
        )
    assert [dict(r) for r in covered] == [
        {"equipment_code": "3110" + "1" * 14, "maintenance_company_id": company,
         "until": "2026-12-31"}
    ]  # fmt: skip


async def test_certificates_are_kept_by_number(
    app: FastAPI, settings: ServiceSettings, producer: AIOKafkaProducer
) -> None:
    employer = uuid.uuid4()
    certificate = certificate_snapshot(employer)
    number = certificate["number"]
    renewed = {**certificate, "version": 2, "valid_to": "2031-01-01"}
    await publish(
        producer,
        settings,
        CERTIFICATE_TOPIC,
        snapshot_event("updated", "certificate", renewed, number),
        snapshot_event("created", "certificate", certificate, number),
    )

    found = await eventually(
        lambda: row(app, "SELECT * FROM certificates WHERE number = $1", number),
        until=lambda r: r is not None,
    )

    assert found is not None
    assert found["version"] == 2
    assert str(found["valid_to"]) == "2031-01-01"
    assert found["employer_id"] == employer
    assert found["item"] == "T"
