"""A whole platform started as `make up` starts it, on its own ports and state directory, for
end-to-end tests that drive it the way integrators do."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tzsb_common.embedded import free_port

READY_TIMEOUT_S = 180


@contextmanager
def running_platform(name: str, **settings: str) -> Iterator[dict[str, str]]:
    """Start `python -m tzsb_platform` with free ports, a fresh state directory and `settings`
    on top; yield its environment once it says `ready`; stop it with Ctrl-C (killed if it does
    not stop within a minute) and remove its state."""
    scratch = Path(os.environ.get("TMPDIR", "/tmp"))
    state = scratch / f"tzsb-{name}-{os.getpid()}-{time.monotonic_ns()}"
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")
    }
    env.update(
        STATE_DIR=str(state),
        PG_PORT=str(free_port()),
        KAFKA_PORT=str(free_port()),
        KAFKA_CONTROLLER_PORT=str(free_port()),
        REGISTRY_PORT=str(free_port()),
        INSPECTION_PORT=str(free_port()),
        ELEVATOR_MAINTENANCE_PORT=str(free_port()),
        CYLINDER_TRACE_PORT=str(free_port()),
        REPORTING_PORT=str(free_port()),
        KAFKA_TOPIC_PARTITIONS="2",
        **settings,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "tzsb_platform"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        said: list[str] = []
        for line in process.stdout:
            said.append(line)
            if line.strip() == "ready":
                break
            assert time.monotonic() < deadline, "".join(said)
        else:
            pytest.fail("the platform ended before it was ready:\n" + "".join(said))
        yield env
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
        shutil.rmtree(state, ignore_errors=True)
