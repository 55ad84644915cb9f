from __future__ import annotations

import logging
import types
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from pydantic import BaseModel
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from structlog.testing import CapturingLogger

import tzsb_common.http as http_module
import tzsb_common.problems as problems_module
from tzsb_common.http import install_http_middleware
from tzsb_common.problems import (
    PROBLEM_MEDIA_TYPE,
    Conflict,
    NotFound,
    install_problem_handlers,
)
from tzsb_common.settings import ServiceSettings

BODY_LIMIT = 1024
SERVICE = "problems-test"
UNREACHABLE_DATABASE_URL = "postgresql+asyncpg://tzsb:pw@127.0.0.1:1/tzsb"


class OrganisationCreate(BaseModel):
    credit_code: str
    employees: int


def build_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    install_http_middleware(
        app, ServiceSettings(service_name=SERVICE, max_request_body_bytes=BODY_LIMIT)
    )

    @app.post("/organisations", status_code=201)
    async def create_organisation(organisation: OrganisationCreate) -> OrganisationCreate:
        return organisation

    @app.get("/organisations/{organisation_id}")
    async def read_organisation(organisation_id: str) -> dict[str, str]:
        if organisation_id == "missing":
            raise NotFound("No organisation with this id.")
        return {"id": organisation_id}

    @app.post("/organisations/{organisation_id}/clients")
    async def create_client(organisation_id: str) -> None:
        raise Conflict("The organisation already has a client.", client_id="abc")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("SELECT secret FROM clients -- internal detail")

    @app.get("/database-down")
    async def database_down() -> None:
        raise sa_exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("refused"))

    @app.get("/database-refuses-connections")
    async def database_refuses_connections() -> None:
        # Nothing listens on port 1: the driver's connect is refused at once.
        engine = create_async_engine(UNREACHABLE_DATABASE_URL)
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        finally:
            await engine.dispose()

    @app.get("/integrity")
    async def integrity() -> None:
        raise sa_exc.IntegrityError("INSERT INTO clients", {}, Exception("duplicate key"))

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


@pytest.fixture
def error_log(monkeypatch: pytest.MonkeyPatch) -> CapturingLogger:
    logger = CapturingLogger()
    monkeypatch.setattr(problems_module, "_log", logger)
    return logger


@pytest.fixture
def access_log(monkeypatch: pytest.MonkeyPatch) -> CapturingLogger:
    logger = CapturingLogger()
    monkeypatch.setattr(http_module, "_access_log", logger)
    return logger


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:tzsb:problem:{slug}"
    assert body["status"] == status
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def test_malformed_json_body_is_a_422_problem_naming_the_body(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/organisations",
        content=b'{"credit_code": "91350100M000100Y43", ',
        headers={"content-type": "application/json"},
    )

    body = assert_problem(response, 422, "validation-error")
    assert body["instance"] == "/organisations"
    assert body["errors"] == [
        {
            "location": ["body"],
            "field": "body",
            "message": body["errors"][0]["message"],
            "code": "json_invalid",
        }
    ]
    assert "91350100M000100Y43" not in response.text


async def test_wrong_type_names_the_field_and_its_location_without_echoing_the_value(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/organisations", json={"credit_code": "91350100M000100Y43", "employees": "hunter2"}
    )

    body = assert_problem(response, 422, "validation-error")
    [error] = body["errors"]
    assert error["location"] == ["body", "employees"]
    assert error["field"] == "employees"
    assert error["code"] == "int_parsing"
    assert set(error) == {"location", "field", "message", "code"}
    assert "hunter2" not in response.text


async def test_every_invalid_field_is_reported(client: httpx.AsyncClient) -> None:
    response = await client.post("/organisations", json={"employees": "many"})

    body = assert_problem(response, 422, "validation-error")
    locations = sorted(error["location"] for error in body["errors"])
    assert locations == [["body", "credit_code"], ["body", "employees"]]


async def test_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/route")

    body = assert_problem(response, 404, "not-found")
    assert body["instance"] == "/no/such/route"


async def test_wrong_method_is_a_405_problem_that_lists_the_allowed_ones(
    client: httpx.AsyncClient,
) -> None:
    response = await client.delete("/organisations")

    assert_problem(response, 405, "method-not-allowed")
    assert response.headers["allow"] == "POST"


async def test_problem_raised_by_a_route_keeps_its_type_detail_and_extensions(
    client: httpx.AsyncClient,
) -> None:
    not_found = await client.get("/organisations/missing")
    conflict = await client.post("/organisations/o-1/clients")

    assert assert_problem(not_found, 404, "not-found")["detail"] == "No organisation with this id."
    assert assert_problem(conflict, 409, "conflict")["client_id"] == "abc"


