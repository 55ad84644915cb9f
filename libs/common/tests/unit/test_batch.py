from __future__ import annotations

import httpx
from fastapi import FastAPI, Request
from pydantic import BaseModel

from tzsb_common.batch import as_batch
from tzsb_common.problems import install_problem_handlers


class Swipe(BaseModel):
    swipe_id: str


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/swipes")
    async def swipes(body: Swipe | list[Swipe], request: Request) -> dict[str, object]:
        items, is_batch = as_batch(body, max_items=3)
        return {"ids": [i.swipe_id for i in items], "batch": is_batch}

    return app


async def _post(json: object) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.post("/swipes", json=json)


async def test_one_item_and_a_batch_are_both_accepted() -> None:
    one = await _post({"swipe_id": "a"})
    assert one.json() == {"ids": ["a"], "batch": False}
    many = await _post([{"swipe_id": "a"}, {"swipe_id": "b"}])
    assert many.json() == {"ids": ["a", "b"], "batch": True}


async def test_a_batch_over_the_limit_is_a_413_problem_naming_the_limit() -> None:
    response = await _post([{"swipe_id": str(n)} for n in range(4)])
    assert response.status_code == 413
    problem = response.json()
    assert problem["type"] == "urn:tzsb:problem:batch-too-large"
    assert problem["max_items"] == 3
    assert problem["items"] == 4
