"""Every supervision-staff write is an event on `tzsb.registry.staff`, keyed by the staff id,
written in the write's own transaction."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from registry.db import outbox
from tzsb_common.contracts.registry import STAFF_TOPIC
from tzsb_common.signing import SigningKey
from tzsb_common.testing import TokenFactory, TopicReader

REGION = {"province": "甘肃省", "city": "兰州市", "district": "兰州新区"}


@pytest.fixture
def settings_overrides(test_signing_key: SigningKey) -> dict[str, Any]:
    return {"signing_key_pem": test_signing_key.to_pem().decode(), "run_background_workers": True}


def _inspector(number: str) -> dict[str, Any]:
    return {
        "name": "张伟",
        "region": {**REGION, "park": "秦川园区"},
        "supervision_body": "秦川园区市场监督管理局",
        "certificate_number": number,
        "certificate_level": "B",
    }


async def test_entry_and_changes_are_published_with_the_whole_record(
    client: httpx.AsyncClient, tokens: TokenFactory, topic_reader: TopicReader
) -> None:
    bureau = tokens.bureau()
    created = await client.post("/api/v1/staff", json=_inspector("JC-EV-0001"), headers=bureau)
    assert created.status_code == 201, created.text
    staff_id = created.json()["id"]
    path = f"/api/v1/staff/{staff_id}"
    # Moved out of the park to the new area's bureau, and off duty.
    moved = await client.patch(
        path,
        json={"region": REGION, "supervision_body": "兰州新区市场监督管理局", "active": False},
        headers=bureau,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["region"]["park"] is None
    # The same values again are no change, and no event.
    again = await client.patch(path, json={"active": False}, headers=bureau)
    assert again.status_code == 200
    assert again.headers["etag"] == '"v2"'

    records = await topic_reader.read(STAFF_TOPIC, count=2)
    assert [r.key for r in records] == [staff_id.encode()] * 2
    first, changed = (json.loads(r.value) for r in records)
    assert first["type"] == "tzsb.registry.staff.created.v1"
    assert changed["type"] == "tzsb.registry.staff.updated.v1"
    assert changed["subject"] == staff_id
    assert changed["data"]["changed_fields"] == ["active", "region", "supervision_body"]
    for event, answer in ((first, created), (changed, moved)):
        record = answer.json()
        assert event["data"]["staff"] == {"staff_id": record.pop("id"), **record}
    assert [e["data"]["staff"]["version"] for e in (first, changed)] == [1, 2]


async def test_a_refused_write_publishes_nothing(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    bureau = tokens.bureau()
    taken = await client.post("/api/v1/staff", json=_inspector("JC-EV-0002"), headers=bureau)
    assert taken.status_code == 201
    async with app.state.engine.connect() as conn:
        before = await conn.scalar(select(func.count()).select_from(outbox))

    twice = await client.post("/api/v1/staff", json=_inspector("JC-EV-0002"), headers=bureau)
    half = await client.patch(
        f"/api/v1/staff/{taken.json()['id']}",
        json={"certificate_number": None},
        headers=bureau,
    )

    assert (twice.status_code, half.status_code) == (422, 422)
    async with app.state.engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(outbox)) == before
