"""`/healthz` (the process answers) and `/readyz` (what the service needs is reachable).

Readiness checks are objects on `app.state.readiness_checks`, added by each service's
composition root: the database here, Kafka and stalled consumers where a service has them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tzsb_common.logging import get_logger
from tzsb_common.problems import ServiceUnavailable

CHECK_TIMEOUT_S = 2.0
_OK = "ok"

_log = get_logger(__name__)


class ReadinessCheck(Protocol):
    """One dependency `/readyz` verifies. `check()` returns None when it is fine, else a short
    reason fit for an operator's dashboard (no credentials, hosts or SQL)."""

    @property
    def name(self) -> str: ...

    async def check(self) -> str | None: ...


class DatabaseCheck:
    """The database answers `SELECT 1` on a pooled connection."""

    name = "database"

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


async def _readyz(request: Request) -> JSONResponse:
    checks: Sequence[ReadinessCheck] = getattr(request.app.state, "readiness_checks", [])
    results = await run_readiness_checks(checks)
    if all(outcome == _OK for outcome in results.values()):
        return JSONResponse({"status": "ready", "checks": results})
    failing = sorted(name for name, outcome in results.items() if outcome != _OK)
    problem = ServiceUnavailable(
        f"Not ready: {', '.join(failing)}.", slug="not-ready", checks=results
    )
    return problem.to_response(request.url.path)


def health_router() -> APIRouter:
    router = APIRouter(tags=["operations"])
    router.add_api_route("/healthz", _healthz, methods=["GET"], summary="The process is alive")
    router.add_api_route(
        "/readyz",
        _readyz,
        methods=["GET"],
        summary="Every dependency (database, Kafka, consumers) is reachable",
        responses={503: {"description": "Not ready; `checks` names what failed and why"}},
    )
    return router
