"""Versioned definitions (指标口径): every figure names the version it was computed by, a
published period is stored as answered, and a new version with a later valid-from changes the
periods that end after it while an earlier period still comes out as it was published."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from reporting_factories import created, elevator, every, fetch_value, publish, visit
from tzsb_common.auth import CallerKind
from tzsb_common.settings import ServiceSettings
from tzsb_common.testing import TokenFactory, eventually

URL = "/api/v1/indicators/elevators"
Q1 = {"period_start": "2026-01-01", "period_end": "2026-03-31", "park": "秦川园区"}
Q3 = {"period_start": "2026-07-01", "period_end": "2026-09-30", "park": "秦川园区"}
FIRST_VERSIONS = dict.fromkeys(
    [
        "record_completeness",
        "registration",
        "inspection",
        "contract_validity",
        "swipe_maintenance",
        "on_time_maintenance",
        "emergency_platform",
        "label",
    ],
    1,
)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"run_background_workers": True, "report_cache_seconds": 0}


async def test_a_past_period_keeps_its_definition_after_a_new_version_takes_effect(
    app: FastAPI,
    client: httpx.AsyncClient,
    settings: ServiceSettings,
    tokens: TokenFactory,
    producer: AIOKafkaProducer,
) -> None:
    lift = elevator("秦川园区")
    company = uuid.uuid4()
    # A visit every 12 days all year: on time under 15 days between visits, late under 10.
    days = every(date(2026, 1, 1), 12, date(2026, 9, 30))
    await publish(
        producer,
        settings,
        created(lift),
        *(visit(lift.equipment_code, company, day) for day in days),
    )
    # Equipment and visits travel on two topics, applied by two consumers.
    await eventually(
        lambda: fetch_value(
            app, "SELECT (SELECT count(*) FROM visits) + (SELECT count(*) FROM equipment)"
        ),
        until=lambda n: n == len(days) + 1,
    )

    published = await client.post(
        f"{URL}/publications",
        json={key: Q1[key] for key in ("period_start", "period_end", "park")},
        headers=tokens.bureau(),
    )
    assert published.status_code == 201, published.text
    publication = published.json()
    assert publication["definition_versions"] == FIRST_VERSIONS
    assert publication["figures"]["rates"]["on_time_maintenance"] == 100.0
    assert publication["figures"]["definition_versions"] == FIRST_VERSIONS

    # The bureau tightens the on-time rule from the third quarter, as a migration would.
    async with app.state.database.connection() as conn:
        await conn.execute(
            "INSERT INTO indicator_definitions (indicator, version, valid_from, name, formula, "
            "parameters) VALUES ('on_time_maintenance', 2, '2026-07-01', '按期维保率', "
            "'相邻两次维保间隔均不超过 10 日', $1::jsonb)",
            {"interval_days": 10},  # the pool encodes jsonb itself
        )

    q1 = await client.get(URL, params=Q1, headers=tokens.bureau())
    q3 = await client.get(URL, params=Q3, headers=tokens.bureau())

    assert q1.status_code == 200, q1.text
    assert q1.json() == publication["figures"]
    assert q3.status_code == 200, q3.text
    assert q3.json()["rates"]["on_time_maintenance"] == 0.0
    assert q3.json()["rates"]["swipe_maintenance"] == 100.0
    assert q3.json()["definition_versions"] == {**FIRST_VERSIONS, "on_time_maintenance": 2}
    stored = await client.get(
        f"{URL}/publications/{publication['publication_id']}", headers=tokens.bureau()
    )
    assert stored.status_code == 200
    assert stored.json() == publication
    listed = await client.get(f"{URL}/publications", headers=tokens.bureau())
    assert [p["publication_id"] for p in listed.json()["items"]] == [publication["publication_id"]]
    definitions = await client.get("/api/v1/indicators/definitions", headers=tokens.bureau())
    on_time = [d for d in definitions.json()["items"] if d["indicator"] == "on_time_maintenance"]
    assert [(d["version"], d["valid_from"], d["parameters"]) for d in on_time] == [
        (1, "1990-01-01", {"interval_days": 15}),
        (2, "2026-07-01", {"interval_days": 10}),
    ]


async def test_only_the_bureau_publishes_and_a_reversed_period_is_refused(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    body = {"period_start": "2026-03-31", "period_end": "2026-01-01"}
    refused = await client.post(
        f"{URL}/publications", json=body, headers=tokens.headers(CallerKind.government_system)
    )
    reversed_period = await client.post(f"{URL}/publications", json=body, headers=tokens.bureau())
    missing = await client.get(f"{URL}/publications/{uuid.uuid4()}", headers=tokens.bureau())

    assert refused.status_code == 403
    assert reversed_period.status_code == 422
    assert reversed_period.json()["errors"][0]["code"] == "period_end_before_start"
    assert missing.status_code == 404
