"""Strict JSON bodies, on a small app: what every service's routes get from create_service_app."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Body, FastAPI
from pydantic import Field

from tzsb_common.batch import as_batch
from tzsb_common.json_bodies import (
    DuplicateKeyError,
    StrictModel,
    parse_json_refusing_duplicate_keys,
)
from tzsb_common.problems import install_problem_handlers
from tzsb_common.routing import add_feature_routes, feature_router


class Swipe(StrictModel):
    swipe_id: uuid.UUID
    at: datetime
    on: date
    floor: int
    weight_kg: float = Field(ge=0)
    door_ok: bool


router = feature_router(tags=["test"])


@router.post("/swipes")
async def post_swipes(
    body: Annotated[Swipe | list[Swipe], Body()],
) -> dict[str, Any]:
    items, is_batch = as_batch(body, max_items=10)
    return {"batch": is_batch, "floors": [item.floor for item in items]}


@router.post("/embedded")
async def post_embedded(
    swipe: Annotated[Swipe, Body(embed=True)], note: Annotated[str, Body()]
) -> dict[str, Any]:
    return {"floor": swipe.floor, "note": note}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_problem_handlers(app)
    add_feature_routes(app, router)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1/") as c:
        yield c


def swipe(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "swipe_id": str(uuid.uuid4()),
        "at": "2026-11-25T08:00:00+08:00",
        "on": "2026-11-25",
        "floor": 3,
        "weight_kg": 70,
        "door_ok": True,
    }
    body.update(overrides)
    return body


async def test_one_item_and_a_batch_are_both_validated_from_their_json_forms(
    client: httpx.AsyncClient,
) -> None:
    one = await client.post("swipes", json=swipe())
    assert one.json() == {"batch": False, "floors": [3]}
    many = await client.post("swipes", json=[swipe(floor=1), swipe(floor=2)])
    assert many.json() == {"batch": True, "floors": [1, 2]}


@pytest.mark.parametrize(
    ("field", "value"),
    [("floor", "3"), ("floor", 3.5), ("weight_kg", True), ("door_ok", "yes"), ("on", 20000),
     ("on", "2026-11-25T00:00:00"), ("at", 1764028800), ("swipe_id", 5)],
)  # fmt: skip
async def test_a_value_of_the_wrong_json_type_is_refused(
    client: httpx.AsyncClient, field: str, value: object
) -> None:
    response = await client.post("swipes", json=swipe(**{field: value}))
    assert response.status_code == 422
    assert any(field in error["location"] for error in response.json()["errors"])


async def test_a_repeated_key_is_refused_in_a_batch_item_too(client: httpx.AsyncClient) -> None:
    raw = b'[{"floor": 1, "floor": 2}]'
    response = await client.post(
        "swipes", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["code"] == "duplicate_key"
    assert "'floor'" in error["message"]


async def test_embedded_bodies_keep_the_duplicate_key_check_and_fastapi_validation(
    client: httpx.AsyncClient,
) -> None:
    ok = await client.post("embedded", json={"swipe": swipe(floor=7), "note": "n"})
    assert ok.json() == {"floor": 7, "note": "n"}
    doubled = await client.post(
        "embedded",
        content=b'{"note": "a", "note": "b", "swipe": {}}',
        headers={"content-type": "application/json"},
    )
    assert doubled.status_code == 422
    assert doubled.json()["errors"][0]["code"] == "duplicate_key"


async def test_a_missing_body_and_a_foreign_media_type_are_problems(
    client: httpx.AsyncClient,
) -> None:
    missing = await client.post("swipes")
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["code"] == "missing"
    form = await client.post("swipes", data={"floor": "3"})
    assert form.status_code == 415
    untyped = await client.post("swipes", content=b"{}", headers={"content-type": ""})
    assert untyped.status_code == 415


def test_strict_models_refuse_coercion_outside_http_too() -> None:
    with pytest.raises(ValueError, match="floor"):
        Swipe.model_validate_json(json.dumps(swipe(floor="3")))


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (b'{"a": 1, "a": 2}', "a"),
        (b'{"a": 1, "\\u0061": 2}', "a"),  # the same key, escaped
        (b'{"fills": [{"b": {"c": 1, "c": 1}}]}', "c"),
    ],
)
def test_a_repeated_key_is_named_wherever_it_stands(raw: bytes, key: str) -> None:
    with pytest.raises(DuplicateKeyError) as raised:
        parse_json_refusing_duplicate_keys(raw)
    assert raised.value.key == key


def test_what_the_fast_parser_refuses_is_read_as_the_standard_parser_reads_it() -> None:
    deep = b"[" * 500 + b"]" * 500  # deeper than jiter goes, not than the standard parser
    assert parse_json_refusing_duplicate_keys(deep) == json.loads(deep)
    with pytest.raises(json.JSONDecodeError) as truncated:
        parse_json_refusing_duplicate_keys(b'{"a": [1, 2')
    assert (truncated.value.lineno, truncated.value.colno) == (1, 12)
    with pytest.raises(UnicodeDecodeError):
        parse_json_refusing_duplicate_keys(b'{"a": "\xff"}')
    assert parse_json_refusing_duplicate_keys(b'{"a": {"b": [1, 2.5, null, true]}}') == {
        "a": {"b": [1, 2.5, None, True]}
    }
