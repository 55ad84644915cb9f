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
