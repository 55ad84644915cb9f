"""Tamper evidence: a company's accepted swipes form a hash chain; a row altered, rewritten or
deleted in the database afterwards is reported as the first broken link."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from elevator_maintenance.swipes.chain import (
    GENESIS,
    ChainedContent,
    ChainHead,
    content_hash,
    extend,
)
from maintenance_factories import World, swipe
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


async def post(client: httpx.AsyncClient, world: World, *swipes: dict[str, Any]) -> list[str]:
    answer = await client.post(
        "/api/v1/swipes", json={"swipes": list(swipes)}, headers=world.headers
    )
    assert answer.status_code == 200, answer.text
    return [r["status"] for r in answer.json()["results"]]


async def integrity(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> dict[str, Any]:
    answer = await client.get("/api/v1/integrity", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def chained_swipes(client: httpx.AsyncClient, world: World, n: int) -> list[dict[str, Any]]:
    swipes = [
        swipe(world.elevator, world.certificate, kind="start", at=ago(minutes=300 - i))
        for i in range(n)
    ]
    assert await post(client, world, *swipes) == ["accepted"] * n
    return swipes


async def test_an_untouched_chain_is_intact(client: httpx.AsyncClient, world: World) -> None:
    await chained_swipes(client, world, 5)
    # A rejected swipe is evidence, but not in the chain.
    assert await post(client, world, swipe(world.elevator, "TS-nobody")) == ["rejected"]
    await chained_swipes(client, world, 3)

    result = await integrity(client, world.headers)

    assert result["intact"] is True
    assert result["first_broken"] is None
    assert (result["first_seq"], result["last_seq"], result["checked"]) == (1, 8, 8)
    assert result["complete"] is True


async def test_a_row_altered_in_the_database_is_detected(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    swipes = await chained_swipes(client, world, 6)
    async with app.state.database.transaction() as conn:
        await conn.execute(
            "UPDATE swipes SET certificate_number = 'TS9999999999' "
            "WHERE company_id = $1 AND swipe_id = $2",
            world.company,
            swipes[3]["swipe_id"],
        )

    result = await integrity(client, world.headers)

    assert result["intact"] is False
    assert result["first_broken"] == {
        "chain_seq": 4,
        "swipe_id": swipes[3]["swipe_id"],
        "problem": "content_altered",
    }
    assert result["checked"] == 3


async def test_a_row_altered_with_its_hash_recomputed_breaks_the_next_link(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    swipes = await chained_swipes(client, world, 4)
    async with app.state.database.transaction() as conn:
        # A forger who knows the scheme rewrites the row's content hash to match.
        await conn.execute(
            "UPDATE swipes SET at = at - interval '1 hour' WHERE company_id = $1 AND swipe_id = $2",
            world.company,
            swipes[1]["swipe_id"],
        )
        row = await conn.fetchrow(
            "SELECT company_id, swipe_id, equipment_code, certificate_number, kind, at, lat, lon, "
            "source, visit_kind, status, reasons, client_id, chain_seq FROM swipes "
            "WHERE company_id = $1 AND swipe_id = $2",
            world.company,
            swipes[1]["swipe_id"],
        )
        await conn.execute(
            "UPDATE swipes SET content_hash = $3 WHERE company_id = $1 AND swipe_id = $2",
            world.company,
            swipes[1]["swipe_id"],
            content_hash(ChainedContent(**dict(row))),
        )

    broken = (await integrity(client, world.headers))["first_broken"]

    assert broken == {
        "chain_seq": 3,
        "swipe_id": swipes[2]["swipe_id"],
        "problem": "link_broken",
    }


async def test_a_deleted_row_is_detected(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    swipes = await chained_swipes(client, world, 4)
    async with app.state.database.transaction() as conn:
        await conn.execute(
            "DELETE FROM swipes WHERE company_id = $1 AND swipe_id = ANY($2::text[])",
            world.company,
            [swipes[2]["swipe_id"], swipes[3]["swipe_id"]],
        )

    broken = (await integrity(client, world.headers))["first_broken"]

    assert broken == {"chain_seq": 3, "swipe_id": None, "problem": "row_missing"}


async def test_a_range_of_days_is_verified_and_an_empty_range_is_intact(
    client: httpx.AsyncClient, world: World
) -> None:
    await chained_swipes(client, world, 3)
    today = datetime.now(UTC).date()

    around = await integrity(
        client,
        world.headers,
        **{"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=1))},
    )
    long_ago = await integrity(client, world.headers, **{"from": "2020-01-01", "to": "2020-01-31"})

    assert (around["intact"], around["checked"]) == (True, 3)
    assert (long_ago["intact"], long_ago["checked"], long_ago["first_seq"]) == (True, 0, None)


async def test_concurrent_batches_of_one_company_extend_one_chain(
    client: httpx.AsyncClient, world: World
) -> None:
    batches = [
        [
            swipe(world.elevator, world.certificate, kind="start", at=ago(minutes=200 - 10 * b - i))
            for i in range(5)
        ]
        for b in range(4)
    ]
    answers = await asyncio.gather(*(post(client, world, *batch) for batch in batches))
    assert all(a == ["accepted"] * 5 for a in answers)

    result = await integrity(client, world.headers)

    assert (result["intact"], result["checked"], result["last_seq"]) == (True, 20, 20)


async def test_a_company_verifies_only_its_own_chain_and_the_bureau_names_one(
    client: httpx.AsyncClient, tokens: TokenFactory, world: World
) -> None:
    await chained_swipes(client, world, 2)
    other = tokens.headers(CallerKind.maintenance_company, organisation_id=uuid.uuid4())
    bureau = tokens.bureau()

    refused = await client.get(
        "/api/v1/integrity", params={"company": str(world.company)}, headers=other
    )
    unnamed = await client.get("/api/v1/integrity", headers=bureau)
    named = await integrity(client, bureau, company=str(world.company))

    assert refused.status_code == 403
    assert unnamed.status_code == 422
    assert named["checked"] == 2
    assert (await integrity(client, other))["checked"] == 0


async def test_rejections_and_duplicates_take_no_place_in_the_chain(
    client: httpx.AsyncClient, world: World
) -> None:
    first = swipe(world.elevator, world.certificate, at=ago(minutes=50))
    batch = [
        first,
        swipe(world.elevator, "TS-nobody"),
        swipe(world.elevator, world.certificate, at=ago(minutes=40)),
        first,
    ]
    assert await post(client, world, *batch) == ["accepted", "rejected", "accepted", "duplicate"]
    assert await post(client, world, *batch) == ["duplicate"] * 4

    result = await integrity(client, world.headers)

    assert (result["intact"], result["last_seq"], result["checked"]) == (True, 2, 2)


async def test_the_links_the_database_makes_are_those_of_the_chain_rules(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    # A single post and a small batch with a rejection inside are hashed by the statement that
    # writes them, a large batch in Python before COPY: both must be exactly what chain.extend
    # makes of the stored content.
    await post(client, world, swipe(world.elevator, world.certificate, at=ago(minutes=900)))
    small = [
        swipe(world.elevator, world.certificate, kind="end", at=ago(minutes=860), lat=None),
        swipe(world.elevator, "TS-nobody", at=ago(minutes=859)),
        swipe(world.elevator, world.certificate, at=ago(minutes=858), visit_kind="quarterly"),
    ]
    assert await post(client, world, *small) == ["accepted", "rejected", "accepted"]
    large = [
        swipe(world.elevator, world.certificate, kind="end", at=ago(minutes=800 - i))
        for i in range(40)
    ]
    large.insert(7, swipe(world.elevator, "TS-nobody", at=ago(minutes=700)))
    assert await post(client, world, *large) == ["accepted"] * 7 + ["rejected"] + ["accepted"] * 33
    async with app.state.database.connection() as conn:
        rows = await conn.fetch(
            "SELECT * FROM swipes WHERE company_id = $1 AND chain_seq IS NOT NULL "
            "ORDER BY chain_seq",
            world.company,
        )
        head = await conn.fetchrow(
            "SELECT seq, link FROM swipe_chain_heads WHERE company_id = $1", world.company
        )
    contents = [
        ChainedContent(**{name: row[name] for name in ChainedContent.__slots__})  # type: ignore[attr-defined]
        for row in rows
    ]

    links, expected_head = extend(ChainHead(0, GENESIS), contents)

    assert [r["chain_seq"] for r in rows] == list(range(1, 44))
    assert [(r["content_hash"], r["prev_hash"]) for r in rows] == [
        (link_.content_hash, link_.prev_hash) for link_ in links
    ]
    assert (head["seq"], head["link"]) == (expected_head.seq, expected_head.link)
