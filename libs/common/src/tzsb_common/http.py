"""ASGI middleware every service runs: request id, body size limit, latency metric, access log.

Written as plain ASGI callables rather than `BaseHTTPMiddleware`, which buffers streaming
bodies, runs the app in a separate task (so context variables set inside do not come back)
and costs noticeably on the hot ingestion paths.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Mapping

from fastapi import FastAPI
from prometheus_client import Histogram
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tzsb_common.logging import AccessLog, request_id_var
from tzsb_common.metrics import HTTP_REQUEST_DURATION
from tzsb_common.problems import PayloadTooLarge, answer_unhandled_error
from tzsb_common.settings import ServiceSettings

REQUEST_ID_HEADER = "X-Request-ID"

# A caller-supplied id is reused only if it is a plain token: it ends up in logs and headers.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:+/=-]{1,128}")
_UNMATCHED_ROUTE = "<unmatched>"
# Probes and scrapes arrive every few seconds; logging each at INFO would drown real traffic.
_QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

_API_PREFIX = "/api/"

_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

_access_log = AccessLog("tzsb.http.access")


def _add_security_headers(headers: MutableHeaders, api_answer: bool) -> None:
    """nosniff on everything (a JSON answer must never be run as a script or page), and
    `no-store` on API answers, which carry tokens and personal data, unless the route chose
    its own caching."""
    raw = headers.raw
    raw.append((b"x-content-type-options", b"nosniff"))
    if api_answer and not any(name == b"cache-control" for name, _ in raw):
        raw.append((b"cache-control", b"no-store"))


def request_id_from(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate: str = value.decode("latin-1")
            if _SANE_REQUEST_ID.fullmatch(candidate):
                return candidate
            break
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str:
    """`/api/v1/equipment/{equipment_code}` rather than the raw path, so the metric's label
    set stays bounded however many distinct ids are requested."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template if isinstance(template, str) and template else _UNMATCHED_ROUTE


class RequestTelemetryMiddleware:
    """Outermost layer: gives the request its id, answers exceptions nothing else answered,
    and records how the request ended (latency histogram and one access log line)."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service
        self._histograms: dict[tuple[str, str, int], Histogram] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request_id = request_id_from(scope)
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        response_started = False

        api_answer = scope["path"].startswith(_API_PREFIX)

        async def send_with_request_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers[REQUEST_ID_HEADER] = request_id
                _add_security_headers(headers, api_answer)
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        except Exception as exc:
            if response_started:
                # Too late to answer; let the server abort the connection.
                raise
            # Answered here rather than by Starlette's outer error handler so the log line and
            # the problem body still carry this request's id.
            response = answer_unhandled_error(exc, method=scope["method"], path=scope["path"])
            await response(scope, receive, send_with_request_id)
        finally:
            self._record(scope, status, time.perf_counter() - started, request_id)
            request_id_var.reset(token)

    def _record(self, scope: Scope, status: int, elapsed_s: float, request_id: str) -> None:
        method: str = scope["method"]
        path: str = scope["path"]
        route = route_template(scope)
        # Any token is a method to the HTTP parser; the metric's label set must stay bounded.
        method_label = method if method in _KNOWN_METHODS else "OTHER"
        histogram = self._histograms.get((method_label, route, status))
        if histogram is None:
            # `labels()` takes a lock and builds a key on every call; the label sets are few
            # (route templates, not paths), so each child is looked up once.
            histogram = HTTP_REQUEST_DURATION.labels(
                service=self.service, method=method_label, route=route, status=str(status)
            )
            self._histograms[(method_label, route, status)] = histogram
        histogram.observe(elapsed_s)
        # Only these fields: never headers (Authorization) nor bodies nor the query string.
        level = logging.DEBUG if path in _QUIET_PATHS and status < 400 else logging.INFO
        _access_log.log(
            level,
            "http request",
            method=method,
            path=path,
            status=status,
            duration_ms=round(elapsed_s * 1000, 2),
            request_id=request_id,
        )


class _BodyLimitExceeded(Exception):
    """Raised from `receive` to stop the app reading a body that is over the limit."""


class BodySizeLimitMiddleware:
    """Refuses a request body over `max_bytes` with a 413 problem, whether its size is declared
    up front (Content-Length) or only discovered while it streams in (chunked encoding)."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, path_limits: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = dict(path_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.path_limits.get(scope["path"], self.max_bytes)
        declared = _declared_length(scope)
        if declared is not None and declared > max_bytes:
            await self._refuse(scope, receive, send, max_bytes)
            return

        received = 0
        exceeded = False
        response_started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    exceeded = True
                    raise _BodyLimitExceeded
            return message

        async def send_unless_exceeded(message: Message) -> None:
            nonlocal response_started
            # Whatever the app makes of a body it could not finish reading (FastAPI turns the
            # interruption into a 400) is replaced by the 413 below.
            if exceeded and not response_started:
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, send_unless_exceeded)
        except Exception:
            if not exceeded or response_started:
                raise
        if exceeded and not response_started:
            await self._refuse(scope, receive, send, max_bytes)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, max_bytes: int) -> None:
        problem = PayloadTooLarge(
            f"The request body exceeds the limit of {max_bytes} bytes.",
            max_bytes=max_bytes,
        )
        # Tell the client not to keep streaming a body nobody will read.
        problem.headers["Connection"] = "close"
        await problem.to_response(scope["path"])(scope, receive, send)


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def install_http_middleware(
    app: FastAPI, settings: ServiceSettings, body_limits: Mapping[str, int] | None = None
) -> None:
    """`body_limits`: paths whose bodies may be larger than `max_request_body_bytes` (an
    upload); their routes enforce the same limit as they read."""
    # Starlette wraps in reverse order of addition: the telemetry layer ends up outermost, so
    # a 413 from the size limit is logged, measured and carries the request id too.
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_request_body_bytes,
        path_limits=body_limits,
    )
    app.add_middleware(RequestTelemetryMiddleware, service=settings.service_name)
