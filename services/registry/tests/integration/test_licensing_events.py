"""Licences, contracts and certificates are events on their compacted topics, each carrying the
whole record and its version; re-publishing sends the same events again."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

import licensing_factories as make
from registry.db import outbox
from registry.republish.service import republish_topic
from registry.settings import RegistrySettings
from tzsb_common.contracts.registry import CERTIFICATE_TOPIC, CONTRACT_TOPIC, LICENCE_TOPIC
from tzsb_common.db import async_url
from tzsb_common.outbox import Outbox
from tzsb_common.signing import SigningKey
from tzsb_common.testing import TokenFactory, TopicReader, eventually


@pytest.fixture
def settings_overrides(test_signing_key: SigningKey) -> dict[str, Any]:
    return {"signing_key_pem": test_signing_key.to_pem().decode(), "run_background_workers": True}


async def _write(client: httpx.AsyncClient, tokens: TokenFactory) -> dict[str, Any]:
    bureau = tokens.bureau()
    company = await make.organisation(client, tokens, "maintenance_company")
    use_unit = await make.organisation(client, tokens, "use_unit")
    licence = (
        await client.post("/api/v1/licences", json=make.licence(company), headers=bureau)
    ).json()
    suspended = await client.post(
        f"/api/v1/licences/{licence['id']}/suspend",
        json={"reason": "年度检查不合格", "effective_on": "2026-06-01"},
        headers=bureau,
    )
    assert suspended.status_code == 200
    codes = [await make.elevator(client, tokens, use_unit) for _ in range(2)]
    contract = (
        await client.post("/api/v1/contracts", json=make.contract(company, codes), headers=bureau)
    ).json()
    ended = await client.post(
        f"/api/v1/contracts/{contract['id']}/terminate",
        json={"terminated_on": "2026-08-31", "reason": "合同解除"},
        headers=bureau,
    )
    assert ended.status_code == 200
    certificate = make.certificate(company)
    assert (
        await client.post("/api/v1/certificates", json=certificate, headers=bureau)
    ).status_code == 201
    return {"company": company, "licence": licence, "contract": contract, "codes": codes,
            "certificate": certificate}  # fmt: skip


async def test_each_change_is_published_with_the_whole_record_and_its_version(
    client: httpx.AsyncClient, tokens: TokenFactory, topic_reader: TopicReader
) -> None:
    written = await _write(client, tokens)
    licence_id = written["licence"]["id"]

    licences = [json.loads(r.value) for r in await topic_reader.read(LICENCE_TOPIC, count=2)]
    assert [e["type"] for e in licences] == [
        "tzsb.registry.licence.created.v1",
        "tzsb.registry.licence.status_changed.v1",
    ]
    assert {e["subject"] for e in licences} == {licence_id}
    changed = licences[1]["data"]
    assert changed["action"] == "suspend"
    assert changed["reason"] == "年度检查不合格"
    assert changed["licence"]["status"] == "suspended"
    assert changed["licence"]["scope"] == ["3000"]
    assert changed["licence"]["version"] == 2

    contracts = [json.loads(r.value) for r in await topic_reader.read(CONTRACT_TOPIC, count=2)]
    assert [e["type"] for e in contracts] == [
        "tzsb.registry.contract.created.v1",
        "tzsb.registry.contract.terminated.v1",
    ]
    terminated = contracts[1]["data"]["contract"]
    assert terminated["equipment_codes"] == sorted(written["codes"])
    assert terminated["maintenance_company_id"] == written["company"]
    assert terminated["in_force_until"] == "2026-08-31"
    assert terminated["version"] == 2

    records = await topic_reader.read(CERTIFICATE_TOPIC, count=1)
    certificate = written["certificate"]
    assert records[0].key == certificate["number"].encode()
    event = json.loads(records[0].value)
    assert event["data"]["certificate"] == {
        "number": certificate["number"],
        "holder_name": certificate["holder_name"],
        "item": "T",
        "employer_id": written["company"],
        "valid_from": certificate["valid_from"],
        "valid_to": certificate["valid_to"],
        "version": 1,
    }
    # The identity number never leaves the registry in an event, whole or in part.
    assert certificate["id_number"][6:14] not in records[0].value.decode()


async def test_republishing_sends_the_original_events_again(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory, topic_reader: TopicReader
) -> None:
    await _write(client, tokens)
    settings: RegistrySettings = app.state.settings
    engine = create_async_engine(async_url(settings.database_url))

    async def unsent() -> int:
        async with engine.connect() as conn:
            query = select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
            return await conn.scalar(query) or 0

    try:
        await eventually(unsent, until=lambda n: n == 0)
        # Every event was published: a suspended licence, a terminated contract, a certificate.
        for topic, published in ((LICENCE_TOPIC, 2), (CONTRACT_TOPIC, 2), (CERTIFICATE_TOPIC, 1)):
            originals = [
                json.loads(r.value) for r in await topic_reader.read(topic, count=published)
            ]
            assert len(originals) == published, topic
            queued = await republish_topic(
                app.state.session_factory, Outbox(outbox, settings), topic=topic, batch_size=1
            )
            assert queued == 1, topic
            records = await topic_reader.read(topic, count=len(originals) + 1)
            events = [json.loads(r.value) for r in records]
            assert len(events) == len(originals) + 1, topic
            # The latest state went out again as the same event (id, subject, data); its time
            # is the record's, as republishing reads it, since the relay deleted the original
            # row when it sent it.
            assert {**events[-1], "time": None} == {**originals[-1], "time": None}, topic
    finally:
        await engine.dispose()
