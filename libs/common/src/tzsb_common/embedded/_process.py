"""Small process helpers shared by the embedded servers: stopping, stale pid files, log tails."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import time
from pathlib import Path

from tzsb_common.logging import get_logger

log = get_logger(__name__)

LOCALHOST = "127.0.0.1"


_handed_out: set[int] = set()
"""Ports this process has given out, so two servers started together never share one."""

_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST_PICKED_PORT = 10_000


def _ephemeral_range() -> tuple[int, int]:
    """The local ports the kernel gives outgoing connections (Linux's default where unknown)."""
    try:
        low, high = (int(part) for part in _EPHEMERAL_RANGE.read_text().split())
    except (OSError, ValueError):
        return 32_768, 60_999
    return low, high


def free_port(host: str = LOCALHOST) -> int:
    """A TCP port nothing listens on right now, below the kernel's ephemeral range.

    A port the OS picks with ``bind(0)`` comes from the ephemeral range, the same range every
    outgoing connection takes its local port from. Between the pick and the server's own bind, a
    connection to PostgreSQL or Kafka could take it ("address already in use"). Below that range
    only another listener can race us.
    """
    low, _ = _ephemeral_range()
    if low - _LOWEST_PICKED_PORT < 1_000:
        return _os_picked_port(host)
    for _ in range(500):
        port = random.randrange(_LOWEST_PICKED_PORT, low)
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    return _os_picked_port(host)


def _os_picked_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
    _handed_out.add(port)
    return port


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def log_tail(path: Path, lines: int = 40) -> str:
    """The last lines of a child's log, for error messages that say why it did not start."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def process_cmdline(pid: int) -> str | None:
    """The command line of a running process on Linux; None where /proc is not available."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return raw.replace(b"\0", b" ").decode("utf-8", errors="replace")


def stop_process(
    process: subprocess.Popen[bytes],
    *,
    first_signal: signal.Signals,
    timeout_s: float,
    name: str,
) -> None:
    """Ask a child to stop, wait a bounded time, then kill it."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(first_signal)
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        log.warning("child did not stop in time; killing it", child=name, pid=process.pid)
        process.kill()
        process.wait(timeout=10)


def stop_pid(pid: int, *, first_signal: signal.Signals, timeout_s: float, name: str) -> None:
    """Like `stop_process` for a process we did not start (left behind by an earlier run)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, first_signal)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return
        time.sleep(0.1)
    log.warning("left-over process did not stop in time; killing it", child=name, pid=pid)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and pid_alive(pid):
        time.sleep(0.05)


def read_pid_file(path: Path) -> int | None:
    try:
        first_line = path.read_text().splitlines()[0]
        return int(first_line.strip())
    except (OSError, ValueError, IndexError):
        return None


def stop_stale_process(
    pid_file: Path,
    *,
    must_contain: str,
    first_signal: signal.Signals,
    timeout_s: float,
    name: str,
) -> None:
    """Stop a process an earlier, crashed run left running, then forget its pid file.

    The command line must contain `must_contain` so a recycled pid never hits a stranger.
    """
    pid = read_pid_file(pid_file)
    if pid is not None and pid != os.getpid() and pid_alive(pid):
        cmdline = process_cmdline(pid)
        if cmdline is None:
            # Without /proc we cannot tell ours from a recycled pid: leave both alone.
            return
        if must_contain in cmdline:
            log.warning("stopping a process left running by an earlier run", child=name, pid=pid)
            stop_pid(pid, first_signal=first_signal, timeout_s=timeout_s, name=name)
    pid_file.unlink(missing_ok=True)
