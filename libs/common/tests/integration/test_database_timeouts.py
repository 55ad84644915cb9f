"""A database that stops answering costs a request a few seconds and a 503, never a hang.

The database is made to stop answering two ways: a lock nobody releases (the server's own
`statement_timeout` cancels the statement), and a TCP proxy between the service and PostgreSQL
that stops passing bytes, as a frozen host or a dead network path would (only the driver's own
connect and command time-outs can end that wait). Each outage is lifted after a while; without
the time-outs the request would then succeed, so a 201 instead of a 503 fails the test.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from machinery_support import THINGS_TOPIC, new_subject
from tzsb_common.auth import CallerKind
from tzsb_common.db import asyncpg_dsn
from tzsb_common.testing import TokenFactory, TopicReader

OUTAGE_S = 20.0
"""How long an outage lasts; far above every time-out under test."""


class FreezableProxy:
    """A TCP proxy on 127.0.0.1 that can stop passing bytes in both directions (and accepts,
    but does not serve, new connections meanwhile) — a database host that froze."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        self.flowing.set()
        if self._server is not None:
            self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def freeze(self) -> None:
        self.flowing.clear()

    def thaw(self) -> None:
        self.flowing.set()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        await self.flowing.wait()
        try:
            server_r, server_w = await asyncio.open_connection(*self.target)
        except OSError:
            client_w.close()
            return
        for reader, writer in ((client_r, server_w), (server_r, client_w)):
            task = asyncio.create_task(self._pipe(reader, writer))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                await self.flowing.wait()
                writer.write(data)
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()


@pytest.fixture
async def proxy(database_url: str) -> AsyncIterator[FreezableProxy]:
    url = make_url(database_url)
    proxy = FreezableProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    yield proxy
    await proxy.close()


@pytest.fixture
def settings_overrides(database_url: str, proxy: FreezableProxy) -> dict[str, object]:
    through_proxy = make_url(database_url).set(host="127.0.0.1", port=proxy.port)
    return {
        "database_url": through_proxy.render_as_string(hide_password=False),
        "database_connect_timeout_s": 1.0,
        "database_statement_timeout_s": 1.0,
        "database_command_timeout_s": 1.5,
        "database_pool_timeout_s": 1.0,
        "run_background_workers": True,
    }


async def _post_thing(
    client: httpx.AsyncClient, tokens: TokenFactory, seq: int, subject: str | None = None
) -> httpx.Response:
    return await client.post(
        "/api/v1/things",
        json={"subject": subject or new_subject(), "seq": seq},
        headers=tokens.headers(CallerKind.bureau),
    )


def _assert_database_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["type"] == "urn:tzsb:problem:database-unavailable"


async def test_a_statement_stuck_behind_a_lock_answers_503_and_the_next_write_succeeds(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory, database_url: str
) -> None:
    assert (await _post_thing(client, tokens, 1)).status_code == 201
    holder = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        locked = holder.transaction()
        await locked.start()
        await holder.execute("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE")
        release = asyncio.get_running_loop().call_later(
            OUTAGE_S, lambda: asyncio.ensure_future(locked.rollback())
        )

        blocked = await _post_thing(client, tokens, 2)

        release.cancel()
        await locked.rollback()
    finally:
        await holder.close()
    _assert_database_unavailable(blocked)
    assert (await _post_thing(client, tokens, 3)).status_code == 201


async def test_a_frozen_database_answers_503_and_writes_and_the_relay_resume_after_it(
    app: FastAPI,
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    proxy: FreezableProxy,
    topic_reader: TopicReader,
) -> None:
    before, after = new_subject(), new_subject()
    assert (await _post_thing(client, tokens, 1, before)).status_code == 201  # pool is open
    proxy.freeze()
    thaw = asyncio.get_running_loop().call_later(OUTAGE_S, proxy.thaw)
    try:
        on_open_connection = await _post_thing(client, tokens, 2)
        readiness = await client.get("/readyz")
    finally:
        thaw.cancel()
        proxy.thaw()

    _assert_database_unavailable(on_open_connection)
    assert readiness.status_code == 503
    assert (await _post_thing(client, tokens, 3, after)).status_code == 201
    records = await topic_reader.read(THINGS_TOPIC, count=2)
    assert {record.key.decode() for record in records if record.key} == {before, after}


async def test_a_database_that_accepts_connections_but_never_answers_gives_503(
    app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory, proxy: FreezableProxy
) -> None:
    proxy.freeze()  # before the first connection: the connect itself hangs
    thaw = asyncio.get_running_loop().call_later(OUTAGE_S, proxy.thaw)
    try:
        response = await _post_thing(client, tokens, 1)
    finally:
        thaw.cancel()
        proxy.thaw()

    _assert_database_unavailable(response)
