"""Every organisation change is an event on `tzsb.registry.organisation`, keyed by its id."""

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


async def test_a_correction_is_published_with_the_whole_organisation(
    client: httpx.AsyncClient, tokens: TokenFactory, topic_reader: TopicReader
) -> None:
    created = await client.post(
        "/api/v1/organisations", json=make.organisation(), headers=tokens.bureau()
    )
    unit = created.json()["id"]
    changed = await client.patch(
        f"/api/v1/organisations/{unit}",
        json={"name": "兰州新区更名后的使用单位", "address": "兰州新区经二路 8 号"},
        headers=tokens.bureau(),
    )
    assert changed.status_code == 200, changed.text
    # The same values again are no change, and no event.
    again = await client.patch(
        f"/api/v1/organisations/{unit}",
        json={"name": "兰州新区更名后的使用单位"},
        headers=tokens.bureau(),
    )
    assert again.status_code == 200
    moved = await client.patch(
        f"/api/v1/organisations/{unit}",
        json={"region": {"province": "甘肃省", "city": "兰州市", "district": "城关区"}},
        headers=tokens.bureau(),
    )
    assert moved.status_code == 200

    records = await topic_reader.read("tzsb.registry.organisation", count=3)
    assert [r.key for r in records] == [unit.encode()] * 3
    first, updated, last = (json.loads(r.value) for r in records)
    assert [e["data"]["organisation"]["version"] for e in (first, updated, last)] == [1, 2, 3]
    assert last["data"]["changed_fields"] == ["region"]
    assert last["data"]["organisation"]["region"]["district"] == "城关区"
    assert first["type"] == "tzsb.registry.organisation.created.v1"
    assert updated["type"] == "tzsb.registry.organisation.updated.v1"
    assert updated["subject"] == unit
    assert updated["data"]["changed_fields"] == ["address", "name"]
    assert updated["data"]["organisation"] == {
        "organisation_id": unit,
        **{key: value for key, value in changed.json().items() if key not in ("id", "created_at")},
    }
