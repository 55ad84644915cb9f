"""/api/v1/orders: supervision orders (监察指令书) numbered per bureau and year without gaps, even
when issued at the same moment; their hazards move to order_issued; a printable page."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from hazard_steps import Walk, business_today, in_days
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory


@pytest.fixture
async def walk(app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory) -> Walk:
    return await Walk(app, client, tokens, bureau_id=uuid.uuid4()).seed()


def number(seq: int) -> str:
    return f"市监特令〔{business_today().year}〕第{seq}号"


async def test_orders_of_a_bureau_are_numbered_one_after_another_in_the_year(
    walk: Walk, tokens: TokenFactory
) -> None:
    a, b = await walk.open(), await walk.open()
    other_bureau = Walk(walk.app, walk.client, tokens, bureau_id=uuid.uuid4())
    other_bureau.unit_id, other_bureau.code = walk.unit_id, walk.code
    c = await other_bureau.open()

    first = await walk.order(a["id"])
    second = await walk.order(b["id"])
    elsewhere = await other_bureau.order(c["id"])

    assert first.status_code == 201, first.text
    assert first.json()["number"] == number(1)
    assert second.json()["number"] == number(2)
    assert elsewhere.json()["number"] == number(1)
    order = first.json()
    assert order["status"] == "issued"
    assert order["kind"] == "rectify_hazards"
    assert order["unit_id"] == str(walk.unit_id)
    assert order["deadline"] == in_days(10)
    assert [h["id"] for h in order["hazards"]] == [a["id"]]
    assert order["hazards"][0]["registration_number"] == walk.equipment["registration_number"]


async def test_an_order_covers_several_hazards_of_one_unit_and_moves_them_all(
    walk: Walk,
) -> None:
    a, b = await walk.open(), await walk.open(severity="general")

    order = await walk.order(a["id"], b["id"], deadline_in=7)
    reads = [
        (await walk.client.get(f"/api/v1/hazards/{h['id']}", headers=walk.bureau)).json()
        for h in (a, b)
    ]

    assert order.status_code == 201
    assert {h["id"] for h in order.json()["hazards"]} == {a["id"], b["id"]}
    assert [r["state"] for r in reads] == ["order_issued", "order_issued"]
    assert [r["order_id"] for r in reads] == [order.json()["id"]] * 2
    assert [r["deadline"] for r in reads] == [in_days(7)] * 2


async def test_a_refused_order_takes_no_number(walk: Walk) -> None:
    a = await walk.open()
    foreign = await walk.open(equipment_code=None, unit_id=str(uuid.uuid4()))
    assert (await walk.order(a["id"])).status_code == 201

    again = await walk.order(a["id"])  # already ordered: 409
    mixed = await walk.order(foreign["id"], (await walk.open())["id"])  # two units: 422
    past = await walk.order(foreign["id"], deadline_in=-1)
    unknown = await walk.order(str(uuid.uuid4()))
    next_one = await walk.order(foreign["id"])

    assert again.status_code == 409
    assert again.json()["code"] == "hazard_not_open"
    assert again.json()["hazard_id"] == a["id"]
    assert mixed.status_code == 422
    assert mixed.json()["errors"][0]["code"] == "hazards_of_several_units"
    assert past.json()["errors"][0]["code"] == "deadline_in_past"
    assert unknown.json()["errors"][0]["code"] == "unknown_hazard"
    assert unknown.json()["errors"][0]["field"] == "hazard_ids.0"
    assert next_one.json()["number"] == number(2)


async def test_orders_issued_at_once_get_every_number_exactly_once(walk: Walk) -> None:
    hazards = [await walk.open() for _ in range(8)]

    answers = await asyncio.gather(*(walk.order(h["id"]) for h in hazards))

    assert [a.status_code for a in answers] == [201] * 8
    assert sorted(a.json()["number_seq"] for a in answers) == list(range(1, 9))


async def test_only_the_bureau_issues_and_the_addressee_reads_its_orders(
    walk: Walk, tokens: TokenFactory
) -> None:
    hazard = await walk.open()
    by_unit = await walk.client.post(
        "/api/v1/orders",
        json={"hazard_ids": [hazard["id"]], "deadline": in_days(5)},
        headers=walk.unit,
    )
    order = (await walk.order(hazard["id"])).json()
    path = f"/api/v1/orders/{order['id']}"

    read = await walk.client.get(path, headers=walk.unit)
    etag = read.headers["etag"]
    fresh = await walk.client.get(path, headers={**walk.unit, "If-None-Match": etag})
    stranger = await walk.client.get(
        path, headers=tokens.headers(CallerKind.use_unit, organisation_id=uuid.uuid4())
    )

    assert by_unit.status_code == 403
    assert read.status_code == 200
    assert read.json()["number"] == order["number"]
    assert fresh.status_code == 304
    assert stranger.status_code == 404


async def test_the_order_prints_as_a_chinese_document_with_its_number_and_hazards(
    walk: Walk,
) -> None:
    hazard = await walk.open(description="限速器动作速度<超标>")
    order = (await walk.order(hazard["id"], deadline_in=10)).json()

    page = await walk.client.get(f"/api/v1/orders/{order['id']}/document", headers=walk.bureau)

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    text = page.text
    assert "特种设备安全监察指令书" in text
    assert order["number"] in text
    assert walk.code in text
    assert "限速器动作速度&lt;超标&gt;" in text  # escaped, never markup
    due = business_today() + timedelta(days=10)
    assert f"{due.year}年{due.month}月{due.day}日" in text
    assert "第六十二条" in text
