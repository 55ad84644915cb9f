"""Every equipment change is an event on `tzsb.registry.equipment`, keyed by equipment code."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

import registry_factories as make
from tzsb_common.signing import SigningKey
from tzsb_common.testing import TokenFactory, TopicReader


@pytest.fixture
def settings_overrides(test_signing_key: SigningKey) -> dict[str, Any]:
    return {"signing_key_pem": test_signing_key.to_pem().decode(), "run_background_workers": True}


async def test_register_and_change_are_published_in_order(
    client: httpx.AsyncClient, tokens: TokenFactory, topic_reader: TopicReader
) -> None:
    unit = (
        await client.post(
            "/api/v1/organisations", json=make.organisation(), headers=tokens.bureau()
        )
    ).json()["id"]
    body = make.elevator(unit)
    code = body["equipment_code"]
    assert (
        await client.post("/api/v1/equipment", json=body, headers=tokens.bureau())
    ).status_code == 201
    patched = await client.patch(
        f"/api/v1/equipment/{code}", json={"park": "秦川园区"}, headers=tokens.bureau()
    )
    assert patched.status_code == 200

    records = await topic_reader.read("tzsb.registry.equipment", count=2)
    assert [r.key for r in records] == [code.encode(), code.encode()]
    created, updated = (json.loads(r.value) for r in records)
    assert created["type"] == "tzsb.registry.equipment.created.v1"
    assert created["source"] == "registry"
    assert created["subject"] == code
    assert created["data"]["equipment"]["attributes"] == body["attributes"]
    assert created["data"]["equipment"]["use_unit_id"] == unit
    assert updated["type"] == "tzsb.registry.equipment.updated.v1"
    assert updated["data"]["changed_fields"] == ["park"]
    assert updated["data"]["equipment"]["park"] == "秦川园区"
    assert updated["data"]["equipment"]["version"] == 2

    organisation_events = await topic_reader.read("tzsb.registry.organisation", count=1)
    assert json.loads(organisation_events[0].value)["subject"] == unit


async def test_registration_and_status_changes_are_published_with_the_whole_record(
    client: httpx.AsyncClient, tokens: TokenFactory, topic_reader: TopicReader
) -> None:
    unit = (
        await client.post(
            "/api/v1/organisations", json=make.organisation(), headers=tokens.bureau()
        )
    ).json()["id"]
    body = make.elevator(unit)
    del body["registration_number"]
    code = body["equipment_code"]
    assert (
        await client.post("/api/v1/equipment", json=body, headers=tokens.bureau())
    ).status_code == 201
    registered = await client.post(
        f"/api/v1/equipment/{code}/registration",
        json={"registration_number": "梯11甘A00009(26)", "registered_on": "2026-02-01"},
        headers=tokens.bureau(),
    )
    assert registered.status_code == 200
    suspended = await client.post(
        f"/api/v1/equipment/{code}/status",
        json={"status": "suspended", "reason": "停用检修", "effective_on": "2026-03-01"},
        headers=tokens.bureau(),
    )
    assert suspended.status_code == 200

    records = await topic_reader.read("tzsb.registry.equipment", count=3)
    events = [json.loads(r.value) for r in records if r.key == code.encode()]
    assert [e["type"] for e in events] == [
        "tzsb.registry.equipment.created.v1",
        "tzsb.registry.equipment.registered.v1",
        "tzsb.registry.equipment.status_changed.v1",
    ]
    _, registration, status_change = events
    assert registration["data"]["registration_number"] == "梯11甘A00009(26)"
    assert registration["data"]["registered_on"] == "2026-02-01"
    assert registration["data"]["equipment"]["registration_number"] == "梯11甘A00009(26)"
    assert registration["data"]["equipment"]["version"] == 2
    assert status_change["data"]["from_status"] == "in_use"
    assert status_change["data"]["to_status"] == "suspended"
    assert status_change["data"]["reason"] == "停用检修"
    assert status_change["data"]["effective_on"] == "2026-03-01"
    # The whole record, as the registry holds it now: a replica needs nothing else.
    current = (await client.get(f"/api/v1/equipment/{code}", headers=tokens.bureau())).json()
    snapshot = status_change["data"]["equipment"]
    assert snapshot == {
        key: value for key, value in current.items() if key not in ("created_at", "updated_at")
    }
    assert snapshot["version"] == 3
