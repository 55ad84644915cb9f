"""Stations, filling licences and certificates follow the registry's topics through Kafka: the
newest version wins, redelivery is harmless, and other kinds of records are left out."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from cylinder_factories import (
    certificate,
    event_of,
    licence,
    registry_events,
    seed_registry,
    station,
)
from tzsb_common.contracts.registry import LicenceStatusChangedV1, OrganisationCreatedV1
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


TOPICS = {
    "tzsb.registry.organisation": "tzsb.registry.organisation",
    "tzsb.registry.licence": "tzsb.registry.licence",
    "tzsb.registry.certificate": "tzsb.registry.certificate",
}


async def publish(
    producer: AIOKafkaProducer, settings: ServiceSettings, *events: CloudEvent
) -> None:
    for event in events:
        topic = ".".join(event.type.split(".")[:3])
        await producer.send(
            settings.topic(TOPICS[topic]), event.to_json_bytes(), key=event.subject.encode()
        )
    await producer.flush()


async def row(app: FastAPI, sql: str, key: Any) -> dict[str, Any] | None:
    async with app.state.database.connection() as conn:
        found = await conn.fetchrow(sql, key)
    return dict(found) if found is not None else None


async def test_stations_licences_and_certificates_are_kept_from_the_registry(
    app: FastAPI, settings: ServiceSettings, producer: AIOKafkaProducer
) -> None:
    station_id = uuid.uuid4()
    filling = licence(station_id, scope=["LPG", "H2"])
    suspended = filling.model_copy(
        update={"status": "suspended", "status_changed_on": date(2026, 11, 1), "version": 2}
    )
    filler = certificate(station_id)
    suspension = event_of(
        LicenceStatusChangedV1(
            licence=suspended, action="suspend", reason="整改", effective_on=date(2026, 11, 1)
        ),
        str(filling.licence_id),
    )
    events = registry_events([station(station_id)], [filling], [filler])
    # The suspension before the licence it changes, and the station twice (a redelivery).
    await publish(producer, settings, suspension, *events, events[0])

    held = await eventually(
        lambda: row(
            app, "SELECT * FROM filling_licences WHERE licence_id = $1", filling.licence_id
        ),
        until=lambda r: r is not None,
    )
    kept_station = await eventually(
        lambda: row(app, "SELECT * FROM stations WHERE organisation_id = $1", station_id),
        until=lambda r: r is not None,
    )
    kept_certificate = await eventually(
        lambda: row(app, "SELECT * FROM certificates WHERE number = $1", filler.number),
        until=lambda r: r is not None,
    )

    assert held is not None
    assert kept_station is not None
    assert kept_certificate is not None
    assert (held["status"], held["version"], held["scope"]) == ("suspended", 2, ["LPG", "H2"])
    assert held["status_changed_on"] == date(2026, 11, 1)
    assert kept_certificate["item"] == "P"
    assert kept_certificate["employer_id"] == station_id

    renamed = station(station_id, name="兰州新区氢能充装站", version=2)
    await publish(
        producer,
        settings,
        event_of(OrganisationCreatedV1(organisation=renamed), str(station_id)),
    )
    kept_station = await eventually(
        lambda: row(app, "SELECT * FROM stations WHERE organisation_id = $1", station_id),
        until=lambda r: r is not None and r["version"] == 2,
    )
    assert kept_station is not None
    assert kept_station["name"] == "兰州新区氢能充装站"


async def test_other_organisations_and_licences_are_left_out(app: FastAPI) -> None:
    use_unit = station(kind="use_unit")
    maintenance_licence = licence(uuid.uuid4(), kind="maintenance", scope=["3000"])
    filling_station = station()

    await seed_registry(
        app, registry_events([use_unit, filling_station], [maintenance_licence], [])
    )

    assert await row(app, "SELECT * FROM stations WHERE organisation_id = $1",
                     use_unit.organisation_id) is None  # fmt: skip
    assert await row(app, "SELECT * FROM stations WHERE organisation_id = $1",
                     filling_station.organisation_id) is not None  # fmt: skip
    assert await row(app, "SELECT * FROM filling_licences WHERE licence_id = $1",
                     maintenance_licence.licence_id) is None  # fmt: skip
