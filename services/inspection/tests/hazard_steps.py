"""Steps of the hazard lifecycle through HTTP, for integration tests: each asserts it worked, so
a test reads as the walk it takes."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI

from inspection_factories import seed_equipment, snapshot
from tzsb_common.auth import CallerKind
from tzsb_common.events import CloudEvent
from tzsb_common.testing import TokenFactory

JPEG = b"\xff\xd8\xff\xe0" + b"rectified-photo" * 40


def business_today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def in_days(days: int) -> str:
    return (business_today() + timedelta(days=days)).isoformat()


class Walk:
    """One piece of equipment, its use unit and the bureau, and the steps they take."""

    def __init__(
        self, app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory, bureau_id: uuid.UUID
    ) -> None:
        self.app = app
        self.client = client
        self.tokens = tokens
        self.bureau_id = bureau_id
        self.unit_id = uuid.uuid4()
        self.equipment = snapshot(use_unit_id=str(self.unit_id))
        self.code: str = self.equipment["equipment_code"]

    @property
    def bureau(self) -> dict[str, str]:
        return self.tokens.headers(CallerKind.bureau, organisation_id=self.bureau_id)

    @property
    def unit(self) -> dict[str, str]:
        return self.tokens.headers(CallerKind.use_unit, organisation_id=self.unit_id)

    async def seed(self) -> Walk:
        await seed_equipment(self.app, self.equipment, today=business_today())
        return self

    async def open(self, **overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "equipment_code": self.code,
            "severity": "major",
            "description": "曳引钢丝绳断丝超标",
            "source": "online_patrol",
        }
        body.update(overrides)
        answer = await self.client.post("/api/v1/hazards", json=body, headers=self.bureau)
        assert answer.status_code == 201, answer.text
        hazard: dict[str, Any] = answer.json()
        return hazard

    async def order(self, *hazard_ids: str, deadline_in: int = 10) -> httpx.Response:
        return await self.client.post(
            "/api/v1/orders",
            json={"hazard_ids": list(hazard_ids), "deadline": in_days(deadline_in)},
            headers=self.bureau,
        )

    async def step(
        self, hazard_id: str, path: str, body: dict[str, Any] | None = None, *, by_unit: bool
    ) -> httpx.Response:
        return await self.client.post(
            f"/api/v1/hazards/{hazard_id}/{path}",
            json=body if body is not None else {},
            headers=self.unit if by_unit else self.bureau,
        )

    async def start(self, hazard_id: str) -> httpx.Response:
        return await self.step(hazard_id, "rectification", by_unit=True)

    async def evidence(
        self, hazard_id: str, content: bytes = JPEG, content_type: str = "image/jpeg"
    ) -> httpx.Response:
        return await self.client.post(
            f"/api/v1/hazards/{hazard_id}/evidence",
            params={"filename": "整改后照片.jpg"},
            content=content,
            headers={**self.unit, "Content-Type": content_type},
        )

    async def rectified(self, hazard_id: str) -> httpx.Response:
        return await self.step(hazard_id, "rectified", {"note": "已更换钢丝绳"}, by_unit=True)

    async def verify(self, hazard_id: str, *, accepted: bool) -> httpx.Response:
        return await self.step(
            hazard_id, "verification", {"accepted": accepted, "note": "现场复查"}, by_unit=False
        )

    async def hazard_in(self, state: str) -> dict[str, Any]:
        """A new hazard walked to `state` along the chain."""
        hazard = await self.open()
        hazard_id = hazard["id"]
        chain = ["order_issued", "rectifying", "rectified", "closed"]
        for reached in chain[: chain.index(state) + 1] if state != "open" else []:
            if reached == "order_issued":
                answer = await self.order(hazard_id)
                assert answer.status_code == 201, answer.text
            elif reached == "rectifying":
                answer = await self.start(hazard_id)
            elif reached == "rectified":
                assert (await self.evidence(hazard_id)).status_code == 201
                answer = await self.rectified(hazard_id)
            else:
                answer = await self.verify(hazard_id, accepted=True)
            assert answer.status_code in (200, 201), answer.text
        current = await self.client.get(f"/api/v1/hazards/{hazard_id}", headers=self.bureau)
        assert current.json()["state"] == state
        result: dict[str, Any] = current.json()
        return result


async def events_keyed(app: FastAPI, key: str) -> list[CloudEvent]:
    async with app.state.database.connection() as conn:
        rows = await conn.fetch("SELECT event FROM outbox WHERE key = $1 ORDER BY id", key)
    return [CloudEvent.model_validate(row["event"]) for row in rows]
