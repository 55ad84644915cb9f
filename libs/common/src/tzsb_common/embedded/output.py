"""Where a child process's output goes (the embedded servers', and the services' under `make
up`): a pipe, copied by a thread of ours into a log file rotated by size. Written straight to a
file, PostgreSQL's and Kafka's logs grew without bound (1.6 GB and 350 MB under var/ after some
weeks of use here)."""

from __future__ import annotations

import contextlib
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO

DEFAULT_LOG_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_LOG_BACKUP_COUNT = 5


class RotatingLog:
    """A child's output file, rotated by size: `<name>.log`, then `.log.1` (newest) … `.log.N`.

    The child writes into a pipe and a thread of ours copies it here, so rotation works however
    many processes the child forks (uvicorn workers share the pipe) and whatever writes to their
    stdout/stderr (tracebacks, native libraries), and the child never holds a file we rename.
    A file is rotated at a line boundary once it reaches `max_bytes`.
    """

    def __init__(self, path: Path, *, max_bytes: int, backup_count: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.backup_count = backup_count
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[bytes] = path.open("ab")
        self._size = self._file.tell()

    def write(self, data: bytes) -> None:
        with self._lock:
            while data:
                room = self.max_bytes - self._size
                if len(data) <= room:
                    self._append(data)
                    return
                # Fill the file up to the last line end that fits, then rotate.
                cut = data.rfind(b"\n", 0, max(room, 0)) + 1
                if cut == 0 and self._size == 0:
                    cut = len(data)  # one line longer than a whole file: keep it whole
                self._append(data[:cut])
                data = data[cut:]
                self._rotate()

    def pump(
        self, stream: IO[bytes], observe: Callable[[bytes], None] | None = None
    ) -> threading.Thread:
        """Copy `stream` here until it closes, in a daemon thread; `observe` sees each chunk
        first (a line may span two chunks)."""

        def copy() -> None:
            with contextlib.suppress(OSError, ValueError):
                while chunk := stream.read1(64 * 1024):  # type: ignore[attr-defined]
                    if observe is not None:
                        observe(chunk)
                    self.write(chunk)
            stream.close()

        thread = threading.Thread(target=copy, name=f"log:{self.path.name}", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        with self._lock:
            self._file.close()

    def _append(self, data: bytes) -> None:
        self._file.write(data)
        self._file.flush()
        self._size += len(data)

    def _rotate(self) -> None:
        self._file.close()
        if self.backup_count == 0:
            self.path.unlink(missing_ok=True)
        else:
            self.path.with_name(f"{self.path.name}.{self.backup_count}").unlink(missing_ok=True)
            for index in range(self.backup_count - 1, 0, -1):
                older = self.path.with_name(f"{self.path.name}.{index}")
                if older.exists():
                    older.rename(self.path.with_name(f"{self.path.name}.{index + 1}"))
            self.path.rename(self.path.with_name(f"{self.path.name}.1"))
        self._file = self.path.open("ab")
        self._size = 0


class ChildOutput:
    """One server's output across its starts: `attach` each new process (started with
    `stdout=subprocess.PIPE, stderr=subprocess.STDOUT`), `drain` once it exited, before
    reading the log, and `close` when it is stopped for good."""

    def __init__(self, path: Path, *, max_bytes: int, backup_count: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.backup_count = backup_count
        self._log: RotatingLog | None = None
        self._pump: threading.Thread | None = None

    def attach(
        self, process: subprocess.Popen[bytes], observe: Callable[[bytes], None] | None = None
    ) -> None:
        assert process.stdout is not None, "start the process with stdout=subprocess.PIPE"
        self._pump = self._opened().pump(process.stdout, observe)

    def write(self, data: bytes) -> None:
        """Lines of ours between the process's (a start, a restart)."""
        self._opened().write(data)

    def drain(self, timeout_s: float = 5.0) -> None:
        """Wait until the output of the exited process is in the log (its children, which
        share the pipe, may hold it open a little longer)."""
        if self._pump is not None:
            self._pump.join(timeout=timeout_s)
            if not self._pump.is_alive():
                self._pump = None

    def close(self) -> None:
        self.drain()
        if self._log is not None:
            self._log.close()
            self._log = None

    def _opened(self) -> RotatingLog:
        if self._log is None:
            self._log = RotatingLog(
                self.path, max_bytes=self.max_bytes, backup_count=self.backup_count
            )
        return self._log
