"""Kafka going away loses nothing: writes are accepted, and everything flows once it is back.

These tests stop and start the session's broker, so they need one that keeps its data.
"""

from __future__ import annotations

import json
from collections import defaultdict

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from machinery_support import THINGS_TOPIC, applied, new_subject
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TestInfra, TokenFactory, TopicReader, eventually

pytestmark = pytest.mark.restarts_broker


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"run_background_workers": True, "consumer_stall_timeout_s": 10.0}


@pytest.fixture(autouse=True)
def _needs_restartable_broker(tzsb_infra: TestInfra) -> None:
    if not tzsb_infra.broker_restartable:
        pytest.skip("the broker in use loses its data on restart")


async def _applied_seqs(app: FastAPI) -> dict[str, list[int]]:
    async with app.state.engine.connect() as conn:
        rows = (
            await conn.execute(select(applied.c.subject, applied.c.seq).order_by(applied.c.id))
        ).all()
    by_subject: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        by_subject[row.subject].append(row.seq)
    return by_subject


async def _count_applied(app: FastAPI) -> int:
    async with app.state.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(applied)) or 0)


async def test_writes_accepted_while_kafka_is_down_all_arrive_in_order_and_apply_once(
    app: FastAPI,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    tzsb_infra: TestInfra,
    topic_reader: TopicReader,
) -> None:
    headers = tokens.headers(CallerKind.bureau)
    subjects = [new_subject() for _ in range(4)]
    first = await client.post(
        "/api/v1/things", json={"subject": subjects[0], "seq": 0}, headers=headers
    )
    assert first.status_code == 201
    await eventually(lambda: _count_applied(app), until=lambda n: n == 1)

    await tzsb_infra.stop_broker()
    try:
        for seq in range(1, 11):
            for subject in subjects:
                response = await client.post(
                    "/api/v1/things", json={"subject": subject, "seq": seq}, headers=headers
                )
                assert response.status_code == 201
    finally:
        await tzsb_infra.start_broker()

    by_subject = await eventually(
        lambda: _applied_seqs(app),
        until=lambda seqs: sum(len(v) for v in seqs.values()) >= 41,
        timeout_s=90,
    )
    assert by_subject[subjects[0]] == list(range(0, 11))
    for subject in subjects[1:]:
        assert by_subject[subject] == list(range(1, 11))

    records = await topic_reader.read(THINGS_TOPIC, count=41)
    on_topic: dict[str, list[int]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        document = json.loads(record.value)
        on_topic[document["subject"]].append(document["data"]["seq"])
    for subject in subjects:
        seqs = on_topic[subject]
        # At least once: a retry may repeat a row, but never out of order.
        assert sorted(set(seqs)) == by_subject[subject]
        assert seqs == sorted(seqs)


async def test_relay_and_consumer_recover_by_themselves_after_a_broker_restart(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory, tzsb_infra: TestInfra
) -> None:
    headers = tokens.headers(CallerKind.bureau)
    subject = new_subject()
    await client.post("/api/v1/things", json={"subject": subject, "seq": 1}, headers=headers)
    await eventually(lambda: _count_applied(app), until=lambda n: n == 1)

    await tzsb_infra.stop_broker()
    await tzsb_infra.start_broker()

    await client.post("/api/v1/things", json={"subject": subject, "seq": 2}, headers=headers)
    seqs = await eventually(
        lambda: _applied_seqs(app), until=lambda s: len(s[subject]) == 2, timeout_s=90
    )
    assert seqs[subject] == [1, 2]
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