async def test_unexpected_exception_is_a_generic_500_that_reveals_nothing(
    client: httpx.AsyncClient, error_log: CapturingLogger
) -> None:
    response = await client.get("/boom")

    body = assert_problem(response, 500, "internal-error")
    assert "SELECT" not in response.text
    assert "RuntimeError" not in response.text
    assert "Traceback" not in response.text
    assert body["detail"] == "An unexpected error occurred; quote the request_id when reporting it."
    [logged] = error_log.calls
    assert logged.method_name == "error"
    assert isinstance(logged.kwargs["exc_info"], RuntimeError)


async def test_unreachable_database_is_a_503_problem(
    client: httpx.AsyncClient, error_log: CapturingLogger
) -> None:
    response = await client.get("/database-down")

    assert_problem(response, 503, "database-unavailable")
    assert "SELECT" not in response.text
    assert [call.method_name for call in error_log.calls] == ["warning"]


async def test_refused_database_connection_is_a_503_problem_without_the_address(
    client: httpx.AsyncClient, error_log: CapturingLogger
) -> None:
    response = await client.get("/database-refuses-connections")

    assert_problem(response, 503, "database-unavailable")
    assert "127.0.0.1" not in response.text
    assert response.headers["retry-after"] == "5"


async def test_database_error_that_is_not_an_outage_is_a_generic_500(
    client: httpx.AsyncClient, error_log: CapturingLogger
) -> None:
    response = await client.get("/integrity")

    assert_problem(response, 500, "internal-error")
    assert "INSERT" not in response.text


def test_connection_refused_counts_as_database_outage_only_when_the_driver_raised_it() -> None:
    def connect_from_driver() -> None:
        raise ConnectionRefusedError("connection refused")

    # The same code with the globals of a driver module: the check reads each frame's module.
    in_driver = types.FunctionType(
        connect_from_driver.__code__, {"__name__": "asyncpg.connect_utils"}
    )
    with pytest.raises(ConnectionRefusedError) as from_driver:
        in_driver()
    with pytest.raises(ConnectionRefusedError) as from_elsewhere:
        connect_from_driver()

    assert problems_module.is_database_unavailable(from_driver.value)
    assert not problems_module.is_database_unavailable(from_elsewhere.value)


async def test_body_declared_larger_than_the_limit_is_refused_with_413(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/organisations",
        content=b"x" * (BODY_LIMIT + 1),
        headers={"content-type": "application/json"},
    )

    body = assert_problem(response, 413, "payload-too-large")
    assert body["max_bytes"] == BODY_LIMIT


async def test_streamed_body_exceeding_the_limit_is_refused_with_413(
    client: httpx.AsyncClient,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(8):
            yield b" " * 256

    response = await client.post(
        "/organisations", content=chunks(), headers={"content-type": "application/json"}
    )

    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "payload-too-large")


async def test_body_within_the_limit_is_served(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/organisations", json={"credit_code": "91350100M000100Y43", "employees": 12}
    )

    assert response.status_code == 201


async def test_sane_request_id_is_echoed_and_an_unsafe_one_is_replaced(
    client: httpx.AsyncClient,
) -> None:
    echoed = await client.get("/organisations/o-1", headers={"X-Request-ID": "gateway-42.a"})
    replaced = await client.get("/organisations/o-1", headers={"X-Request-ID": "bad id\r\n"})
    too_long = await client.get("/organisations/o-1", headers={"X-Request-ID": "a" * 129})

    assert echoed.headers["x-request-id"] == "gateway-42.a"
    assert len(replaced.headers["x-request-id"]) == 32
    assert len(too_long.headers["x-request-id"]) == 32


async def test_access_log_records_the_request_without_headers_or_body(
    client: httpx.AsyncClient, access_log: CapturingLogger
) -> None:
    await client.post(
        "/organisations",
        json={"credit_code": "91350100M000100Y43", "employees": 12},
        headers={"Authorization": "Bearer secret-token", "X-Request-ID": "r-1"},
    )

    [line] = access_log.calls
    assert line.args == (logging.INFO, "http request")
    assert line.kwargs == {
        "method": "POST",
        "path": "/organisations",
        "status": 201,
        "duration_ms": line.kwargs["duration_ms"],
        "request_id": "r-1",
    }
    assert "secret-token" not in repr(line)


async def test_latency_is_measured_per_route_template_not_per_raw_path(
    client: httpx.AsyncClient,
) -> None:
    labels = {
        "service": SERVICE,
        "method": "GET",
        "route": "/organisations/{organisation_id}",
        "status": "200",
    }
    before = REGISTRY.get_sample_value("tzsb_http_request_duration_seconds_count", labels) or 0.0

    await client.get("/organisations/o-1")
    await client.get("/organisations/o-2")

    after = REGISTRY.get_sample_value("tzsb_http_request_duration_seconds_count", labels)
    assert after == before + 2


async def test_without_the_http_middleware_an_unexpected_exception_is_still_a_generic_500(
    error_log: CapturingLogger,
) -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("internal detail")

    # Starlette's outermost error layer answers, then re-raises for the server to see.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/boom")

    assert response.status_code == 500
    assert response.json()["type"] == "urn:tzsb:problem:internal-error"
    assert "internal detail" not in response.text
