"""`tzsb reporting rebuild` with the real registry: records whose events the broker no longer
holds come back through the registry's re-publishing, sent by its own relay."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI

from registry.main import create_app as create_registry_app
from registry.organisations.rules import CREDIT_CODE_ALPHABET, credit_code_check_character
from registry.settings import RegistrySettings
from reporting.settings import ReportingSettings
from tzsb_common.contracts.registry import EQUIPMENT_TOPIC, ORGANISATION_TOPIC, STAFF_TOPIC
from tzsb_common.kafka import stop_quietly
from tzsb_common.signing import SigningKey
from tzsb_common.testing import DatabaseFactory, TokenFactory, eventually
from tzsb_platform.reporting import rebuild
from tzsb_platform.services import REGISTRY

REGISTRY_TABLES = ("organisations", "equipment", "staff")


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"run_background_workers": True}


@pytest.fixture
async def registry(
    settings: ReportingSettings,
    database_factory: DatabaseFactory,
    test_signing_key: SigningKey,
    tmp_path: Path,
) -> AsyncIterator[tuple[RegistrySettings, httpx.AsyncClient]]:
    """The registry on its own database, publishing to the test's topics."""
    name = await database_factory.clone(REGISTRY.migrations_dir)
    registry_settings = RegistrySettings(
        environment="test",
        database_url=database_factory.url(name),
        database_pool_size=5,
        kafka_bootstrap_servers=settings.kafka_bootstrap_servers,
        kafka_idempotence=settings.kafka_idempotence,
        kafka_topic_prefix=settings.kafka_topic_prefix,
        kafka_consumer_group=f"{settings.kafka_topic_prefix}registry",
        kafka_topic_partitions=3,
        jwks_json=settings.jwks_json,
        signing_key_pem=test_signing_key.to_pem().decode(),
        state_dir=tmp_path / "registry",
        outbox_poll_interval_s=0.2,
        log_json=False,
    )
    app = create_registry_app(registry_settings)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://registry") as c:
                yield registry_settings, c
    finally:
        await database_factory.drop(name)


def _credit_code() -> str:
    body = "91620100" + "".join(random.choice(CREDIT_CODE_ALPHABET) for _ in range(9))
    return body + credit_code_check_character(body)


async def _rows(app: FastAPI) -> dict[str, list[tuple[Any, ...]]]:
    async with app.state.database.connection() as conn:
        return {
            table: sorted(
                tuple(row.values())
                for row in await conn.fetch(f"SELECT * FROM {table}")  # noqa: S608
            )
            for table in REGISTRY_TABLES
        }


def _without_applied_at(state: dict[str, list[tuple[Any, ...]]]) -> dict[str, Any]:
    # updated_at (the last column) says when a row was applied, not what it holds.
    return {table: [row[:-1] for row in rows] for table, rows in state.items()}


async def test_the_command_rebuilds_from_the_registrys_republishing(
    app: FastAPI,
    settings: ReportingSettings,
    registry: tuple[RegistrySettings, httpx.AsyncClient],
    test_signing_key: SigningKey,
) -> None:
    registry_settings, client = registry
    bureau = TokenFactory(test_signing_key, registry_settings).bureau()
    unit = await client.post(
        "/api/v1/organisations",
        json={
            "credit_code": _credit_code(),
            "name": "兰州新区测试使用单位",
            "kind": "use_unit",
            "region": {"province": "甘肃省", "city": "兰州市", "district": "兰州新区"},
            "address": "兰州新区中川园区纬一路 1 号",
        },
        headers=bureau,
    )
    assert unit.status_code == 201, unit.text
    for number in range(2):
        lift = await client.post(
            "/api/v1/equipment",
            json={
                "equipment_code": f"3110{random.randrange(10**14):014d}",
                "category": "3000",
                "variety": "3110",
                "use_unit_id": unit.json()["id"],
                "region": {"province": "甘肃省", "city": "兰州市", "district": "兰州新区"},
                "park": "中川园区",
                "registration_number": f"梯11甘A0000{number}(26)",
                "manufacturer": "兰州电梯制造有限公司",
                "factory_number": f"F2026-000{number}",
                "manufactured_on": "2025-06-01",
                "commissioned_on": "2026-01-15",
                "address": "兰州新区中川园区纬一路 1 号",
                "lat": 36.51,
                "lon": 103.62,
                "attributes": {"rated_load_kg": 1000, "rated_speed_ms": 1.75, "stops": 18},
                "rescue_code": "62010012345",
                "rescue_sign_posted": True,
            },
            headers=bureau,
        )
        assert lift.status_code == 201, lift.text
    inspector = await client.post(
        "/api/v1/staff",
        json={
            "name": "刘洋",
            "region": {"province": "甘肃省", "city": "兰州市", "district": "兰州新区"},
            "supervision_body": "兰州新区市场监督管理局",
            "certificate_number": "JC-REBUILD-0001",
            "certificate_level": "A",
        },
        headers=bureau,
    )
    assert inspector.status_code == 201, inspector.text
    live = await eventually(
        lambda: _rows(app),
        until=lambda state: (
            len(state["organisations"]) == 1
            and len(state["equipment"]) == 2
            and len(state["staff"]) == 1
        ),
    )
    # The broker lost these topics: only the registry can say what they held.
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        gone = [settings.topic(t) for t in (ORGANISATION_TOPIC, EQUIPMENT_TOPIC, STAFF_TOPIC)]
        await admin.delete_topics(gone)
        await eventually(admin.list_topics, until=lambda names: not set(gone) & set(names))
    finally:
        await stop_quietly(admin)

    report = await rebuild(settings, registry_settings, timeout_s=120)

    assert report.rows["organisations"] == 1
    assert report.rows["equipment"] == 2
    assert report.rows["staff"] == 1
    assert _without_applied_at(await _rows(app)) == _without_applied_at(live)
