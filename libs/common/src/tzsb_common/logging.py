"""Structured JSON logs with the request id of the request being served."""

from __future__ import annotations

import asyncio
import atexit
import json as jsonlib
import logging
import sys
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def _add_request_id(
    _logger: object, _method: str, event_dict: structlog.types.EventDict
) -> structlog.types.EventDict:
    request_id = request_id_var.get()
    if request_id is not None:
        event_dict.setdefault("request_id", request_id)
    return event_dict


CLIENT_LIBRARY_LOGGERS = ("aiokafka", "kafka", "asyncpg", "sqlalchemy")
"""Libraries whose records repeat once per reconnect attempt while a server is away."""

OUTAGE_LOGGERS = ("tzsb_common",)
"""Our own machinery, whose warnings repeat once per retry (a consumer restarting, a readiness
probe failing, a request refused with 503) while a server is away; its errors always pass."""

REPEAT_COUNT_FIELDS = ("repeated", "repeated_within_s")


@dataclass
class _Repeats:
    logged_at: float
    suppressed: int = 0


class RepeatedRecordFilter(logging.Filter):
    """Logs a repeating record once per interval, with the count of those it held back.

    Records are "the same" when they come from the same logger with the same message template
    (the format string before its arguments, or structlog's event name), whatever the
    arguments: aiokafka's "Unable connect to node with id 1: …" is one record however often it
    fires. The first is logged; the next `interval_s` seconds of them are only counted; the
    first after that is logged with `repeated` (how many were held back) and
    `repeated_within_s`. A broker restart thus costs a few lines instead of thousands a second.
    """

    _MAX_KEYS = 2048

    def __init__(
        self,
        interval_s: float,
        *,
        client_loggers: tuple[str, ...] = CLIENT_LIBRARY_LOGGERS,
        outage_loggers: tuple[str, ...] = OUTAGE_LOGGERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.interval_s = interval_s
        self._client_loggers = client_loggers
        self._outage_loggers = outage_loggers
        self._clock = clock
        self._seen: dict[tuple[str, str], _Repeats] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.interval_s <= 0 or not self._applies_to(record):
            return True
        key = (record.name, _template(record))
        now = self._clock()
        with self._lock:
            repeats = self._seen.get(key)
            if repeats is not None and now - repeats.logged_at < self.interval_s:
                repeats.suppressed += 1
                return False
            if len(self._seen) >= self._MAX_KEYS:
                self._seen.clear()  # templates are few; this only guards against a runaway
            self._seen[key] = _Repeats(logged_at=now)
        if repeats is not None and repeats.suppressed:
            _attach_count(record, repeats.suppressed, round(now - repeats.logged_at, 1))
        return True

    def _applies_to(self, record: logging.LogRecord) -> bool:
        if _in_namespace(record.name, self._client_loggers):
            return True
        return record.levelno == logging.WARNING and _in_namespace(
            record.name, self._outage_loggers
        )


def _in_namespace(name: str, namespaces: tuple[str, ...]) -> bool:
    return any(name == ns or name.startswith(f"{ns}.") for ns in namespaces)


def _template(record: logging.LogRecord) -> str:
    message = record.msg
    if isinstance(message, dict):  # a structlog record: its event name is the template
        return str(message.get("event", ""))
    return str(message)


def _attach_count(record: logging.LogRecord, suppressed: int, within_s: float) -> None:
    if isinstance(record.msg, dict):
        record.msg = {**record.msg, "repeated": suppressed, "repeated_within_s": within_s}
    else:  # picked up by the ExtraAdder in the formatter's chain
        record.repeated = suppressed
        record.repeated_within_s = within_s


def configure_logging(
    *, service: str, level: str = "INFO", json: bool = True, repeat_interval_s: float = 10.0
) -> None:
    """Route stdlib and structlog records through one JSON renderer on stderr.

    Repeated client-library errors are logged once per `repeat_interval_s` with a count
    (`RepeatedRecordFilter`); 0 logs every one.
    """
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        _add_request_id,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = _PreRenderedOrProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder(allow=REPEAT_COUNT_FIELDS)],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(RepeatedRecordFilter(repeat_interval_s))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    structlog.contextvars.bind_contextvars(service=service)
    _line_format.service = service
    _line_format.json = json
    access_lines.write_to(handler)
    # aiokafka logs every failed reconnect at ERROR (the filter above counts the repeats); the
    # relay and consumer report outages themselves.
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
    # uvicorn installs its own plain-text handlers before the app exists; route them through ours.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)


class _LineFormat:
    service: str | None = None
    json: bool = True


_line_format = _LineFormat()
_RENDERED_LINE = "tzsb_rendered_line"


class LineBatch:
    """Access lines written together once per turn of the event loop.

    A record through the logging machinery — record object, filters, handler lock, a write and
    a flush — cost about 35 µs, most of it the flush's system call: more than everything else
    a cached read of one record does in Python. Lines handed in while a request is served are
    kept until the loop has run the other ready callbacks and written in one call, under the
    handler's lock so they never interleave with other records. Without a running loop, and
    when a batch grows large, a line is written at once; what is pending is written at exit.
    """

    MAX_PENDING = 512

    def __init__(self) -> None:
        self._handler: logging.StreamHandler[Any] | None = None
        self._pending: list[str] = []
        self._scheduled = False
        atexit.register(self.flush)

    def write_to(self, handler: logging.StreamHandler[Any] | None) -> None:
        """Where lines go from now on; None hands them back to the logging machinery."""
        self.flush()
        self._handler = handler

    @property
    def active(self) -> bool:
        return self._handler is not None

    def add(self, line: str) -> None:
        self._pending.append(line)
        if len(self._pending) >= self.MAX_PENDING:
            self.flush()
            return
        if self._scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        loop.call_soon(self.flush)
        self._scheduled = True

    def flush(self) -> None:
        self._scheduled = False
        handler = self._handler
        if not self._pending or handler is None:
            return
        text = "\n".join(self._pending) + "\n"
        self._pending.clear()
        handler.acquire()
        try:
            handler.stream.write(text)
            handler.flush()
        except (OSError, ValueError):  # a closed or broken stream: lose the lines, not the app
            pass
        finally:
            handler.release()


access_lines = LineBatch()


class _PreRenderedOrProcessorFormatter(structlog.stdlib.ProcessorFormatter):
    """A record that arrives rendered (the access log's) is written as it is."""

    def format(self, record: logging.LogRecord) -> str:
        line = record.__dict__.get(_RENDERED_LINE)
        if line is not None:
            return str(line)
        return super().format(record)


class AccessLog:
    """One JSON line per request, rendered directly: the same fields and layout as every other
    line, without structlog's processor chain, which costs about ten times as much per line and
    runs on every request. Anything but JSON output takes the ordinary path."""

    def __init__(self, name: str) -> None:
        self._logger = logging.getLogger(name)
        self._structured = get_logger(name)
        self._name = name

    def log(self, level: int, event: str, **fields: Any) -> None:
        if not self._logger.isEnabledFor(level):
            return
        if not _line_format.json:
            self._structured.log(level, event, **fields)
            return
        document = dict(fields)
        document["event"] = event
        if _line_format.service is not None:
            document["service"] = _line_format.service
        document["level"] = logging.getLevelName(level).lower()
        document["logger"] = self._name
        document["timestamp"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        line = jsonlib.dumps(document, ensure_ascii=False, default=str)
        if access_lines.active and self._logger.propagate and not self._logger.handlers:
            access_lines.add(line)
        else:
            self._logger.log(level, event, extra={_RENDERED_LINE: line})


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)
