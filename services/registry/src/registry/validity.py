"""Validity periods (有效期) of licences, maintenance contracts and personnel certificates.

The three share one shape — `valid_from` and `valid_to`, both days in China Standard Time and
both included — and one set of plausibility rules, kept here so they cannot drift apart.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum

from registry.equipment.rules import Violation

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")
"""Business dates are days in Asia/Shanghai; China keeps no daylight-saving time, so a fixed
offset is exact and needs no time-zone database."""

EARLIEST_VALID_FROM = date(1990, 1, 1)
"""Older than any record a bureau still keeps: a year like 0001 is a typing error."""
MAX_VALIDITY_YEARS = 10
"""Licences and certificates run four years (TSG 07, TSG Z6001), contracts one to three; ten
leaves room for a bureau's own terms while catching 2206 typed for 2026."""


class ValidityReason(StrEnum):
    """Stable `code`s of a refused validity period."""

    dates_inconsistent = "dates_inconsistent"
    date_out_of_range = "date_out_of_range"


def today() -> date:
    """The current business day."""
    return datetime.now(UTC).astimezone(CHINA_STANDARD_TIME).date()


def covers(valid_from: date, valid_to: date, day: date) -> bool:
    return valid_from <= day <= valid_to


def validity_violations(valid_from: date, valid_to: date) -> list[Violation]:
    """What is wrong with a validity period; empty when it is plausible."""
    violations: list[Violation] = []
    if valid_from < EARLIEST_VALID_FROM:
        violations.append(
            Violation(
                ("valid_from",),
                ValidityReason.date_out_of_range,
                f"valid_from must not be before {EARLIEST_VALID_FROM.isoformat()}",
            )
        )
    if valid_to < valid_from:
        violations.append(
            Violation(
                ("valid_to",), ValidityReason.dates_inconsistent, "valid_to is before valid_from"
            )
        )
    elif valid_to > _add_years(valid_from, MAX_VALIDITY_YEARS):
        violations.append(
            Violation(
                ("valid_to",),
                ValidityReason.date_out_of_range,
                f"a validity period is at most {MAX_VALIDITY_YEARS} years",
            )
        )
    return violations


def day_violation(field: str, day: date, *, today: date) -> Violation | None:
    """A single business day (a suspension's, a termination's) must be plausible too: not
    before the earliest record and not more than the longest validity period ahead."""
    latest = _add_years(today, MAX_VALIDITY_YEARS)
    if EARLIEST_VALID_FROM <= day <= latest:
        return None
    return Violation(
        (field,),
        ValidityReason.date_out_of_range,
        f"{field} must lie between {EARLIEST_VALID_FROM.isoformat()} and {latest.isoformat()}",
    )


def _add_years(day: date, years: int) -> date:
    if day.year + years > date.max.year:
        return date.max
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)
