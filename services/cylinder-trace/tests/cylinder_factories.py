"""Valid registry snapshots, request bodies and seeding helpers for cylinder-trace's tests."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tzsb_common.auth import CallerKind
from tzsb_common.contracts.registry import (
    CertificateCreatedV1,
    CertificateSnapshot,
    LicenceCreatedV1,
    LicenceSnapshot,
    OrganisationCreatedV1,
    OrganisationSnapshot,
)
from tzsb_common.events import CloudEvent, EventPayload
from tzsb_common.testing import TokenFactory

_serial = itertools.count(1)

FILL_DAY = datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=3)
"""The business day the tests' fills are made on: recent, whatever day the tests run."""


def years_from(day: date, years: int) -> date:
    return day.replace(year=day.year + years, day=min(day.day, 28))


def at(day: date, time: str) -> str:
    """An RFC 3339 instant of a business day, e.g. at(FILL_DAY, "09:30")."""
    return f"{day.isoformat()}T{time}:00+08:00"


def serial() -> int:
    return next(_serial)


def event_of(payload: EventPayload, subject: str) -> CloudEvent:
    return payload.to_event(source="registry", subject=subject)


def station(organisation_id: uuid.UUID | None = None, **overrides: Any) -> OrganisationSnapshot:
    values: dict[str, Any] = {
        "organisation_id": organisation_id or uuid.uuid4(),
        "credit_code": None,
        "name": f"兰州新区燃气充装站{serial()}",
        "kind": "filling_station",
        "region": {"province": "甘肃省", "city": "兰州市", "district": "兰州新区"},
        "address": "兰州新区中川园区",
        "version": 1,
    }
    values.update(overrides)
    return OrganisationSnapshot(**values)


def licence(station_id: uuid.UUID, **overrides: Any) -> LicenceSnapshot:
    values: dict[str, Any] = {
        "licence_id": uuid.uuid4(),
        "organisation_id": station_id,
        "number": f"TS4262{serial():04d}-2030",
        "kind": "filling",
        "scope": ["LPG", "O2"],
        "valid_from": years_from(FILL_DAY, -2),
        "valid_to": years_from(FILL_DAY, 4),
        "status": "active",
        "status_reason": None,
        "status_changed_on": None,
        "version": 1,
    }
    values.update(overrides)
    return LicenceSnapshot(**values)


def certificate(employer_id: uuid.UUID, **overrides: Any) -> CertificateSnapshot:
    values: dict[str, Any] = {
        "number": f"P62010{serial():06d}",
        "holder_name": "张三",
        "item": "P",
        "employer_id": employer_id,
        "valid_from": years_from(FILL_DAY, -2),
        "valid_to": years_from(FILL_DAY, 1),
        "version": 1,
    }
    values.update(overrides)
    return CertificateSnapshot(**values)


def registry_events(
    stations: list[OrganisationSnapshot] = (),  # type: ignore[assignment]
    licences: list[LicenceSnapshot] = (),  # type: ignore[assignment]
    certificates: list[CertificateSnapshot] = (),  # type: ignore[assignment]
) -> list[CloudEvent]:
    events = [
        event_of(OrganisationCreatedV1(organisation=s), str(s.organisation_id)) for s in stations
    ]
    events += [event_of(LicenceCreatedV1(licence=lic), str(lic.licence_id)) for lic in licences]
    events += [event_of(CertificateCreatedV1(certificate=c), c.number) for c in certificates]
    return events


async def seed_registry(app: Any, events: list[CloudEvent]) -> None:
    """Apply registry events through the replica's own decoder and handler (no broker)."""
    from cylinder_trace.replicas.registry import apply_registry, registry_replica
    from tzsb_common.consumer import HandlerContext

    spec = registry_replica()
    typed = [spec.decoder.validate_json(event.to_json_bytes()) for event in events]
    async with app.state.session_factory() as session, session.begin():
        context = HandlerContext(session, consumer=spec.name, source="test", outbox=None)
        await apply_registry(context, typed)


def cylinder(owner_id: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "cylinder_code": f"GS{uuid.uuid4().hex[:12].upper()}",
        "manufacturer": "兰州气瓶制造有限公司",
        "factory_number": f"F{serial():07d}",
        "medium": "LPG",
        "nominal_pressure_mpa": 2.1,
        "water_volume_l": 35.5,
        "tare_mass_kg": 15.0,
        "permitted_fill_kg": 14.5,
        "manufactured_on": years_from(FILL_DAY, -4).isoformat(),
        "design_life_years": 8,
        "last_inspected_on": years_from(FILL_DAY, -4).isoformat(),
        "next_inspection_on": years_from(FILL_DAY, 3).isoformat(),
        "owner_id": str(owner_id),
        "status": "in_use",
    }
    body.update(overrides)
    return body


def fill(cylinder_code: str, filler_certificate: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "fill_id": f"F-{uuid.uuid4().hex[:10]}",
        "cylinder_code": cylinder_code,
        "filler_certificate": filler_certificate,
        "medium": "LPG",
        "started_at": at(FILL_DAY, "09:30"),
        "ended_at": at(FILL_DAY, "09:33"),
        "prefill_checks": {
            "appearance": True,
            "residual_pressure": True,
            "valve": True,
            "inspection_mark": True,
            "medium_marking": True,
        },
        "postfill_checks": {"leak": True, "mass_or_pressure": True, "temperature": True},
        "filled_mass_kg": 14.2,
    }
    body.update(overrides)
    return body


@dataclass
class Station:
    id: uuid.UUID
    filler: str
    headers: dict[str, str]


async def a_station(app: Any, tokens: TokenFactory, **licence_values: Any) -> Station:
    station_id = uuid.uuid4()
    filler = certificate(station_id)
    await seed_registry(
        app,
        registry_events([station(station_id)], [licence(station_id, **licence_values)], [filler]),
    )
    headers = tokens.headers(CallerKind.filling_station, organisation_id=station_id)
    return Station(station_id, filler.number, headers)


async def register(client: Any, headers: dict[str, str], *bodies: dict[str, Any]) -> None:
    answer = await client.post(
        "/api/v1/cylinders", json={"cylinders": list(bodies)}, headers=headers
    )
    assert [r["status"] for r in answer.json()["results"]] == ["registered"] * len(bodies)
