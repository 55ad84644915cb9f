"""Supervision (挂牌督办) and seals (查封) through HTTP: a major hazard's equipment is sealed for
at most 15 days, extended once by at most 30, released before the hazard is closed."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from hazard_steps import Walk, business_today
from tzsb_common.testing import TokenFactory


@pytest.fixture
async def walk(app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory) -> Walk:
    return await Walk(app, client, tokens, bureau_id=uuid.uuid4()).seed()


def day(offset: int) -> str:
    return (business_today() + timedelta(days=offset)).isoformat()


async def test_a_major_hazard_is_supervised_once_and_a_general_one_never(walk: Walk) -> None:
    major = await walk.open()
    general = await walk.open(severity="general")

    first = await walk.step(major["id"], "supervision", {"note": "市局挂牌督办"}, by_unit=False)
    again = await walk.step(major["id"], "supervision", by_unit=False)
    minor = await walk.step(general["id"], "supervision", by_unit=False)
    by_unit = await walk.step(major["id"], "supervision", by_unit=True)

    assert first.status_code == 200, first.text
    assert first.json()["supervised"] is True
    assert first.json()["state"] == "open"  # beside the chain, not a step of it
    assert (again.status_code, again.json()["code"]) == (409, "already_supervised")
    assert (minor.status_code, minor.json()["code"]) == (409, "hazard_not_major")
    assert by_unit.status_code == 403


async def test_a_seal_lasts_at_most_fifteen_days_and_is_extended_once_by_at_most_thirty(
    walk: Walk,
) -> None:
    hazard = await walk.open()
    hazard_id = hazard["id"]

    too_long = await walk.step(hazard_id, "seal", {"days": 16}, by_unit=False)
    sealed = await walk.step(hazard_id, "seal", {"days": 15}, by_unit=False)
    twice = await walk.step(hazard_id, "seal", {"days": 5}, by_unit=False)
    long_extension = await walk.step(hazard_id, "seal/extension", {"days": 31}, by_unit=False)
    extended = await walk.step(hazard_id, "seal/extension", {"days": 30}, by_unit=False)
    extended_again = await walk.step(hazard_id, "seal/extension", {"days": 1}, by_unit=False)

    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["code"] == "seal_days_exceed_limit"
    assert too_long.json()["errors"][0]["field"] == "days"
    assert sealed.status_code == 200, sealed.text
    assert sealed.json()["seal"] == {
        "sealed_on": day(0),
        "ends_on": day(14),
        "extended": False,
        "released_on": None,
        "active": True,
    }
    assert (twice.status_code, twice.json()["code"]) == (409, "already_sealed")
    assert long_extension.status_code == 422
    assert long_extension.json()["errors"][0]["code"] == "extension_days_exceed_limit"
    assert extended.json()["seal"]["ends_on"] == day(44)
    assert extended.json()["seal"]["extended"] is True
    assert (extended_again.status_code, extended_again.json()["code"]) == (
        409,
        "seal_already_extended",
    )


async def test_a_sealed_hazard_is_released_before_it_is_closed(walk: Walk) -> None:
    hazard = await walk.hazard_in("rectified")
    hazard_id = hazard["id"]
    assert (await walk.step(hazard_id, "seal", {"days": 10}, by_unit=False)).status_code == 200

    while_sealed = await walk.verify(hazard_id, accepted=True)
    released = await walk.step(hazard_id, "seal/release", by_unit=False)
    released_again = await walk.step(hazard_id, "seal/release", by_unit=False)
    extend_released = await walk.step(hazard_id, "seal/extension", {"days": 5}, by_unit=False)
    closed = await walk.verify(hazard_id, accepted=True)
    seal_closed = await walk.step(hazard_id, "seal", {"days": 5}, by_unit=False)

    assert (while_sealed.status_code, while_sealed.json()["code"]) == (409, "seal_active")
    assert released.json()["seal"]["released_on"] == day(0)
    assert released.json()["seal"]["active"] is False
    assert (released_again.status_code, released_again.json()["code"]) == (409, "not_sealed")
    assert (extend_released.status_code, extend_released.json()["code"]) == (409, "not_sealed")
    assert closed.json()["state"] == "closed"
    assert (seal_closed.status_code, seal_closed.json()["code"]) == (409, "hazard_closed")


async def test_only_a_major_hazard_with_equipment_is_sealed_and_only_by_the_bureau(
    walk: Walk,
) -> None:
    general = await walk.open(severity="general")
    of_a_unit = await walk.open(equipment_code=None, unit_id=str(uuid.uuid4()))
    major = await walk.open()

    minor = await walk.step(general["id"], "seal", {"days": 5}, by_unit=False)
    nothing_to_seal = await walk.step(of_a_unit["id"], "seal", {"days": 5}, by_unit=False)
    by_unit = await walk.step(major["id"], "seal", {"days": 5}, by_unit=True)
    zero = await walk.step(major["id"], "seal", {"days": 0}, by_unit=False)

    assert (minor.status_code, minor.json()["code"]) == (409, "hazard_not_major")
    assert (nothing_to_seal.status_code, nothing_to_seal.json()["code"]) == (
        409,
        "no_equipment_to_seal",
    )
    assert by_unit.status_code == 403
    assert zero.status_code == 422
