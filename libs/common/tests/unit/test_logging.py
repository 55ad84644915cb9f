from __future__ import annotations

import asyncio
import io
import json
import logging
import time
from collections.abc import Iterator

import pytest
import structlog

from tzsb_common.logging import (
    AccessLog,
    RepeatedRecordFilter,
    access_lines,
    configure_logging,
    get_logger,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _record(name: str, msg: object, *args: object, level: int = logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, args, None)


def test_a_client_error_repeated_within_the_interval_is_logged_once_then_with_its_count() -> None:
    clock = FakeClock()
    repeats = RepeatedRecordFilter(10.0, clock=clock)
    template = "Unable connect to node with id %s: %s"

    passed = [
        repeats.filter(_record("aiokafka.conn", template, 1, f"attempt {i}")) for i in range(500)
    ]
    clock.now += 10.5
    after_interval = _record("aiokafka.conn", template, 1, "attempt 500")

    assert passed == [True] + [False] * 499
    assert repeats.filter(after_interval)
    assert after_interval.repeated == 499  # type: ignore[attr-defined]
    assert after_interval.repeated_within_s == 10.5  # type: ignore[attr-defined]


def test_different_templates_and_loggers_are_counted_apart() -> None:
    repeats = RepeatedRecordFilter(10.0, clock=FakeClock())

    assert repeats.filter(_record("aiokafka.conn", "Unable connect to node %s", 1))
    assert repeats.filter(_record("aiokafka.client", "Unable connect to node %s", 1))
    assert repeats.filter(_record("aiokafka.conn", "Connection closed %s", 1))
    assert not repeats.filter(_record("aiokafka.conn", "Unable connect to node %s", 2))


def test_our_own_errors_and_other_libraries_always_pass() -> None:
    repeats = RepeatedRecordFilter(10.0, clock=FakeClock())

    for _ in range(3):
        assert repeats.filter(_record("tzsb_common.problems", "unhandled exception"))
        assert repeats.filter(_record("registry.equipment", "something", level=logging.WARNING))
        assert repeats.filter(_record("uvicorn.error", "boom"))


def test_our_outage_warnings_are_counted_like_client_errors() -> None:
    repeats = RepeatedRecordFilter(10.0, clock=FakeClock())
    event = {"event": "consumer restarting", "consumer": "things"}

    assert repeats.filter(_record("tzsb_common.consumer", event, level=logging.WARNING))
    assert not repeats.filter(_record("tzsb_common.consumer", event, level=logging.WARNING))


def test_an_interval_of_zero_logs_everything() -> None:
    repeats = RepeatedRecordFilter(0.0, clock=FakeClock())

    assert all(repeats.filter(_record("aiokafka.conn", "Unable %s", i)) for i in range(5))


@pytest.fixture
def captured_root() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    yield io.StringIO()
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
    access_lines.write_to(None)
    structlog.reset_defaults()


def test_configured_logging_writes_a_repeated_library_error_once_with_the_count_in_json(
    captured_root: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stderr", captured_root)
    configure_logging(service="logging-test", level="INFO", json=True, repeat_interval_s=0.2)
    library = logging.getLogger("aiokafka.conn")
    ours = get_logger("tzsb_common.consumer")

    for attempt in range(200):
        library.error("Unable connect to node with id %s: %s", 1, f"attempt {attempt}")
        ours.warning("consumer restarting", consumer="things", attempt=attempt)
    time.sleep(0.25)  # past the interval
    library.error("Unable connect to node with id %s: %s", 1, "attempt 200")
    ours.warning("consumer restarting", consumer="things", attempt=200)
    lines = [json.loads(line) for line in captured_root.getvalue().splitlines()]

    assert [(line["event"], line.get("repeated")) for line in lines] == [
        ("Unable connect to node with id 1: attempt 0", None),
        ("consumer restarting", None),
        ("Unable connect to node with id 1: attempt 200", 199),
        ("consumer restarting", 199),
    ]


class CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


async def test_access_lines_of_one_loop_turn_are_written_together_in_order(
    captured_root: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = CountingStream()
    monkeypatch.setattr("sys.stderr", stream)
    configure_logging(service="logging-test", level="INFO", json=True)
    access = AccessLog("tzsb.http.access")

    for n in range(5):
        access.log(logging.INFO, "http request", path=f"/things/{n}", status=200)
    assert stream.getvalue() == ""  # still serving: nothing written yet
    await asyncio.sleep(0)

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["path"] for line in lines] == [f"/things/{n}" for n in range(5)]
    assert {line["service"] for line in lines} == {"logging-test"}
    assert stream.writes == 1


def test_an_access_line_outside_a_running_loop_is_written_at_once(
    captured_root: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = CountingStream()
    monkeypatch.setattr("sys.stderr", stream)
    configure_logging(service="logging-test", level="INFO", json=True)

    AccessLog("tzsb.http.access").log(logging.INFO, "http request", path="/things", status=204)

    assert json.loads(stream.getvalue())["status"] == 204


def test_access_lines_below_the_level_are_not_written(
    captured_root: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = CountingStream()
    monkeypatch.setattr("sys.stderr", stream)
    configure_logging(service="logging-test", level="WARNING", json=True)

    AccessLog("tzsb.http.access").log(logging.INFO, "http request", path="/things", status=200)
    access_lines.flush()

    assert stream.getvalue() == ""
