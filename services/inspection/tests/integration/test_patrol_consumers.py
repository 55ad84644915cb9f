"""What the patrol reads arrives through Kafka: contract events fill the contract replica,
registration and status changes reach the equipment replica, hazard signals and rescues are
noted as signs of use, and organisations fill the replica orders are addressed from."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from inspection_factories import (
    contract,
    equipment_code,
    equipment_event,
    hazard_signal,
    organisation,
    rescue_dispatched,
    snapshot,
)
from tzsb_common.contracts.hazard import HAZARD_TOPIC, HazardSignalV1
from tzsb_common.contracts.registry import (
    CONTRACT_TOPIC,
    EQUIPMENT_TOPIC,
    ORGANISATION_TOPIC,
    ContractCreatedV1,
    ContractSnapshot,
    OrganisationCreatedV1,
    OrganisationSnapshot,
)
from tzsb_common.contracts.rescue import RESCUE_TOPIC, RescueAcknowledgedV1, RescueDispatchedV1
from tzsb_common.events import CloudEvent, snapshot_event_id
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
    producer: AIOKafkaProducer, settings: ServiceSettings, topic: str, event: CloudEvent
) -> None:
    await producer.send(settings.topic(topic), event.to_json_bytes(), key=event.subject.encode())
    await producer.flush()


async def fetch_one(app: FastAPI, statement: str, *args: Any) -> dict[str, Any] | None:
    async with app.state.database.connection() as conn:
        row = await conn.fetchrow(statement, *args)
    return dict(row) if row is not None else None


def status_changed(equipment: dict[str, Any], to_status: str) -> CloudEvent:
    event_type = "tzsb.registry.equipment.status_changed.v1"
    return CloudEvent(
        id=snapshot_event_id(event_type, equipment["equipment_code"], equipment["version"]),
        source="registry",
        type=event_type,
        subject=equipment["equipment_code"],
        data={
            "equipment": {**equipment, "status": to_status},
            "from_status": "in_use",
            "to_status": to_status,
            "reason": "报废",
            "effective_on": "2026-11-20",
        },
    )


async def test_contracts_status_changes_and_signals_arrive_through_the_bus(
    app: FastAPI, settings: ServiceSettings, producer: AIOKafkaProducer
) -> None:
    elevator = snapshot()
    code = elevator["equipment_code"]
    entered = contract(code)
    unknown = equipment_code()

    await publish(producer, settings, EQUIPMENT_TOPIC, equipment_event(elevator))
    await publish(
        producer,
        settings,
        CONTRACT_TOPIC,
        ContractCreatedV1(contract=ContractSnapshot.model_validate(entered)).to_event(
            source="registry", subject=entered["contract_id"]
        ),
    )
    await publish(
        producer,
        settings,
        HAZARD_TOPIC,
        HazardSignalV1.model_validate(hazard_signal(equipment_code=unknown)).to_event(
            source="reporting", subject=unknown
        ),
    )
    await publish(
        producer, settings, EQUIPMENT_TOPIC, status_changed({**elevator, "version": 2}, "scrapped")
    )

    covered = await eventually(
        lambda: fetch_one(
            app, "SELECT contract_id FROM contract_elevators WHERE equipment_code = $1", code
        )
    )
    sighting = await eventually(
        lambda: fetch_one(
            app,
            "SELECT source, last_reference FROM unregistered_sightings WHERE equipment_code = $1",
            unknown,
        )
    )
    scrapped = await eventually(
        lambda: fetch_one(app, "SELECT status FROM equipment WHERE equipment_code = $1", code),
        until=lambda row: row is not None and row["status"] == "scrapped",
    )

    assert covered is not None
    assert str(covered["contract_id"]) == entered["contract_id"]
    assert sighting == {"source": "hazard_signal", "last_reference": "complaint"}
    assert scrapped == {"status": "scrapped"}


async def test_organisations_and_rescues_arrive_through_the_bus(
    app: FastAPI, settings: ServiceSettings, producer: AIOKafkaProducer
) -> None:
    unit = organisation()
    rescued = equipment_code()
    dispatched = rescue_dispatched(rescued, source="monitoring_alarm")
    acknowledged = RescueAcknowledgedV1(
        incident_id=dispatched["incident_id"],
        equipment_code=rescued,
        maintenance_company_id=None,
        dispatched_at=dispatched["dispatched_at"],
        acknowledged_at="2026-11-22T09:02:00+08:00",
        within_limit=True,
    )

    await publish(
        producer,
        settings,
        ORGANISATION_TOPIC,
        OrganisationCreatedV1(organisation=OrganisationSnapshot.model_validate(unit)).to_event(
            source="registry", subject=unit["organisation_id"]
        ),
    )
    for payload in (RescueDispatchedV1.model_validate(dispatched), acknowledged):
        await publish(
            producer,
            settings,
            RESCUE_TOPIC,
            payload.to_event(source="elevator-maintenance", subject=rescued),
        )

    named = await eventually(
        lambda: fetch_one(
            app,
            "SELECT name, credit_code FROM organisations WHERE organisation_id = $1::uuid",
            unit["organisation_id"],
        )
    )
    sighting = await eventually(
        lambda: fetch_one(
            app,
            "SELECT source, times_seen FROM unregistered_sightings WHERE equipment_code = $1",
            rescued,
        )
    )

    assert named == {"name": unit["name"], "credit_code": unit["credit_code"]}
    # The acknowledgement of the same incident is skipped: one sighting per incident.
    assert sighting == {"source": "monitoring_alarm", "times_seen": 1}
