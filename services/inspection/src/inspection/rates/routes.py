"""HTTP for the reporting rates: the bureau and other government systems read them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from starlette.responses import Response

from inspection.rates import service
from inspection.rates.rules import period_problem
from inspection.rates.schemas import RatesRead
from tzsb_common.auth import SupervisoryPrincipal
from tzsb_common.days import QueryDay
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import ValidationFailed
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router("/rates", tags=["rates 检验率、隐患率、整改率"])


@router.get("", response_model=RatesRead)
async def get_rates(
    _: SupervisoryPrincipal,
    database: CurrentDatabase,
    period_start: Annotated[QueryDay, Query(description="first day of the period (included)")],
    period_end: Annotated[QueryDay, Query(description="last day of the period (included)")],
) -> Response:
    """检验率 per category and park (in use on the period's last day with a valid inspection
    due on or after it), 隐患率 (hazards found ÷ equipment inspected in the period), 整改率
    (closed ÷ due in the period). Percentages are decimal strings, half-up to two places."""
    problem = period_problem(period_start, period_end)
    if problem is not None:
        raise ValidationFailed.at(["query", "period_end"], problem, "period_end_before_start")
    rates = await service.rates_of(database, period_start=period_start, period_end=period_end)
    return record_response(rates)
