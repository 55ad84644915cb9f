"""Valid registry snapshots and events, replica rows and swipe bodies, with overrides."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import FastAPI

from tzsb_common.events import CloudEvent, snapshot_event_id

# 兰州新区中川园区: an elevator's registered position, and a phone a few metres from it.
LAT, LON = 36.51, 103.62


def equipment_code(variety: str = "3110") -> str:
    return f"{variety}{random.randrange(10**14):014d}"


def certificate_number() -> str:
    return f"TS{random.randrange(10**10):010d}"


def elevator_snapshot(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "equipment_code": equipment_code(),
        "category": "3000",
        "variety": "3110",
        "status": "in_use",
        "registration_number": "梯11甘A00001(26)",
        "use_unit_id": str(uuid.uuid4()),
        "region": {"province": "甘肃省", "city": "兰州市", "district": "兰州新区"},
        "park": "中川园区",
        "manufacturer": "兰州电梯制造有限公司",
        "factory_number": "F2026-0001",
        "manufactured_on": "2019-06-01",
        "commissioned_on": "2020-01-15",
        "address": "兰州新区中川园区纬一路 1 号",
        "lat": LAT,
        "lon": LON,
        "attributes": {"rated_load_kg": 1000},
        "rescue_code": "62010012345",
        "rescue_sign_posted": True,
        "registered": True,
        "version": 1,
    }
    body.update(overrides)
    return body


def contract_snapshot(company_id: uuid.UUID, codes: list[str], **overrides: Any) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    body: dict[str, Any] = {
        "contract_id": str(uuid.uuid4()),
        "maintenance_company_id": str(company_id),
        "equipment_codes": codes,
        "valid_from": str(today - timedelta(days=365)),
        "valid_to": str(today + timedelta(days=365)),
        "maintenance_interval_days": None,
        "status": "active",
        "terminated_on": None,
        "termination_reason": None,
        "in_force_until": str(today + timedelta(days=365)),
        "version": 1,
    }
    body.update(overrides)
    return body


def certificate_snapshot(employer_id: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    body: dict[str, Any] = {
        "number": certificate_number(),
        "holder_name": "张三",
        "item": "T",
        "employer_id": str(employer_id),
        "valid_from": str(today - timedelta(days=700)),
        "valid_to": str(today + timedelta(days=700)),
        "version": 1,
    }
    body.update(overrides)
    return body


def snapshot_event(kind: str, field: str, snapshot: dict[str, Any], subject: str) -> CloudEvent:
    event_type = f"tzsb.registry.{field}.{kind}.v1"
    data: dict[str, Any] = {field: snapshot}
    if kind == "updated":
        data["changed_fields"] = []
    return CloudEvent(
        id=snapshot_event_id(event_type, subject, snapshot["version"]),
        source="registry",
        type=event_type,
        subject=subject,
        data=data,
    )


async def seed(
    app: FastAPI,
    *,
    elevators: list[dict[str, Any]] = (),  # type: ignore[assignment]
    contracts: list[dict[str, Any]] = (),  # type: ignore[assignment]
    certificates: list[dict[str, Any]] = (),  # type: ignore[assignment]
) -> None:
    """Replica rows as the consumers would write them, without going through Kafka."""
    async with app.state.database.transaction() as conn:
        for e in elevators:
            await conn.execute(
                "INSERT INTO elevators (equipment_code, status, lat, lon, use_unit_id, province, "
                "city, district, version, rescue_code) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                e["equipment_code"],
                e["status"],
                e["lat"],
                e["lon"],
                uuid.UUID(e["use_unit_id"]),
                e["region"]["province"],
                e["region"]["city"],
                e["region"]["district"],
                e["version"],
                e.get("rescue_code"),
            )
        for c in contracts:
            values = (
                uuid.UUID(c["contract_id"]),
                uuid.UUID(c["maintenance_company_id"]),
                date.fromisoformat(c["valid_from"]),
                date.fromisoformat(c["in_force_until"]),
                c["maintenance_interval_days"],
            )
            await conn.execute(
                "INSERT INTO contracts (contract_id, maintenance_company_id, equipment_codes, "
                "valid_from, valid_to, in_force_until, status, maintenance_interval_days, version) "
                "VALUES ($1, $2, $3, $4, $5, $5, 'active', $6, 1)",
                values[0],
                values[1],
                c["equipment_codes"],
                values[2],
                values[3],
                values[4],
            )
            await conn.executemany(
                "INSERT INTO contract_elevators (equipment_code, contract_id, "
                "maintenance_company_id, valid_from, in_force_until, maintenance_interval_days) "
                "VALUES ($1, $2, $3, $4, $5, $6)",
                [(code, *values) for code in c["equipment_codes"]],
            )
        for s in certificates:
            await conn.execute(
                "INSERT INTO certificates (number, item, employer_id, valid_from, valid_to, "
                "version) VALUES ($1, $2, $3, $4, $5, 1)",
                s["number"],
                s["item"],
                uuid.UUID(s["employer_id"]),
                date.fromisoformat(s["valid_from"]),
                date.fromisoformat(s["valid_to"]),
            )


def swipe(elevator: str, certificate: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "swipe_id": uuid.uuid4().hex,
        "equipment_code": elevator,
        "certificate_number": certificate,
        "kind": "start",
        "at": (datetime.now(UTC) - timedelta(minutes=30)).isoformat(),
        "lat": LAT + 0.0002,
        "lon": LON,
        "source": "app",
    }
    body.update(overrides)
    return body


@dataclass
class World:
    company: uuid.UUID
    headers: dict[str, str]
    elevator: str
    certificate: str
