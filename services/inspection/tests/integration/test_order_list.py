"""GET /api/v1/orders and the addressee by name: the bureau lists every order, a unit those
issued to it; the organisation replica gives the order and its document the unit's name."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hazard_steps import Walk, business_today
from inspection_factories import organisation, seed_organisations
from tzsb_common.testing import TokenFactory


@pytest.fixture
async def walk(app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory) -> Walk:
    return await Walk(app, client, tokens, bureau_id=uuid.uuid4()).seed()


async def issued(walk: Walk) -> dict[str, Any]:
    hazard = await walk.open()
    answer = await walk.order(hazard["id"])
    assert answer.status_code == 201, answer.text
    order: dict[str, Any] = answer.json()
    return order


async def draft(app: FastAPI, walk: Walk) -> str:
    """A draft the due workflow would write (责令申报检验), addressed to the walk's unit."""
    async with app.state.database.connection() as conn:
        order_id = await conn.fetchval(
            "INSERT INTO supervision_orders (equipment_code, use_unit_id, kind, due_on) "
            "VALUES ($1, $2, 'apply_for_inspection', $3) RETURNING id",
            walk.code,
            walk.unit_id,
            business_today(),
        )
    return str(order_id)


async def test_the_bureau_lists_a_units_orders_newest_first_a_page_at_a_time(
    app: FastAPI, walk: Walk
) -> None:
    first, second, third = [await issued(walk) for _ in range(3)]
    drafted = await draft(app, walk)
    params = {"unit": str(walk.unit_id), "limit": 2}

    page_one = await walk.client.get("/api/v1/orders", params=params, headers=walk.bureau)
    page_two = await walk.client.get(
        "/api/v1/orders",
        params={**params, "cursor": page_one.json()["next_cursor"]},
        headers=walk.bureau,
    )
    only_issued = await walk.client.get(
        "/api/v1/orders", params={**params, "status": "issued", "limit": 10}, headers=walk.bureau
    )
    drafts = await walk.client.get(
        "/api/v1/orders", params={**params, "status": "draft"}, headers=walk.bureau
    )
    this_year = await walk.client.get(
        "/api/v1/orders",
        params={**params, "year": business_today().year, "limit": 10},
        headers=walk.bureau,
    )
    last_year = await walk.client.get(
        "/api/v1/orders",
        params={**params, "year": business_today().year - 1},
        headers=walk.bureau,
    )

    assert page_one.status_code == 200, page_one.text
    listed = [o["id"] for o in page_one.json()["items"] + page_two.json()["items"]]
    assert listed == [drafted, third["id"], second["id"], first["id"]]
    assert page_two.json()["next_cursor"] is None
    assert [o["id"] for o in only_issued.json()["items"]] == [
        third["id"],
        second["id"],
        first["id"],
    ]
    assert only_issued.json()["items"][0]["hazards"][0]["equipment_code"] == walk.code
    assert [o["id"] for o in drafts.json()["items"]] == [drafted]
    assert len(this_year.json()["items"]) == 4
    assert last_year.json()["items"] == []


async def test_a_unit_lists_only_the_orders_issued_to_it(
    app: FastAPI, walk: Walk, tokens: TokenFactory
) -> None:
    mine = await issued(walk)
    await draft(app, walk)
    other = Walk(walk.app, walk.client, tokens, bureau_id=walk.bureau_id)
    await other.seed()
    await issued(other)

    listed = await walk.client.get("/api/v1/orders", headers=walk.unit)
    asked_for_other = await walk.client.get(
        "/api/v1/orders", params={"unit": str(other.unit_id)}, headers=walk.unit
    )
    asked_for_drafts = await walk.client.get(
        "/api/v1/orders", params={"status": "draft"}, headers=walk.unit
    )

    assert listed.status_code == 200
    assert [o["id"] for o in listed.json()["items"]] == [mine["id"]]
    assert asked_for_other.json()["items"] == []
    assert asked_for_drafts.json()["items"] == []


async def test_a_unit_does_not_read_a_draft_addressed_to_it(app: FastAPI, walk: Walk) -> None:
    drafted = await draft(app, walk)

    by_unit = await walk.client.get(f"/api/v1/orders/{drafted}", headers=walk.unit)
    by_bureau = await walk.client.get(f"/api/v1/orders/{drafted}", headers=walk.bureau)

    assert by_unit.status_code == 404
    assert by_bureau.json()["status"] == "draft"


async def test_invalid_list_filters_are_named_in_a_problem(walk: Walk) -> None:
    answer = await walk.client.get(
        "/api/v1/orders",
        params={"status": "cancelled", "year": "1900", "unit": "x"},
        headers=walk.bureau,
    )
    unauthenticated = await walk.client.get("/api/v1/orders")

    assert answer.status_code == 422
    assert {e["field"] for e in answer.json()["errors"]} >= {"status", "year", "unit"}
    assert unauthenticated.status_code == 401


async def test_an_order_names_its_addressee_as_the_registry_last_sent_it(
    app: FastAPI, walk: Walk
) -> None:
    before = await issued(walk)
    unit = organisation(organisation_id=str(walk.unit_id), name="兰州新区某物业公司", version=1)
    renamed = {**unit, "name": "兰州新区中川物业管理有限公司", "version": 3}
    stale = {**unit, "name": "旧名称", "version": 2}
    await seed_organisations(app, unit)
    await seed_organisations(app, renamed)
    await seed_organisations(app, stale)  # older than what the replica holds: ignored

    read = await walk.client.get(f"/api/v1/orders/{before['id']}", headers=walk.bureau)
    page = await walk.client.get(f"/api/v1/orders/{before['id']}/document", headers=walk.bureau)

    assert before["addressee_name"] is None
    assert read.json()["addressee_name"] == "兰州新区中川物业管理有限公司"
    assert read.json()["addressee_credit_code"] == unit["credit_code"]
    assert "受令单位：兰州新区中川物业管理有限公司" in page.text
    assert f"统一社会信用代码：{unit['credit_code']}" in page.text
    assert str(walk.unit_id) not in page.text
