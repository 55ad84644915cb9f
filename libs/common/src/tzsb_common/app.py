"""The composition root every service shares: one FastAPI app with its workers.

A service's `create_app()` declares its routers, its consumers and its outbox table; this module
wires logging, problems, middleware, health, metrics, the database engine, token verification,
the topics, the outbox relay and the consumer loops, and tears them down in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field

import asyncpg
from fastapi import APIRouter, FastAPI
from sqlalchemy import Table

from tzsb_common.auth import CurrentPrincipal, TokenVerifier
from tzsb_common.consumer import AnyConsumerSpec, ConsumerLoop
from tzsb_common.contracts import ALL_TOPICS
from tzsb_common.db import create_engine, create_session_factory
from tzsb_common.docs import install_local_docs
from tzsb_common.events import dlq_topic
from tzsb_common.health import DatabaseCheck, health_router, track_readiness
from tzsb_common.http import install_http_middleware
from tzsb_common.kafka import BrokerProbe, ensure_topics
from tzsb_common.logging import configure_logging, get_logger
from tzsb_common.metrics import metrics_router
from tzsb_common.openapi import install_problem_openapi
from tzsb_common.outbox import Outbox, OutboxRelay, failed_outbox_router
from tzsb_common.pg import Database, create_pool
from tzsb_common.problems import install_problem_handlers
from tzsb_common.routing import API_PREFIX, add_feature_routes
from tzsb_common.settings import ServiceSettings

log = get_logger(__name__)


LifespanHook = Callable[[FastAPI], AbstractAsyncContextManager[None]]


@dataclass
class ServiceDefinition:
    """Everything that makes one service different from another."""

    settings: ServiceSettings
    title: str
    description: str
    outbox_table: Table
    inbox_table: Table
    routers: Sequence[APIRouter] = ()
    """Mounted under `/api/v1`."""
    root_routers: Sequence[APIRouter] = ()
    """Mounted at the root (e.g. `/.well-known/jwks.json`)."""
    consumers: Sequence[AnyConsumerSpec] = ()
    hooks: Sequence[LifespanHook] = ()
    """Entered after the database is ready and before workers start (e.g. load signing keys)."""
    body_limits: Mapping[str, int] = field(default_factory=dict)
    """Request-body limits of paths that take uploads, above `max_request_body_bytes`."""
    version: str = "0.1.0"


@dataclass(frozen=True)
class KafkaCheck:
    probe: BrokerProbe
    name: str = "kafka"
    required = False
    """Kafka away degrades the service but leaves it ready: the outbox keeps accepting writes."""

    async def check(self) -> str | None:
        return await self.probe.reachable()


@dataclass(frozen=True)
class WorkerCheck:
    """Reports an outbox relay or consumer loop that has stopped making progress."""

    name: str
    worker: OutboxRelay | ConsumerLoop
    required = False

    async def check(self) -> str | None:
        return self.worker.health()


def create_service_app(definition: ServiceDefinition) -> FastAPI:
    settings = definition.settings
    configure_logging(
        service=settings.service_name,
        level=settings.log_level,
        json=settings.log_json,
        repeat_interval_s=settings.log_repeat_interval_s,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.settings = settings
        app.state.engine = engine
        app.state.session_factory = create_session_factory(engine)
        app.state.pg_pool = await create_pool(settings)
        app.state.database = Database(
            app.state.pg_pool, acquire_timeout_s=settings.database_pool_timeout_s
        )
        app.state.outbox = Outbox(definition.outbox_table, settings)
        broker_probe = BrokerProbe(settings.kafka_bootstrap_servers)
        app.state.readiness_checks = [
            DatabaseCheck(engine),
            KafkaCheck(broker_probe),
        ]
        workers: list[asyncio.Task[None]] = []
        async with contextlib.AsyncExitStack() as stack:
            for hook in definition.hooks:
                await stack.enter_async_context(hook(app))
            if not hasattr(app.state, "token_verifier"):  # a hook may verify its own tokens
                app.state.token_verifier = TokenVerifier(settings)
            await stack.enter_async_context(app.state.token_verifier.refreshing())
            if settings.run_background_workers:
                relay = OutboxRelay(engine=engine, table=definition.outbox_table, settings=settings)
                loops = [
                    ConsumerLoop(
                        spec=spec,
                        settings=settings,
                        session_factory=app.state.session_factory,
                        inbox=definition.inbox_table,
                        outbox=app.state.outbox,
                    )
                    for spec in definition.consumers
                ]
                app.state.outbox_relay = relay
                app.state.consumer_loops = loops
                app.state.readiness_checks += [WorkerCheck("outbox_relay", relay)]
                app.state.readiness_checks += [WorkerCheck(f"consumer:{c.name}", c) for c in loops]
                workers.append(
                    asyncio.create_task(_run_workers(settings, relay, loops), name="workers")
                )
            workers.append(
                asyncio.create_task(track_readiness(app, interval_s=5.0), name="readiness")
            )
            _freeze_startup_objects()
            log.info("service started", port=settings.http_port)
            try:
                yield
            finally:
                for task in workers:
                    task.cancel()
                for task in workers:
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await asyncio.wait_for(task, timeout=10)
                await engine.dispose()
                await _close_pool(app.state.pg_pool)
                await broker_probe.close()
                log.info("service stopped")

    app = FastAPI(
        title=definition.title,
        description=definition.description,
        version=definition.version,
        lifespan=lifespan,
        # The docs pages are served with their scripts from this service (install_local_docs):
        # FastAPI's own pages load them from a public CDN, blank on a closed network.
        docs_url=None,
        redoc_url=None,
        telemetry=None
        if settings.fastapi_telemetry
        else {"tracing": False, "metrics": False, "logs": False},
    )
    install_local_docs(app)
    install_problem_handlers(app)
    install_problem_openapi(app)
    install_http_middleware(app, settings, definition.body_limits)
    for router in [*definition.routers, failed_outbox_router(definition.outbox_table)]:
        add_feature_routes(app, router)
    app.include_router(health_router())
    app.include_router(metrics_router())
    api = APIRouter(prefix=API_PREFIX)

    @api.get("", include_in_schema=False)
    async def api_index(_: CurrentPrincipal) -> dict[str, str]:
        """What this service is, for a caller exploring the API."""
        return {
            "service": settings.service_name,
            "version": definition.version,
            "docs": "/docs",
            "openapi": "/openapi.json",
        }

    app.include_router(api)
    for router in definition.root_routers:
        app.include_router(router)
    return app


_startup_objects_frozen = False


def _freeze_startup_objects() -> None:
    """The app, its routes, models and settings live as long as the server process; moved out
    of the collector's generations, a full collection no longer walks them, which showed as
    pauses in the slowest requests. Once per process: a test run that builds many apps must
    not pin each one's objects."""
    global _startup_objects_frozen
    if _startup_objects_frozen:
        return
    gc.collect()
    gc.freeze()
    # A batch of 1,000 swipes or fills makes tens of thousands of objects that live for one
    # request; at the default threshold of 700 the young generation was collected dozens of
    # times per batch, walking objects about to be freed anyway: ~3.5 ms of a fill batch's 40.
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, older, oldest)
    _startup_objects_frozen = True


