"""Supervision (挂牌督办) and seals (查封) through HTTP: a major hazard's equipment is sealed for
at most 15 days, extended once by at most 30, released before the hazard is closed."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from hazard_steps import Walk, business_today, events_keyed
from tzsb_common.contracts.hazard import HazardSealExpiredV1
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
        "expired_on": None,
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


async def scan(walk: Walk, offset: int) -> dict[str, object]:
    answer = await walk.client.post(
        "/api/v1/due-scans", json={"as_of": day(offset)}, headers=walk.bureau
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, object] = answer.json()
    return result


async def test_a_seal_run_out_unreleased_is_marked_expired_once_and_published(
    app: FastAPI, walk: Walk
) -> None:
    hazard = await walk.open()
    hazard_id = hazard["id"]
    assert (await walk.step(hazard_id, "seal", {"days": 5}, by_unit=False)).status_code == 200

    on_last_day = await scan(walk, 4)
    day_after = await scan(walk, 5)
    later = await scan(walk, 9)
    read = await walk.client.get(f"/api/v1/hazards/{hazard_id}", headers=walk.bureau)
    extend_late = await walk.step(hazard_id, "seal/extension", {"days": 5}, by_unit=False)

    assert (on_last_day["seals_expired"], day_after["seals_expired"], later["seals_expired"]) == (
        0,
        1,
        0,
    )
    seal = read.json()["seal"]
    assert seal["expired_on"] == day(5)
    assert seal["active"] is False
    assert seal["released_on"] is None  # the bureau's release decision is still to be recorded
    assert (extend_late.status_code, extend_late.json()["code"]) == (409, "seal_expired")
    expired = [e for e in await events_keyed(app, hazard_id) if e.type.endswith("seal_expired.v1")]
    assert len(expired) == 1
    payload = HazardSealExpiredV1.model_validate(expired[0].data)
    assert (payload.seal_ends_on, payload.as_of) == (
        business_today() + timedelta(days=4),
        business_today() + timedelta(days=5),
    )
    assert payload.equipment_code == walk.code
    released = await walk.step(hazard_id, "seal/release", by_unit=False)
    assert released.json()["seal"]["released_on"] == day(0)


async def test_an_extended_or_released_seal_does_not_expire_at_its_first_end(walk: Walk) -> None:
    extended = await walk.open()
    released = await walk.open()
    for hazard in (extended, released):
        sealed = await walk.step(hazard["id"], "seal", {"days": 3}, by_unit=False)
        assert sealed.status_code == 200
    assert (
        await walk.step(extended["id"], "seal/extension", {"days": 10}, by_unit=False)
    ).status_code == 200
    assert (await walk.step(released["id"], "seal/release", by_unit=False)).status_code == 200

    past_first_end = await scan(walk, 5)
    past_extension = await scan(walk, 13)

    assert past_first_end["seals_expired"] == 0
    assert past_extension["seals_expired"] == 1
    read = await walk.client.get(f"/api/v1/hazards/{extended['id']}", headers=walk.bureau)
    assert read.json()["seal"]["expired_on"] == day(13)
