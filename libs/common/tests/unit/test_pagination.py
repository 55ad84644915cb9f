from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from tzsb_common.pagination import (
    DEFAULT_PAGE_LIMIT,
    Page,
    PageCursor,
    PageLimit,
    decode_cursor,
    decode_cursor_as,
    encode_cursor,
    keyset_page,
)
from tzsb_common.problems import PROBLEM_MEDIA_TYPE, ValidationFailed, install_problem_handlers

REGISTERED_AT = datetime(2025, 3, 14, 9, 26, 53, 589000, tzinfo=UTC)
EQUIPMENT_ID = uuid.UUID("5f1d8c2e-3b9a-4c7e-8f10-2a4b6c8d0e1f")


class EquipmentKey(BaseModel):
    registered_at: datetime
    id: uuid.UUID


def build_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/equipment")
    async def list_equipment(
        limit: PageLimit = DEFAULT_PAGE_LIMIT, cursor: PageCursor = None
    ) -> Page[str]:
        position = decode_cursor(cursor) if cursor else {}
        return Page(items=[f"limit={limit}", f"after={position.get('n')}"], next_cursor=None)

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def test_cursor_round_trips_its_values() -> None:
    cursor = encode_cursor({"equipment_code": "310011010020250001", "n": 7})

    assert decode_cursor(cursor) == {"equipment_code": "310011010020250001", "n": 7}


def test_cursor_is_url_safe_base64_without_padding() -> None:
    cursor = encode_cursor({"name": "电梯?&/+="})

    assert cursor.replace("-", "").replace("_", "").isalnum()
    assert "=" not in cursor


def test_datetimes_and_uuids_travel_as_text_and_come_back_typed() -> None:
    cursor = encode_cursor({"registered_at": REGISTERED_AT, "id": EQUIPMENT_ID})

    assert decode_cursor(cursor) == {
        "registered_at": "2025-03-14T09:26:53.589000+00:00",
        "id": str(EQUIPMENT_ID),
    }
    assert decode_cursor_as(cursor, EquipmentKey) == EquipmentKey(
        registered_at=REGISTERED_AT, id=EQUIPMENT_ID
    )


@pytest.mark.parametrize(
    "garbage",
    [
        "not a cursor!",
        "%%%",
        "abc",  # base64 of bytes that are not UTF-8 JSON
        encode_cursor({"n": 1})[:-3],  # truncated
        "W10",  # a JSON array, not an object
        "x" * 5000,
    ],
)
def test_garbage_cursor_is_a_validation_failure_at_the_cursor_parameter(garbage: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        decode_cursor(garbage)

    [error] = refused.value.errors
    assert error["location"] == ["query", "cursor"]
    assert error["field"] == "cursor"


def test_cursor_of_another_list_is_refused_when_decoded_into_a_key_model() -> None:
    with pytest.raises(ValidationFailed):
        decode_cursor_as(encode_cursor({"n": 1}), EquipmentKey)


async def test_garbage_cursor_in_a_request_is_a_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/equipment", params={"cursor": "garbage!!"})

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["type"] == "urn:tzsb:problem:validation-error"
    assert body["errors"][0]["location"] == ["query", "cursor"]


async def test_valid_cursor_in_a_request_is_decoded(client: httpx.AsyncClient) -> None:
    response = await client.get("/equipment", params={"cursor": encode_cursor({"n": 3})})

    assert response.json() == {"items": ["limit=50", "after=3"], "next_cursor": None}


@pytest.mark.parametrize("limit", ["0", "501", "ten"])
async def test_limit_outside_1_to_500_is_a_422_problem(
    client: httpx.AsyncClient, limit: str
) -> None:
    response = await client.get("/equipment", params={"limit": limit})

    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == ["query", "limit"]


async def test_limit_of_500_is_allowed(client: httpx.AsyncClient) -> None:
    response = await client.get("/equipment", params={"limit": "500"})

    assert response.json()["items"][0] == "limit=500"


def test_keyset_page_with_an_extra_row_has_a_cursor_after_its_last_item() -> None:
    rows = [{"n": n} for n in range(4)]

    page, next_cursor = keyset_page(rows, 3, key=lambda row: {"n": row["n"]})

    assert page == rows[:3]
    assert next_cursor is not None
    assert decode_cursor(next_cursor) == {"n": 2}


def test_keyset_page_without_an_extra_row_is_the_last_page() -> None:
    rows = [{"n": n} for n in range(3)]

    assert keyset_page(rows, 3, key=lambda row: row) == (rows, None)
    assert keyset_page([], 3, key=lambda row: row) == ([], None)


def test_page_serialises_its_items_and_cursor() -> None:
    page = Page[EquipmentKey](items=[EquipmentKey(registered_at=REGISTERED_AT, id=EQUIPMENT_ID)])

    assert page.model_dump(mode="json") == {
        "items": [{"registered_at": "2025-03-14T09:26:53.589000Z", "id": str(EQUIPMENT_ID)}],
        "next_cursor": None,
    }