YOUNG_GENERATION_THRESHOLD = 50_000


async def _close_pool(pool: asyncpg.Pool) -> None:
    try:
        await asyncio.wait_for(pool.close(), timeout=10)
    except TimeoutError:
        pool.terminate()


def all_topics(settings: ServiceSettings, consumers: Sequence[AnyConsumerSpec] = ()) -> list[str]:
    """Every topic of the bus and those the consumers read, each with its `.dlq` twin."""
    base = dict.fromkeys([*ALL_TOPICS, *(t for spec in consumers for t in spec.topics)])
    names = [settings.topic(t) for t in base]
    return names + [dlq_topic(t) for t in names]


async def _run_workers(
    settings: ServiceSettings, relay: OutboxRelay, loops: Sequence[ConsumerLoop]
) -> None:
    """Topics first (retrying while Kafka is away), then the relay and every consumer loop.

    The relay waits for the topics so that no broker auto-creates one with the wrong partition
    count; accepted writes wait safely in the outbox meanwhile.
    """
    delay = 0.5
    while True:
        try:
            await ensure_topics(
                settings.kafka_bootstrap_servers,
                all_topics(settings, [loop.spec for loop in loops]),
                settings.kafka_topic_partitions,
                settings.kafka_replication_factor,
                prefix=settings.kafka_topic_prefix,
            )
            break
        except Exception as exc:  # broker not up yet: the relay keeps the events meanwhile
            log.warning("cannot create topics yet", error=f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)
    async with asyncio.TaskGroup() as group:
        group.create_task(relay.run(), name="outbox-relay")
        for loop in loops:
            group.create_task(loop.run(), name=f"consumer:{loop.name}")
