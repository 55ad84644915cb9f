"""Read models the indicators do not use yet, fed through Kafka: licences keep their newest
version, and each station-day of fill statistics (per medium and refusal reason) and each
company-day of swipe statistics keeps its newest version."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from reporting_factories import (
    event,
    fetch_value,
    fill_day,
    publish,
    staff_event,
    staff_member,
    swipe_day,
)
from tzsb_common.contracts.registry import (
    LicenceCreatedV1,
    LicenceSnapshot,
    LicenceStatusChangedV1,
)
from tzsb_common.settings import ServiceSettings
from tzsb_common.testing import eventually


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"run_background_workers": True}


async def test_licences_and_fill_counts_follow_their_topics(
    app: FastAPI, settings: ServiceSettings, producer: AIOKafkaProducer
) -> None:
    station = uuid.uuid4()
    licence = LicenceSnapshot(
        licence_id=uuid.uuid4(),
        organisation_id=station,
        number="TS4262001-2025",
        kind="filling",
        scope=["LPG", "O2"],
        valid_from=date(2025, 1, 1),
        valid_to=date(2028, 12, 31),
        status="active",
        status_reason=None,
        status_changed_on=None,
        version=1,
    )
    suspended = licence.model_copy(
        update={"status": "suspended", "status_reason": "整改", "version": 2}
    )
    subject = str(licence.licence_id)
    day = date(2026, 3, 2)
    newest = fill_day(
        station, day, {"LPG": 2, "O2": 2}, {"LPG": 2},
        {"inspection_overdue": 2, "overfilled": 1}, version=3,
    )  # fmt: skip
    await publish(
        producer,
        settings,
        event(LicenceCreatedV1(licence=licence), subject),
        event(
            LicenceStatusChangedV1(
                licence=suspended, action="suspend", reason="整改", effective_on=day
            ),
            subject,
        ),
        fill_day(station, day, {"LPG": 1}, version=1),
        newest,
        newest,  # delivered twice: changes nothing
        # An older version arriving late (a re-publication) changes nothing either.
        fill_day(station, day, {"LPG": 2, "O2": 1}, {"LPG": 1}, {"overfilled": 1}, version=2),
    )

    counts = await eventually(
        lambda: fetch_value(
            app,
            "SELECT string_agg(concat_ws(':', medium, accepted, refused), ',' ORDER BY medium) "
            "FROM fill_days WHERE station_id = $1 AND day = $2",
            station,
            day,
        ),
        until=lambda value: value == "LPG:2:2,O2:2:0",
    )
    assert counts == "LPG:2:2,O2:2:0"
    assert (
        await fetch_value(
            app,
            "SELECT string_agg(reason || ':' || fills, ',' ORDER BY reason) "
            "FROM fill_refusal_days WHERE station_id = $1",
            station,
        )
        == "inspection_overdue:2,overfilled:1"
    )
    status = await eventually(
        lambda: fetch_value(
            app, "SELECT status || ':' || version FROM licences WHERE licence_id = $1",
            licence.licence_id,
        ),
        until=lambda value: value == "suspended:2",
    )  # fmt: skip
    assert status == "suspended:2"
    assert await fetch_value(
        app, "SELECT scope FROM licences WHERE licence_id = $1", licence.licence_id
    ) == ["LPG", "O2"]


async def test_staff_keep_their_newest_version_whatever_order_it_arrives_in(
    app: FastAPI, settings: ServiceSettings, producer: AIOKafkaProducer
) -> None:
    inspector = staff_member("中川园区市场监督管理局", park="中川园区")
    created = staff_event(inspector)
    off_duty = staff_event(inspector, active=False, certificate_level="A")
    uncertified = staff_member("兰州新区市场监督管理局", level=None)
    await publish(producer, settings, created, off_duty, created, staff_event(uncertified))

    expected = "中川园区:中川园区市场监督管理局:A:f:2,-:兰州新区市场监督管理局:-:t:1"
    rows = await eventually(
        lambda: fetch_value(
            app,
            "SELECT string_agg(concat_ws(':', coalesce(park, '-'), supervision_body, "
            "coalesce(certificate_level, '-'), active, version), ',' ORDER BY version DESC) "
            "FROM staff",
        ),
        until=lambda value: value == expected,
    )
    # Version 1 delivered again after version 2 leaves version 2.
    assert rows == expected
    assert (
        await fetch_value(
            app, "SELECT entered_at FROM staff WHERE staff_id = $1", inspector.staff_id
        )
        == inspector.created_at
    )


async def test_swipe_statistics_keep_each_company_days_newest_version(
    app: FastAPI, settings: ServiceSettings, producer: AIOKafkaProducer
) -> None:
    company = uuid.uuid4()
    day, next_day = date(2026, 3, 2), date(2026, 3, 3)
    newest = swipe_day(
        company, day, 7, {"outside_geofence": 2, "certificate_expired": 1}, version=3
    )
    await publish(
        producer,
        settings,
        swipe_day(company, day, 5, {"outside_geofence": 1}, version=1),
        newest,
        # An older version arriving late (a retried outbox batch) and the newest one twice.
        swipe_day(company, day, 6, {"outside_geofence": 2}, version=2),
        newest,
        swipe_day(company, next_day, 1, version=1),
    )

    days = await eventually(
        lambda: fetch_value(
            app,
            "SELECT string_agg(concat_ws(':', day, accepted, rejected, version), ',' "
            "ORDER BY day) FROM swipe_days WHERE company_id = $1",
            company,
        ),
        until=lambda value: value == "2026-03-02:7:3:3,2026-03-03:1:0:1",
    )
    assert days == "2026-03-02:7:3:3,2026-03-03:1:0:1"
    reasons = await fetch_value(
        app,
        "SELECT string_agg(concat_ws(':', reason, reason_name, swipes), ',' ORDER BY reason) "
        "FROM grafana.swipe_rejection_days WHERE company_id = $1",
        company,
    )
    assert reasons == "certificate_expired:作业人员证过期:1,outside_geofence:超出电子围栏:2"
    totals = await fetch_value(
        app,
        "SELECT string_agg(concat_ws(':', day, swipes), ',' ORDER BY day) "
        "FROM grafana.swipe_days WHERE company_id = $1",
        company,
    )
    assert totals == "2026-03-02:10,2026-03-03:1"
