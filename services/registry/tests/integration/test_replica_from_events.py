"""A consumer that knows the registry only from its events holds what the registry holds.

Every registry topic carries the whole record after each change with a per-record version, so
the latest event of each subject is the record: folded that way, the six topics must give back
every record of the register exactly as the registry answers it over HTTP now — after creation,
patches, registration, status transitions, suspension, termination and renewal.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

import licensing_factories as make_licensing
from registry.certificates.tables import personnel_certificates
from registry.contracts.tables import maintenance_contracts
from registry.db import outbox
from registry.equipment.tables import equipment
from registry.licences.tables import licences
from registry.organisations.tables import organisations
from registry.staff.tables import supervision_staff
from tzsb_common.contracts.registry import (
    CERTIFICATE_TOPIC,
    CONTRACT_TOPIC,
    EQUIPMENT_TOPIC,
    LICENCE_TOPIC,
    ORGANISATION_TOPIC,
    STAFF_TOPIC,
)
from tzsb_common.testing import TokenFactory, TopicReader, eventually

# topic → (the field of the event's data holding the record, where the registry answers it)
REGISTER = {
    EQUIPMENT_TOPIC: ("equipment", "/api/v1/equipment/{}"),
    ORGANISATION_TOPIC: ("organisation", "/api/v1/organisations/{}"),
    LICENCE_TOPIC: ("licence", "/api/v1/licences/{}"),
    CONTRACT_TOPIC: ("contract", "/api/v1/contracts/{}"),
    CERTIFICATE_TOPIC: ("certificate", "/api/v1/certificates/{}"),
    STAFF_TOPIC: ("staff", "/api/v1/staff/{}"),
}

# Where an event names a field differently from the HTTP answer (both are contracts).
# Each snapshot names its own id after the record (`licence_id`), since it travels alone.
EVENT_NAMES = {
    ORGANISATION_TOPIC: {"id": "organisation_id"},
    LICENCE_TOPIC: {"id": "licence_id"},
    CONTRACT_TOPIC: {"id": "contract_id"},
    STAFF_TOPIC: {"id": "staff_id"},
}

# What an HTTP answer carries that events deliberately do not: bookkeeping times, and the
# holder's identity number, which must never travel on a topic every service reads.
NOT_IN_EVENTS = {"created_at", "updated_at", "id_number"}
# A staff record has no date of its own: its entry time travels, for the yearly count of
# table 1, and so the whole record does.
NOT_IN_EVENTS_OF = {STAFF_TOPIC: frozenset[str]()}


@pytest.fixture
def settings_overrides(test_signing_key: Any) -> dict[str, Any]:
    # Sent events are kept, to compare what was written with what the topics hold.
    return {
        "signing_key_pem": test_signing_key.to_pem().decode(),
        "run_background_workers": True,
        "outbox_retention_hours": 1,
    }


async def _post(client: httpx.AsyncClient, path: str, body: Any, headers: Any) -> Any:
    answer = await client.post(path, json=body, headers=headers)
    assert answer.status_code in (200, 201), (path, answer.text)
    return answer.json()


async def _write_a_varied_register(client: httpx.AsyncClient, tokens: TokenFactory) -> None:
    bureau = tokens.bureau()
    unit = await make_licensing.organisation(client, tokens, "use_unit")
    other_unit = await make_licensing.organisation(client, tokens, "use_unit")
    renamed = await client.patch(
        f"/api/v1/organisations/{other_unit}",
        json={"name": "兰州新区更名后的使用单位"},
        headers=bureau,
    )
    assert renamed.status_code == 200, renamed.text
    company = await make_licensing.organisation(client, tokens, "maintenance_company")
    station = await make_licensing.organisation(client, tokens, "filling_station")

    codes = [await make_licensing.elevator(client, tokens, unit) for _ in range(4)]
    unregistered = await make_licensing.elevator(
        client, tokens, other_unit, registration_number=None
    )
    await _post(
        client,
        f"/api/v1/equipment/{unregistered}/registration",
        {"registration_number": "梯11甘A00999(26)", "registered_on": "2026-02-01"},
        bureau,
    )
    moved = await client.patch(
        f"/api/v1/equipment/{codes[0]}", json={"park": "秦川园区"}, headers=bureau
    )
    assert moved.status_code == 200, moved.text
    for status, effective_on in [("suspended", "2026-03-01"), ("in_use", "2026-04-01")]:
        await _post(
            client,
            f"/api/v1/equipment/{codes[1]}/status",
            {"status": status, "reason": "维修后恢复使用", "effective_on": effective_on},
            bureau,
        )
    for status, effective_on in [("scrapped", "2026-05-01"), ("deregistered", "2026-05-10")]:
        await _post(
            client,
            f"/api/v1/equipment/{codes[3]}/status",
            {"status": status, "reason": "达到设计使用年限", "effective_on": effective_on},
            bureau,
        )

    maintenance = await _post(client, "/api/v1/licences", make_licensing.licence(company), bureau)
    filling = await _post(
        client,
        "/api/v1/licences",
        make_licensing.licence(station, kind="filling", scope=["LPG", "O2"]),
        bureau,
    )
    await _post(
        client,
        f"/api/v1/licences/{filling['id']}/suspend",
        {"reason": "充装前检查记录缺失", "effective_on": "2026-06-01"},
        bureau,
    )
    await _post(
        client,
        f"/api/v1/licences/{filling['id']}/reinstate",
        {"reason": "整改完成", "effective_on": "2026-06-20"},
        bureau,
    )
    assert maintenance["status"] == "active"

    ended = await _post(
        client,
        "/api/v1/contracts",
        make_licensing.contract(company, [codes[0]], valid_to="2026-06-30"),
        bureau,
    )
    await _post(
        client,
        f"/api/v1/contracts/{ended['id']}/terminate",
        {"terminated_on": "2026-05-31", "reason": "合同解除"},
        bureau,
    )
    await _post(
        client,
        "/api/v1/contracts",
        make_licensing.contract(company, [codes[1], codes[2]], maintenance_interval_days=30),
        bureau,
    )

    worker = make_licensing.certificate(company)
    await _post(client, "/api/v1/certificates", worker, bureau)
    await _post(
        client, "/api/v1/certificates", make_licensing.certificate(station, item="P"), bureau
    )
    renewed = await client.patch(
        f"/api/v1/certificates/{worker['number']}", json={"valid_to": "2030-12-31"}, headers=bureau
    )
    assert renewed.status_code == 200, renewed.text

    region = {"province": "甘肃省", "city": "兰州市", "district": "兰州新区"}
    inspector = await _post(
        client,
        "/api/v1/staff",
        {
            "name": "王明",
            "region": {**region, "park": "中川园区"},
            "supervision_body": "中川园区市场监督管理局",
            "certificate_number": "JC-REPLICA-0001",
            "certificate_level": "B",
        },
        bureau,
    )
    await _post(
        client,
        "/api/v1/staff",
        {"name": "李静", "region": region, "supervision_body": "兰州新区市场监督管理局"},
        bureau,
    )
    off_duty = await client.patch(
        f"/api/v1/staff/{inspector['id']}",
        json={"active": False, "certificate_level": "A", "region": region},
        headers=bureau,
    )
    assert off_duty.status_code == 200, off_duty.text


async def _drained(engine: AsyncEngine) -> dict[str, int]:
    """Events written per topic, once the relay has sent every one of them (else empty)."""
    async with engine.connect() as conn:
        unsent = await conn.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        )
        if unsent:
            return {}
        rows = await conn.execute(select(outbox.c.topic, func.count()).group_by(outbox.c.topic))
        return {topic: count for topic, count in rows.all()}


async def _subjects(engine: AsyncEngine) -> dict[str, set[str]]:
    """Every record the registry holds, by the topic that carries it."""
    async with engine.connect() as conn:
        return {
            EQUIPMENT_TOPIC: set((await conn.scalars(select(equipment.c.equipment_code))).all()),
            ORGANISATION_TOPIC: {str(i) for i in await conn.scalars(select(organisations.c.id))},
            LICENCE_TOPIC: {str(i) for i in await conn.scalars(select(licences.c.id))},
            CONTRACT_TOPIC: {
                str(i) for i in await conn.scalars(select(maintenance_contracts.c.id))
            },
            CERTIFICATE_TOPIC: set(
                (await conn.scalars(select(personnel_certificates.c.number))).all()
            ),
            STAFF_TOPIC: {str(i) for i in await conn.scalars(select(supervision_staff.c.id))},
        }


def _fold(events: list[dict[str, Any]], field: str) -> dict[str, dict[str, Any]]:
    """The replica: per subject, the record of its highest version."""
    latest: dict[str, dict[str, Any]] = {}
    for event in events:
        record = event["data"][field]
        held = latest.get(event["subject"])
        if held is None or record["version"] > held["version"]:
            latest[event["subject"]] = record
    return latest


async def test_the_latest_event_of_every_record_is_the_record_the_registry_answers(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory, topic_reader: TopicReader
) -> None:
    await _write_a_varied_register(client, tokens)
    engine: AsyncEngine = app.state.engine
    settings = app.state.settings
    written = await eventually(lambda: _drained(engine), until=bool, timeout_s=60)
    held = await _subjects(engine)

    bureau = tokens.bureau()
    for topic, (field, path) in REGISTER.items():
        records = await topic_reader.read(topic, count=written[settings.topic(topic)])
        replica = _fold([json.loads(r.value) for r in records], field)
        assert set(replica) == held[topic], topic
        for subject, record in replica.items():
            answer = await client.get(path.format(subject), headers=bureau)
            assert answer.status_code == 200, answer.text
            renamed = EVENT_NAMES.get(topic, {})
            left_out = NOT_IN_EVENTS_OF.get(topic, NOT_IN_EVENTS)
            current = {renamed.get(k, k): v for k, v in answer.json().items() if k not in left_out}
            # The version travels in the answer's ETag where the body does not carry it.
            current.setdefault("version", int(answer.headers["etag"].strip('"v')))
            assert record == current, (topic, subject)
