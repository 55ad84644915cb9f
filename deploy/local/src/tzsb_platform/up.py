"""`make up`: the whole platform on one machine, until Ctrl-C.

Order of start: PostgreSQL and Kafka (embedded unless given), one database per service, every
service's migrations, the topics and their `.dlq` twins, the bureau's first credential, then the
five services. Once ready, it supervises them: a service, Kafka or PostgreSQL that exits on its
own is reported and restarted with a growing delay while the rest keep serving (the outbox holds
accepted writes while Kafka is away). Only a stop (SIGINT/SIGTERM, or `until` in tests) ends the
run, backwards: services, Kafka, PostgreSQL. Something that fails while starting still ends it
with a non-zero exit, since nothing has been promised yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import inspect
import os
import signal
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from tzsb_common.db import async_url, asyncpg_dsn
from tzsb_common.embedded import (
    DEFAULT_POM,
    EmbeddedBroker,
    EmbeddedKafka,
    EmbeddedPostgres,
    choose_broker,
    port_in_use,
)
from tzsb_common.logging import configure_logging, get_logger
from tzsb_platform.services import (
    REGISTRY,
    SERVICES,
    TOKEN_ENDPOINT_PATH,
    ServiceProcess,
    ServiceSpec,
    service_env,
)
from tzsb_platform.settings import PlatformSettings

log = get_logger(__name__)

_NAME_WIDTH = 22


def say(line: str) -> None:
    """The user-facing lines of `make up` (everything else is logged to stderr)."""
    print(line, flush=True)


@dataclass(frozen=True)
class ServiceInfo:
    name: str
    base_url: str
    log_path: Path


@dataclass(frozen=True)
class PlatformInfo:
    """What is running once every service reported ready."""

    database_url: str
    """Server-level URL (the embedded one, or DATABASE_URL)."""
    kafka_bootstrap_servers: str
    kafka_idempotence: bool
    services: dict[str, ServiceInfo]
    bureau_client_path: Path
    bureau_client_created: bool


OnReady = Callable[[PlatformInfo], Awaitable[None] | None]


class PlatformAlreadyRunningError(RuntimeError):
    pass


class _StopRequested(Exception):
    """A stop arrived while starting; unwinds to the shutdown."""


class StartupError(RuntimeError):
    """Something needed did not come up; the message says what and where its log is."""


@dataclass
class _Running:
    """Everything started so far, so the shutdown stops exactly that, backwards."""

    postgres: EmbeddedPostgres | None = None
    broker: EmbeddedBroker | None = None
    services: list[ServiceProcess] = field(default_factory=list)


@contextlib.contextmanager
def _single_instance(state_dir: Path) -> Iterator[None]:
    """An exclusive lock on var/up.lock; the OS drops it when the process dies, so no stale lock."""
    state_dir.mkdir(parents=True, exist_ok=True)
    lock_path = state_dir / "up.lock"
    handle: IO[str] = lock_path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise PlatformAlreadyRunningError(
                f"tzsb is already running from {state_dir} (pid {holder}; lock {lock_path}). "
                "Stop it first (Ctrl-C in its terminal), or give this one another STATE_DIR "
                "and other ports."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield
    finally:
        handle.close()


async def run_platform(
    settings: PlatformSettings,
    *,
    until: asyncio.Event | None = None,
    on_ready: OnReady | None = None,
    handle_signals: bool | None = None,
    report: Callable[[str], None] = say,
) -> int:
    """Start everything, run until `until` is set (or SIGINT/SIGTERM), stop it; the exit code.

    0 after a requested stop; 1 when something failed to start. A child that exits once the
    platform is ready is restarted, not fatal.
    Signals are handled when `handle_signals` is true, by default when `until` is not given.
    """
    stop = until or asyncio.Event()
    if handle_signals is None:
        handle_signals = until is None
    handled: list[signal.Signals] = []
    if handle_signals and threading.current_thread() is threading.main_thread():
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
            handled.append(signum)
    try:
        with _single_instance(settings.state_dir):
            return await _run_locked(settings, stop, on_ready, report)
    except PlatformAlreadyRunningError as error:
        report(str(error))
        return 1
    finally:
        loop = asyncio.get_running_loop()
        for signum in handled:
            loop.remove_signal_handler(signum)


async def _run_locked(
    settings: PlatformSettings,
    stop: asyncio.Event,
    on_ready: OnReady | None,
    report: Callable[[str], None],
) -> int:
    running = _Running()
    started_at = time.monotonic()
    exit_code = 0
    try:
        info = await _start(settings, running, stop, report)
        log.info("platform ready", seconds=round(time.monotonic() - started_at, 1))
        report("ready")
        if on_ready is not None:
            result = on_ready(info)
            if inspect.isawaitable(result):
                await result
        exit_code = await _supervise(running, settings, stop, report)
    except _StopRequested:
        report("stop requested while starting")
    except StartupError as error:
        report(f"error: {error}")
        exit_code = 1
    except Exception as error:
        log.exception("make up failed")
        report(f"error: {error}")
        exit_code = 1
    finally:
        report("stopping")
        await _shutdown(running, settings)
        report("stopped")
    return exit_code


def _check_stop(stop: asyncio.Event) -> None:
    if stop.is_set():
        raise _StopRequested


async def _start(
    settings: PlatformSettings,
    running: _Running,
    stop: asyncio.Event,
    report: Callable[[str], None],
) -> PlatformInfo:
    state_dir = settings.state_dir
    report(f"state in {state_dir}")
    processes = [_service_process(spec, settings) for spec in SERVICES]
    await asyncio.gather(
        *(asyncio.to_thread(p.stop_leftover, settings.stop_timeout_s) for p in processes)
    )
    _refuse_busy_ports(settings, processes)

    database_url, bootstrap, idempotence = await _start_infrastructure(settings, running, report)
    _check_stop(stop)

    service_urls = {spec.name: _service_database_url(database_url, spec) for spec in SERVICES}
    await _create_databases(database_url, [spec.database for spec in SERVICES])
    for spec in SERVICES:
        _check_stop(stop)
        await _migrate(spec, service_urls[spec.name])
    report(f"databases ready: {', '.join(spec.database for spec in SERVICES)} (migrated)")

    _check_stop(stop)
    topics = await _create_topics(bootstrap, settings.kafka_topic_partitions)
    report(
        f"topics ready: {len(topics)} (with their .dlq twins), "
        f"{settings.kafka_topic_partitions} partitions each"
    )

    _check_stop(stop)
    registry_url = settings.base_url(REGISTRY.port(settings))
    client_path, client_created = await _ensure_bureau_client(
        service_urls[REGISTRY.name], state_dir, f"{registry_url}{TOKEN_ENDPOINT_PATH}"
    )

    _check_stop(stop)
    report(f"starting the services; their logs are in {state_dir / 'log'}/<service>.log")
    for process in processes:
        process.env = service_env(
            process.spec,
            settings,
            database_url=service_urls[process.spec.name],
            kafka_bootstrap_servers=bootstrap,
            kafka_idempotence=idempotence,
        )
        process.start()
        running.services.append(process)
    await _wait_until_ready(processes, settings, stop)

    verb = "created now" if client_created else "kept from an earlier run"
    report(f"bureau client ({verb}): {client_path}")
    for process in processes:
        base_url = settings.base_url(process.port)
        report(f"{process.spec.name:<{_NAME_WIDTH}}{base_url}  docs {base_url}/docs")
    return PlatformInfo(
        database_url=database_url,
        kafka_bootstrap_servers=bootstrap,
        kafka_idempotence=idempotence,
        services={
            p.spec.name: ServiceInfo(p.spec.name, settings.base_url(p.port), p.log_path)
            for p in processes
        },
        bureau_client_path=client_path,
        bureau_client_created=client_created,
    )


def _service_process(spec: ServiceSpec, settings: PlatformSettings) -> ServiceProcess:
    return ServiceProcess(
        spec,
        host=settings.http_host,
        port=spec.port(settings),
        env={},
        log_path=settings.state_dir / "log" / f"{spec.name}.log",
        pid_path=settings.state_dir / "run" / f"{spec.name}.pid",
        workers=settings.web_concurrency,
        log_max_bytes=settings.log_max_bytes,
        log_backup_count=settings.log_backup_count,
    )


def _refuse_busy_ports(settings: PlatformSettings, processes: list[ServiceProcess]) -> None:
    """Say which setting to change, rather than let a child fail later with a bind error."""
    wanted = [(p.spec.port_setting.upper(), p.port) for p in processes]
    host = settings.reachable_host.strip("[]")
    busy = [f"{name}={port}" for name, port in wanted if port_in_use(host, port)]
    if busy:
        raise StartupError(
            f"port(s) already in use on {settings.http_host}: {', '.join(busy)}; "
            "stop what uses them or set other ports"
        )


async def _start_infrastructure(
    settings: PlatformSettings, running: _Running, report: Callable[[str], None]
) -> tuple[str, str, bool]:
    """PostgreSQL and Kafka, embedded ones started side by side; returns their addresses."""
    starts: list[Awaitable[None]] = []
    if settings.database_url is None:
        running.postgres = EmbeddedPostgres(
            settings.state_dir / "pg",
            settings.pg_port,
            log_max_bytes=settings.log_max_bytes,
            log_backup_count=settings.log_backup_count,
        )
        starts.append(asyncio.to_thread(running.postgres.start))
    if settings.kafka_bootstrap_servers is None:
        kafka_home = settings.state_dir / "kafka"
        running.broker = await asyncio.to_thread(
            choose_broker,
            kafka_home,
            settings.kafka_port,
            settings.kafka_controller_port,
            jars_dir=kafka_home / "jars",
            pom=DEFAULT_POM,
            default_partitions=settings.kafka_topic_partitions,
            choice=settings.embedded_broker,
            log_max_bytes=settings.log_max_bytes,
            log_backup_count=settings.log_backup_count,
        )
        starts.append(asyncio.to_thread(running.broker.start))
    results = await asyncio.gather(*starts, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise StartupError(str(result)) from result

    if running.postgres is not None:
        database_url = running.postgres.url()
        report(
            f"postgres  {database_url}  (embedded; data {running.postgres.pgdata}, "
            f"log {running.postgres.log_path})"
        )
    else:
        assert settings.database_url is not None
        database_url = settings.database_url
        shown = make_url(database_url).render_as_string(hide_password=True)
        report(f"postgres  {shown}  (given by DATABASE_URL)")

    if running.broker is not None:
        bootstrap = running.broker.bootstrap_servers
        idempotence = running.broker.supports_idempotence
        if isinstance(running.broker, EmbeddedKafka):
            report(
                f"kafka     {bootstrap}  (embedded Apache Kafka; data {running.broker.data_dir}, "
                f"log {running.broker.log_path})"
            )
        else:
            report(
                f"kafka     {bootstrap}  (embedded Tansu: MEMORY ONLY, events are lost when it "
                f"stops; idempotence off; log {running.broker.log_path})"
            )
    else:
        assert settings.kafka_bootstrap_servers is not None
        bootstrap = settings.kafka_bootstrap_servers
        idempotence = True if settings.kafka_idempotence is None else settings.kafka_idempotence
        report(f"kafka     {bootstrap}  (given by KAFKA_BOOTSTRAP_SERVERS)")
    return database_url, bootstrap, idempotence


def _service_database_url(server_url: str, spec: ServiceSpec) -> str:
    return async_url(
        make_url(server_url).set(database=spec.database).render_as_string(hide_password=False)
    )


async def _create_databases(server_url: str, databases: list[str]) -> None:
    try:
        connection = await asyncpg.connect(asyncpg_dsn(server_url), timeout=30)
    except (OSError, asyncpg.PostgresError) as error:
        raise StartupError(f"cannot connect to PostgreSQL: {error}") from error
    try:
        existing = {
            row["datname"] for row in await connection.fetch("SELECT datname FROM pg_database")
        }
        for database in databases:
            if database not in existing:
                # Names come from our own service table, never from input.
                await connection.execute(f'CREATE DATABASE "{database}"')
                log.info("database created", database=database)
    finally:
        await connection.close()


async def _migrate(spec: ServiceSpec, database_url: str) -> None:
    from tzsb_common.migrations import upgrade_to_head

    if not (spec.migrations_dir / "env.py").exists():
        raise StartupError(f"{spec.name} has no migrations at {spec.migrations_dir}")
    try:
        # Alembic's env runs its own event loop, so it gets a thread of its own.
        await asyncio.to_thread(upgrade_to_head, spec.migrations_dir, database_url)
    except Exception as error:
        raise StartupError(f"migrating {spec.name} failed: {error}") from error


async def _create_topics(bootstrap: str, partitions: int) -> list[str]:
    from tzsb_common.contracts import ALL_TOPICS
    from tzsb_common.events import dlq_topic
    from tzsb_common.kafka import ensure_topics

    topics = [*ALL_TOPICS, *(dlq_topic(topic) for topic in ALL_TOPICS)]
    try:
        await ensure_topics(bootstrap, topics, partitions, replication_factor=1)
    except Exception as error:
        raise StartupError(f"creating the topics on {bootstrap} failed: {error}") from error
    return topics


async def _ensure_bureau_client(
    registry_database_url: str, state_dir: Path, token_url: str
) -> tuple[Path, bool]:
    from registry.bootstrap import ensure_bureau_client

    return await ensure_bureau_client(registry_database_url, state_dir, token_url)


async def _wait_until_ready(
    processes: list[ServiceProcess], settings: PlatformSettings, stop: asyncio.Event
) -> None:
    """Poll every /readyz until 200; a service that exits or stays unready fails the start."""
    deadline = time.monotonic() + settings.ready_timeout_s
    pending = list(processes)
    async with httpx.AsyncClient(timeout=2.0) as client:
        while pending:
            _check_stop(stop)
            for process in list(pending):
                if process.exit_code is not None:
                    raise StartupError(
                        f"{process.spec.name} exited with code {process.exit_code} while "
                        f"starting; {process.log_path}:\n{process.log_tail()}"
                    )
                url = f"{settings.base_url(process.port)}/readyz"
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(url)).status_code == 200:
                        pending.remove(process)
            if not pending:
                return
            if time.monotonic() > deadline:
                late = pending[0]
                raise StartupError(
                    f"{late.spec.name} did not answer {settings.base_url(late.port)}/readyz "
                    f"with 200 within {settings.ready_timeout_s:.0f} s; "
                    f"{late.log_path}:\n{late.log_tail()}"
                )
            await asyncio.sleep(0.5)


@dataclass
class _Child:
    """One supervised child: how to tell it exited, and how to start it again."""

    name: str
    log_path: Path
    exit_code: Callable[[], int | Literal["exited"] | None]
    """None while it runs; its exit code (or "exited" where none is known) once it stopped."""
    restart: Callable[[], Awaitable[None]]
    ready_url: str | None = None
    """Polled after a restart, to report when it serves again."""


def _children(running: _Running, settings: PlatformSettings) -> list[_Child]:
    children: list[_Child] = []
    postgres, broker = running.postgres, running.broker
    if postgres is not None:
        children.append(
            _Child(
                "postgres",
                postgres.log_path,
                lambda: None if postgres.is_running else "exited",
                lambda: asyncio.to_thread(postgres.start),
            )
        )
    if broker is not None:
        children.append(
            _Child(
                "kafka",
                broker.log_path,
                lambda: None if broker.is_running else "exited",
                lambda: asyncio.to_thread(broker.start),
            )
        )
    for process in running.services:
        children.append(_service_child(process, settings))
    return children


def _service_child(process: ServiceProcess, settings: PlatformSettings) -> _Child:
    async def restart() -> None:
        # uvicorn forks its workers into the service's process group; whatever is left of the
        # old one (its main process was killed) would hold the port.
        await asyncio.to_thread(process.reap)
        process.start()

    def exit_code() -> int | Literal["exited"] | None:
        # No process at all: its restart failed before one was started.
        return "exited" if process.pid is None else process.exit_code

    return _Child(
        process.spec.name,
        process.log_path,
        exit_code,
        restart,
        ready_url=f"{settings.base_url(process.port)}/readyz",
    )


_STABLE_AFTER_S = 60.0
"""A child that stayed up this long since its last (re)start is restarted after the initial
delay again, rather than the grown one."""


async def _supervise(
    running: _Running,
    settings: PlatformSettings,
    stop: asyncio.Event,
    report: Callable[[str], None],
) -> int:
    """Keep every child running until a stop is requested; returns 0 then.

    Each child has its own watcher, so a restart that takes a while (Kafka replaying its log)
    never delays noticing another child's exit.
    """
    async with asyncio.TaskGroup() as group:
        for child in _children(running, settings):
            group.create_task(_keep_running(child, settings, stop, report), name=child.name)
    return 0


async def _sleep_unless_stopped(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep `seconds`; True when a stop arrived meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    return stop.is_set()


async def _keep_running(
    child: _Child,
    settings: PlatformSettings,
    stop: asyncio.Event,
    report: Callable[[str], None],
) -> None:
    delay = settings.restart_backoff_initial_s
    up_since = time.monotonic()
    while True:
        if await _sleep_unless_stopped(stop, 0.5):
            return
        code = child.exit_code()
        if code is None:
            continue
        if time.monotonic() - up_since >= _STABLE_AFTER_S:
            delay = settings.restart_backoff_initial_s
        how = "" if code == "exited" else f" with code {code}"
        report(f"{child.name} exited{how}; restarting in {delay:g} s (log {child.log_path})")
        log.info("child exited; restarting", child=child.name, exit_code=code, delay_s=delay)
        if await _sleep_unless_stopped(stop, delay):
            return
        delay = min(delay * 2, settings.restart_backoff_max_s)
        up_since = time.monotonic()
        try:
            # Not raced against a stop: the shutdown must find a started child, or none.
            await child.restart()
        except Exception as error:
            # Its exit code stays set, so the next round reports it and tries again.
            report(f"{child.name} did not restart: {error}".splitlines()[0])
            log.info("restart failed", child=child.name, error=str(error))
            continue
        report(f"{child.name} restarted")
        if child.ready_url is not None:
            await _report_ready_again(child, settings, stop, report)


async def _report_ready_again(
    child: _Child,
    settings: PlatformSettings,
    stop: asyncio.Event,
    report: Callable[[str], None],
) -> None:
    assert child.ready_url is not None
    deadline = time.monotonic() + settings.ready_timeout_s
    async with httpx.AsyncClient(timeout=2.0) as client:
        while time.monotonic() < deadline and child.exit_code() is None:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(child.ready_url)).status_code == 200:
                    report(f"{child.name} ready again")
                    return
            if await _sleep_unless_stopped(stop, 0.5):
                return


async def _shutdown(running: _Running, settings: PlatformSettings) -> None:
    """Services first (all at once, bounded), then Kafka, then PostgreSQL."""
    for process in running.services:
        process.send_stop()
    await asyncio.gather(
        *(
            asyncio.to_thread(process.wait_stopped, settings.stop_timeout_s)
            for process in running.services
        )
    )
    for process in running.services:
        process.close_log()
    if running.broker is not None:
        await asyncio.to_thread(running.broker.stop)
    if running.postgres is not None:
        await asyncio.to_thread(running.postgres.stop)


def main() -> None:
    """`tzsb-up` / `make up`."""
    configure_logging(service="tzsb-up", level=os.environ.get("LOG_LEVEL", "WARNING"), json=False)
    exit_code = asyncio.run(run_platform(PlatformSettings()))
    raise SystemExit(exit_code)


if __name__ == "__main__":
    main()
