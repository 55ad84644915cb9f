"""Supervision staff (监察人员) and their counts by region (table 1 of the annual report)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory

_serial = iter(range(1, 10_000))


def member(
    park: str | None, level: str | None = "B", active: bool = True, **overrides: Any
) -> dict[str, Any]:
    number = next(_serial)
    body: dict[str, Any] = {
        "name": f"监察员{number}",
        "region": {"province": "甘肃省", "city": "兰州市", "district": "兰州新区", "park": park},
        "supervision_body": f"{park or '兰州新区'}市场监督管理局",
        "certificate_number": f"TS-JC-{number:05d}" if level else None,
        "certificate_level": level,
        "active": active,
    }
    body.update(overrides)
    return body


async def add(
    client: httpx.AsyncClient, tokens: TokenFactory, body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post("/api/v1/staff", json=body, headers=tokens.bureau())
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()
    return record


async def test_counts_by_park_reproduce_the_shape_of_table_1(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    # 兰州新区局 6 (1 A, 5 B, 4 on duty); 中川园区 3 (all B, 1 on duty)
    for n in range(6):
        await add(client, tokens, member(None, level="A" if n == 0 else "B", active=n < 4))
    for n in range(3):
        await add(client, tokens, member("中川园区", active=n == 0))
    await add(
        client,
        tokens,
        {**member("秦川园区"), "region": {**member("秦川园区")["region"], "city": "白银市"}},
    )

    by_park = await client.get(
        "/api/v1/staff/counts",
        params={"group_by": "park", "city": "兰州市"},
        headers=tokens.bureau(),
    )
    assert by_park.status_code == 200, by_park.text
    answer = by_park.json()
    groups = {g["park"]: g for g in answer["groups"]}
    assert set(groups) == {None, "中川园区"}
    bureau = groups[None]
    counted = ("staff", "certificate_level_a", "certificate_level_b", "active")
    assert tuple(bureau[name] for name in counted) == (6, 1, 5, 4)
    assert (groups["中川园区"]["staff"], groups["中川园区"]["active"]) == (3, 1)
    assert answer["total"]["staff"] == 9
    assert answer["total"]["active"] == 5
    assert answer["total"]["province"] is None

    by_city = (
        await client.get(
            "/api/v1/staff/counts", params={"group_by": "city"}, headers=tokens.bureau()
        )
    ).json()
    assert {(g["city"], g["staff"]) for g in by_city["groups"]} == {("兰州市", 9), ("白银市", 1)}
    assert all(g["district"] is None for g in by_city["groups"])
    by_district = (await client.get("/api/v1/staff/counts", headers=tokens.bureau())).json()
    assert by_district["group_by"] == "district"
    assert by_district["total"]["staff"] == 10


async def test_a_member_is_changed_with_if_match_and_reads_back(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    record = await add(client, tokens, member("西岔园区"))
    path = f"/api/v1/staff/{record['id']}"
    changed = await client.patch(
        path, json={"active": False}, headers={**tokens.bureau(), "If-Match": '"v1"'}
    )
    assert changed.status_code == 200
    assert changed.headers["ETag"] == '"v2"'
    assert changed.json()["active"] is False
    stale = await client.patch(
        path, json={"active": True}, headers={**tokens.bureau(), "If-Match": '"v1"'}
    )
    assert stale.status_code == 412
    fetched = await client.get(path, headers=tokens.bureau())
    assert fetched.json()["version"] == 2
    listed = await client.get("/api/v1/staff", params={"active": "false"}, headers=tokens.bureau())
    assert [m["id"] for m in listed.json()["items"]] == [record["id"]]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        (member(None, certificate_level=None), "certificate_level", "certificate_incomplete"),
        (member(None, certificate_level="C"), "certificate_level", "enum"),
        (member(None, name=""), "name", "string_too_short"),
    ],
)
async def test_a_bad_member_is_refused_naming_the_field(
    client: httpx.AsyncClient, tokens: TokenFactory, body: dict[str, Any], field: str, code: str
) -> None:
    response = await client.post("/api/v1/staff", json=body, headers=tokens.bureau())
    assert response.status_code == 422, response.text
    assert (["body", field], code) in [
        (e["location"], e["code"]) for e in response.json()["errors"]
    ]


async def test_a_certificate_number_belongs_to_one_member(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    first = await add(client, tokens, member(None))
    again = await client.post(
        "/api/v1/staff",
        json=member(None, certificate_number=first["certificate_number"]),
        headers=tokens.bureau(),
    )
    assert again.status_code == 422
    assert again.json()["errors"][0]["code"] == "duplicate_certificate"


@pytest.mark.parametrize(
    "kind", [CallerKind.use_unit, CallerKind.installer, CallerKind.inspection_agency]
)
async def test_staff_is_the_bureaus_own(
    client: httpx.AsyncClient, tokens: TokenFactory, kind: CallerKind
) -> None:
    headers = tokens.headers(kind)
    posted = await client.post(
        "/api/v1/staff", content=b"[]", headers={**headers, "Content-Type": "application/json"}
    )
    assert posted.status_code == 403
    assert (await client.get("/api/v1/staff", headers=headers)).status_code == 403
    assert (await client.get("/api/v1/staff/counts", headers=headers)).status_code == 403


async def test_a_government_system_reads_counts_but_not_the_people(
    client: httpx.AsyncClient, tokens: TokenFactory
) -> None:
    record = await add(client, tokens, member(None))
    government = tokens.headers(CallerKind.government_system)
    assert (await client.get("/api/v1/staff/counts", headers=government)).status_code == 200
    assert (
        await client.get(f"/api/v1/staff/{record['id']}", headers=government)
    ).status_code == 403
