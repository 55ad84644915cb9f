"""Days given in a query string (`?as_of=2026-06-01`), checked as strictly as days in a body."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
EARLIEST_QUERY_DAY, LATEST_QUERY_DAY = date(1990, 1, 1), date(2999, 12, 31)


def _iso_day(value: object) -> object:
    # A query string is parsed in pydantic's lax mode, which reads "0" or "1700000000" as a
    # Unix time; a day in a query is written as in a body, YYYY-MM-DD, or refused.
    if isinstance(value, str) and not _ISO_DAY.fullmatch(value):
        raise PydanticCustomError("date_parsing", "Input should be a day written YYYY-MM-DD")
    return value


def _plausible_day(value: date) -> date:
    # A day at the ends of the calendar has no next day to split a period at, nor a UTC
    # instant for its midnight; no record a bureau keeps is older than 1990.
    if not EARLIEST_QUERY_DAY <= value <= LATEST_QUERY_DAY:
        raise PydanticCustomError(
            "date_range", "Input should be a day between 1990-01-01 and 2999-12-31"
        )
    return value


QueryDay = Annotated[date, BeforeValidator(_iso_day), AfterValidator(_plausible_day)]
"""A day in a query string: written YYYY-MM-DD, between 1990 and 2999."""
