"""`/healthz` (the process answers) and `/readyz` (what the service needs is reachable).

Readiness checks are objects on `app.state.readiness_checks`, added by each service's
composition root: the database here, Kafka and stalled consumers where a service has them.

A check is *required* unless it says otherwise (`required = False`). A failing required check
(the database) answers 503, so a load balancer stops sending requests that could only fail. A
failing optional one (Kafka, the relay, a consumer) leaves `/readyz` at 200 with status
"degraded": the outbox keeps accepting writes while Kafka is away, and pulling every replica
then would turn a bus outage into a full one. Both show in `/metrics`
(`tzsb_readiness_check_ok`, `tzsb_degraded`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import Gauge
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tzsb_common.cancellation import raise_if_cancelled
from tzsb_common.logging import get_logger
from tzsb_common.problems import ServiceUnavailable

CHECK_TIMEOUT_S = 2.0
_OK = "ok"

_log = get_logger(__name__)

READINESS_CHECK_OK = Gauge(
    "tzsb_readiness_check_ok",
    "1 when a readiness check passed at its last run, 0 when it failed; `required` says whether"
    " its failure makes /readyz answer 503 (true) or only degraded (false).",
    ["service", "check", "required"],
)

DEGRADED = Gauge(
    "tzsb_degraded",
    "1 while the service is ready but an optional dependency (Kafka, a worker) is failing.",
    ["service"],
)


class ReadinessCheck(Protocol):
    """One dependency `/readyz` verifies. `check()` returns None when it is fine, else a short
    reason fit for an operator's dashboard (no credentials, hosts or SQL)."""

    @property
    def name(self) -> str: ...

    async def check(self) -> str | None: ...


def is_required(check: ReadinessCheck) -> bool:
    """Whether a failing `check` makes the service unready (default) or only degraded."""
    return bool(getattr(check, "required", True))


class DatabaseCheck:
    """The database answers `SELECT 1` on a pooled connection."""

    name = "database"
    required = True

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def check(self) -> str | None:
        try:
            async with self._engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:
            # The full error names hosts and users; it goes to the log, not the probe's body.
            _log.warning("readiness: database unreachable", error=repr(exc))
            return f"unreachable ({type(exc).__name__})"
        return None


async def run_readiness_checks(
    checks: Sequence[ReadinessCheck], *, timeout_s: float = CHECK_TIMEOUT_S
) -> dict[str, str]:
    """Every check at once, each bounded by `timeout_s`: name → "ok" or the reason it failed."""
    outcomes = await asyncio.gather(*(_outcome(check, timeout_s) for check in checks))
    return {check.name: outcome for check, outcome in zip(checks, outcomes, strict=True)}


async def _outcome(check: ReadinessCheck, timeout_s: float) -> str:
    try:
        reason = await asyncio.wait_for(check.check(), timeout=timeout_s)
    except TimeoutError:
        return f"no answer within {timeout_s:g} s"
    except Exception as exc:
        _log.warning("readiness check failed", check=check.name, exc_info=exc)
        return f"check failed ({type(exc).__name__})"
    return _OK if reason is None else reason


async def _healthz() -> dict[str, str]:
    return {"status": "ok"}


async def evaluate_readiness(
    checks: Sequence[ReadinessCheck], *, service: str
) -> tuple[bool, bool, dict[str, str]]:
    """Run every check and record it in the gauges: (ready, degraded, outcome per check)."""
    results = await run_readiness_checks(checks)
    ready, degraded = True, False
    for check in checks:
        passed = results[check.name] == _OK
        required = is_required(check)
        READINESS_CHECK_OK.labels(service, check.name, str(required).lower()).set(int(passed))
        if not passed:
            if required:
                ready = False
            else:
                degraded = True
    DEGRADED.labels(service).set(int(ready and degraded))
    return ready, degraded, results


def _service_name(app: FastAPI) -> str:
    settings = getattr(app.state, "settings", None)
    name = getattr(settings, "service_name", None)
    return name if isinstance(name, str) else app.title


async def _readyz(request: Request) -> JSONResponse:
    checks: Sequence[ReadinessCheck] = getattr(request.app.state, "readiness_checks", [])
    ready, degraded, results = await evaluate_readiness(checks, service=_service_name(request.app))
    if ready:
        return JSONResponse({"status": "degraded" if degraded else "ready", "checks": results})
    failing = sorted(
        check.name for check in checks if is_required(check) and results[check.name] != _OK
    )
    problem = ServiceUnavailable(
        f"Not ready: {', '.join(failing)}.", slug="not-ready", checks=results
    )
    return problem.to_response(request.url.path)


async def track_readiness(app: FastAPI, *, interval_s: float) -> None:
    """Keep the readiness gauges current between probes, so `/metrics` shows an outage even
    where nothing polls `/readyz`. Runs until cancelled."""
    while True:
        raise_if_cancelled()
        await asyncio.sleep(interval_s)
        checks: Sequence[ReadinessCheck] = getattr(app.state, "readiness_checks", [])
        try:
            await evaluate_readiness(checks, service=_service_name(app))
        except Exception as exc:  # a gauge must never take the service down
            _log.warning("readiness tracking failed", error=repr(exc))


def health_router() -> APIRouter:
    router = APIRouter(tags=["operations"])
    router.add_api_route("/healthz", _healthz, methods=["GET"], summary="The process is alive")
    router.add_api_route(
        "/readyz",
        _readyz,
        methods=["GET"],
        summary="The database is reachable (Kafka and the workers may be degraded)",
        responses={
            200: {"description": "`status` is `ready`, or `degraded` naming what is failing"},
            503: {"description": "Not ready; `checks` names what failed and why"},
        },
    )
    return router
