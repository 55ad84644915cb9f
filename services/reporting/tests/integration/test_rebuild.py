"""`tzsb reporting rebuild`: the read models emptied and built again from the bus equal the ones
the live consumers built, table by table, row by row."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI

from reporting.read_models.rebuild import rebuild_read_models
from reporting.read_models.tables import read_model_tables
from reporting.settings import ReportingSettings
from reporting_factories import (
    contract,
    created,
    elevator,
    event,
    every,
    fetch_value,
    fill_day,
    inspection,
    maintenance_company,
    publish,
    staff_event,
    staff_member,
    swipe_day,
    visit,
)
from tzsb_common.contracts.inspection import InspectionDueV1
from tzsb_common.contracts.registry import (
    EQUIPMENT_TOPIC,
    CertificateCreatedV1,
    CertificateSnapshot,
    EquipmentUpdatedV1,
)
from tzsb_common.events import CloudEvent, EventPayload
from tzsb_common.kafka import stop_quietly
from tzsb_common.testing import eventually

EXPECTED_ROWS = {
    "equipment": 3,
    "organisations": 1,
    "contracts": 1,
    "contract_elevators": 3,
    "certificates": 1,
    "inspections": 1,
    "due_stages": 1,
    "visits": 8,
    "elevator_visit_months": 4,  # January to March of one elevator, February of another
    "licences": 0,
    "fill_days": 1,
    "fill_refusal_days": 1,
    "staff": 2,
    "swipe_days": 2,
}
"""Every event of the history applied, so the live state is whole before it is compared (read
models of other topics stay empty here)."""


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"run_background_workers": True}


async def _tables(app: FastAPI) -> dict[str, list[tuple[Any, ...]]]:
    """Every read-model table's rows, sorted; `updated_at` says when a row was applied, not
    what it holds, so it is left out."""
    state = {}
    async with app.state.database.connection() as conn:
        for table in read_model_tables():
            columns = [c.name for c in table.columns if c.name != "updated_at"]
            rows = await conn.fetch(f"SELECT {', '.join(columns)} FROM {table.name}")  # noqa: S608
            state[table.name] = sorted((tuple(row.values()) for row in rows), key=repr)
    return state


async def _drop_topic(settings: ReportingSettings, topic: str) -> None:
    """The broker no longer holds the topic's events (a new cluster, a lost volume; or
    simply a record's older versions compacted away)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        name = settings.topic(topic)
        await admin.delete_topics([name])
        await eventually(lambda: admin.list_topics(), until=lambda names: name not in names)
    finally:
        await stop_quietly(admin)


async def test_rebuilt_read_models_equal_the_live_ones(
    app: FastAPI, settings: ReportingSettings, producer: AIOKafkaProducer
) -> None:
    company, company_created = maintenance_company("兰州安达电梯维保有限公司")
    lifts = [elevator("中川园区") for _ in range(3)]
    renamed = lifts[0].model_copy(update={"address": "兰州新区中川园区经二路 8 号", "version": 2})
    latest_equipment = [
        event(
            EquipmentUpdatedV1(equipment=renamed, changed_fields=["address"]),
            renamed.equipment_code,
        ),
        *(created(lift) for lift in lifts[1:]),
    ]
    certificate = CertificateSnapshot(
        number="TS6201000001",
        holder_name="张三",
        item="T",
        employer_id=company,
        valid_from=date(2024, 1, 1),
        valid_to=date(2028, 1, 1),
        version=1,
    )
    inspector = staff_member("中川园区市场监督管理局", park="中川园区")
    code = lifts[0].equipment_code
    repeated_visit = uuid.uuid4()
    station = uuid.uuid4()
    due = InspectionDueV1(
        equipment_code=code,
        stage="reminder",
        due_on=date(2026, 5, 1),
        due_kind="periodic",
        as_of=date(2026, 3, 1),
        use_unit_id=lifts[0].use_unit_id,
        category="3000",
        variety="3110",
        park="中川园区",
    )
    history: list[tuple[EventPayload, CloudEvent]] = [
        company_created,
        *(created(lift) for lift in lifts),
        latest_equipment[0],
        contract(company, [lift.equipment_code for lift in lifts]),
        event(CertificateCreatedV1(certificate=certificate), certificate.number),
        inspection(code, date(2025, 9, 1), "pass", date(2026, 9, 1)),
        event(due, code),
        *(visit(code, company, day) for day in every(date(2026, 1, 2), 14, date(2026, 3, 31))),
        visit(lifts[1].equipment_code, company, date(2026, 2, 3), repeated_visit),
        visit(lifts[1].equipment_code, company, date(2026, 2, 4), repeated_visit),  # moved
        fill_day(station, date(2026, 3, 2), {"LPG": 1}, version=1),
        fill_day(
            station, date(2026, 3, 2), {"LPG": 1}, {"LPG": 1}, {"inspection_overdue": 1}, version=2
        ),
        staff_event(inspector),
        staff_event(inspector, active=False),
        staff_event(staff_member("兰州新区市场监督管理局", level="A")),
        swipe_day(company, date(2026, 3, 2), 3, version=1),
        swipe_day(company, date(2026, 3, 2), 4, {"outside_geofence": 1}, version=2),
        swipe_day(company, date(2026, 3, 3), 2, {"no_valid_contract": 2}, version=1),
    ]
    await publish(producer, settings, *history)
    live = await eventually(
        lambda: _tables(app),
        until=lambda state: (
            all(len(state[name]) == rows for name, rows in EXPECTED_ROWS.items())
            and state["fill_days"][0][3:] == (1, 1, 2)
            and sorted(row[-1] for row in state["swipe_days"]) == [1, 2]
            and any(row[0] == code and "经二路" in str(row) for row in state["equipment"])
            and any(row[0] == repeated_visit and row[5] == date(2026, 2, 4)
                    for row in state["visits"])
            and any(row[0] == inspector.staff_id and row[-1] == 2 for row in state["staff"])
        ),
    )  # fmt: skip
    # A row no event made: a rebuild must not keep it.
    async with app.state.database.connection() as conn:
        await conn.execute(
            "INSERT INTO fill_days (station_id, day, medium, accepted, refused) "
            "VALUES ($1, '2026-03-03', 'O2', 7, 0)",
            uuid.uuid4(),
        )
    # The equipment topic lost its history; only the registry's re-publishing brings it back.
    await _drop_topic(settings, EQUIPMENT_TOPIC)
    republished = 0

    async def republish() -> None:
        nonlocal republished
        # A producer of its own, as the registry's relay is: the test's one still maps the
        # dropped topic's partitions to their old leaders.
        relay = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all")
        await relay.start()
        try:
            for payload, snapshot in latest_equipment:
                await relay.send_and_wait(
                    settings.topic(payload.topic),
                    snapshot.to_json_bytes(),
                    key=snapshot.subject.encode(),
                )
        finally:
            await relay.stop()
        republished += len(latest_equipment)

    report = await rebuild_read_models(settings, republish=republish, timeout_s=120)

    assert republished == 3
    assert report.rows["equipment"] == 3
    rebuilt = await _tables(app)
    assert rebuilt == live
    assert await fetch_value(app, "SELECT count(*) FROM fill_days WHERE medium = 'O2'") == 0
