"""The elevator-management indicators (Lanzhou report, Table 3) as pure functions.

DOMAIN.md, "The elevator-management indicators": over the elevators in use on the last day of a
period, each indicator is the share that meets its condition, a percentage rounded half-up to
two decimals; the composite score is the sum of the eight rounded rates (the seed's 99.97 + 100
+ 100 + 97.79 + 94.11 + 90.29 + 99.96 + 96 = 778.12). The database counts; these functions turn
counts into the published figures, so the rounding is decided in one place, with `decimal`.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

_CENT = Decimal("0.01")


class Indicator(StrEnum):
    """The eight rates of Table 3, in the seed's column order. Values are stable API."""

    record_completeness = "record_completeness"  # 档案信息完整率
    registration = "registration"  # 登记率
    inspection = "inspection"  # 检验率
    contract_validity = "contract_validity"  # 维保合同有效率
    swipe_maintenance = "swipe_maintenance"  # 刷卡维保率
    on_time_maintenance = "on_time_maintenance"  # 按期维保率
    emergency_platform = "emergency_platform"  # 处置平台进入率
    label = "label"  # 贴牌率


INDICATOR_LABELS: dict[Indicator, str] = {
    Indicator.record_completeness: "档案信息完整率",
    Indicator.registration: "登记率",
    Indicator.inspection: "检验率",
    Indicator.contract_validity: "维保合同有效率",
    Indicator.swipe_maintenance: "刷卡维保率",
    Indicator.on_time_maintenance: "按期维保率",
    Indicator.emergency_platform: "处置平台进入率",
    Indicator.label: "贴牌率",
}


# -- versioned definitions -------------------------------------------------------------------


class DefinitionParameters(BaseModel):
    """What a version of a definition may tune; an indicator without parameters has none."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class InspectionParameters(DefinitionParameters):
    passing_conclusions: tuple[str, ...] = Field(min_length=1)
    """Conclusions that count as a passing inspection: 合格 pass and 复检合格 pass after
    re-inspection in the first version."""


class OnTimeParameters(DefinitionParameters):
    interval_days: int | None = Field(default=None, gt=0)
    """TSG T5002: the longest gap between two visits, unless an elevator's contract sets its
    own (按需维保). The first version fixes 15 days; a version that leaves it open takes the
    MAINTENANCE_INTERVAL_DAYS setting, and then a report is only as repeatable as the setting."""


_SPECIFIC_PARAMETERS: dict[Indicator, type[DefinitionParameters]] = {
    Indicator.inspection: InspectionParameters,
    Indicator.on_time_maintenance: OnTimeParameters,
}
PARAMETERS_OF: dict[Indicator, type[DefinitionParameters]] = {
    indicator: _SPECIFIC_PARAMETERS.get(indicator, DefinitionParameters) for indicator in Indicator
}
"""How each indicator reads the parameters of its definition's versions."""


@dataclass(frozen=True)
class IndicatorDefinition:
    """One version of an indicator's definition (指标口径), in effect from `valid_from` until
    the next version's. A period is judged by the versions in effect on its last day, so a
    report of a past period comes out as it was published, whatever changed since."""

    indicator: Indicator
    version: int
    valid_from: date
    formula: str
    parameters: DefinitionParameters


def definition(
    indicator: str, version: int, valid_from: date, formula: str, parameters: dict[str, Any]
) -> IndicatorDefinition:
    """A stored definition row, its parameters read by the indicator's own model."""
    which = Indicator(indicator)
    return IndicatorDefinition(
        which, version, valid_from, formula, PARAMETERS_OF[which].model_validate(parameters)
    )


class NoDefinition(LookupError):
    """An indicator has no version in effect on the day asked for."""


def definitions_in_effect(
    definitions: Sequence[IndicatorDefinition], on: date
) -> dict[Indicator, IndicatorDefinition]:
    """Per indicator, the latest version whose valid-from is on or before `on`."""
    chosen: dict[Indicator, IndicatorDefinition] = {}
    for candidate in definitions:
        if candidate.valid_from > on:
            continue
        held = chosen.get(candidate.indicator)
        if held is None or (candidate.valid_from, candidate.version) > (
            held.valid_from,
            held.version,
        ):
            chosen[candidate.indicator] = candidate
    missing = [indicator.value for indicator in Indicator if indicator not in chosen]
    if missing:
        raise NoDefinition(f"no definition in effect on {on} for {', '.join(missing)}")
    return {indicator: chosen[indicator] for indicator in Indicator}


@dataclass(frozen=True)
class Judgement:
    """The parameters the counting statement takes from the definitions in effect."""

    interval_days: int
    passing_conclusions: tuple[str, ...]
    versions: dict[Indicator, int]


def judgement(
    in_effect: Mapping[Indicator, IndicatorDefinition], *, default_interval_days: int
) -> Judgement:
    inspection = in_effect[Indicator.inspection].parameters
    on_time = in_effect[Indicator.on_time_maintenance].parameters
    assert isinstance(inspection, InspectionParameters)
    assert isinstance(on_time, OnTimeParameters)
    return Judgement(
        interval_days=on_time.interval_days or default_interval_days,
        passing_conclusions=inspection.passing_conclusions,
        versions={indicator: d.version for indicator, d in in_effect.items()},
    )


class RegionLevel(StrEnum):
    """The levels a region is named at, outermost first; `group_by` takes the last three."""

    province = "province"
    city = "city"
    district = "district"
    park = "park"


GROUPING_LEVELS: dict[RegionLevel, tuple[RegionLevel, ...]] = {
    RegionLevel.city: (RegionLevel.province, RegionLevel.city),
    RegionLevel.district: (RegionLevel.province, RegionLevel.city, RegionLevel.district),
    RegionLevel.park: (
        RegionLevel.province,
        RegionLevel.city,
        RegionLevel.district,
        RegionLevel.park,
    ),
}
"""A city is named by its province and city, a park by all four: two parks of one name in two
districts are two regions."""


def percentage(count: int, total: int) -> Decimal | None:
    """`count` of `total` as a percentage rounded half-up to two decimals; None when there is
    nothing to count (a region with no elevators in use has no rate, not 0 % nor 100 %).

    The quotient is exact whenever it ends in a 5 at the third decimal (such a quotient is a
    terminating decimal, far inside decimal's 28 digits), so the boundary rounds up exactly."""
    if total <= 0:
        return None
    if not 0 <= count <= total:
        raise ValueError(f"{count} of {total} is not a share")
    return (Decimal(count * 100) / Decimal(total)).quantize(_CENT, rounding=ROUND_HALF_UP)


def rates_of(
    counts: Mapping[Indicator, int], elevators_in_use: int
) -> dict[Indicator, Decimal | None]:
    """Each indicator's rate from the number of elevators that meet it."""
    return {indicator: percentage(counts[indicator], elevators_in_use) for indicator in Indicator}


def composite(rates: Mapping[Indicator, Decimal | None]) -> Decimal | None:
    """综合得分: the sum of the eight rounded rates; None when the rates are undefined."""
    values = [rates[indicator] for indicator in Indicator]
    if any(value is None for value in values):
        return None
    return sum((value for value in values if value is not None), Decimal(0))


def competition_ranks(scores: Sequence[Decimal | None]) -> list[int | None]:
    """Standard competition ranking (1, 2, 2, 2, 5), highest score first: tied scores share a
    rank and the next distinct score skips as many places as shared it. A missing score has no
    rank."""
    ranks: list[int | None] = []
    for score in scores:
        if score is None:
            ranks.append(None)
            continue
        ranks.append(1 + sum(1 for other in scores if other is not None and other > score))
    return ranks


def ranked(items: Sequence[T], score: Callable[[T], Decimal | None]) -> list[tuple[int | None, T]]:
    """Items with their competition rank, best first; unranked ones last, in their order."""
    ranks = competition_ranks([score(item) for item in items])
    pairs = list(zip(ranks, items, strict=True))
    return sorted(pairs, key=lambda pair: (pair[0] is None, pair[0] or 0))


# -- periods ----------------------------------------------------------------------------------


def last_day_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def calendar_periods(today: date) -> tuple[tuple[date, date], ...]:
    """The calendar month, quarter and year that hold `today`, each from its first day to its
    last: the periods the dashboards and the year's report keep asking about while they run,
    so they are counted before anyone asks."""
    quarter_start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    return (
        (today.replace(day=1), last_day_of_month(today)),
        (quarter_start, last_day_of_month(quarter_start.replace(month=quarter_start.month + 2))),
        (today.replace(month=1, day=1), today.replace(month=12, day=31)),
    )


@dataclass(frozen=True)
class PeriodMonths:
    """How a period is read: its whole months from the monthly roll-up, and the days of the
    months it covers only in part (at most one run at each end) from the visits themselves."""

    whole_from: date | None
    """First day of the first whole month; None when the period holds no whole month."""
    whole_to: date | None
    """First day of the last whole month."""
    partial: tuple[tuple[date, date], ...]
    """Inclusive day ranges of the partly covered months."""


def period_months(start: date, end: date) -> PeriodMonths:
    if end < start:
        raise ValueError("the period ends before it starts")
    first_whole = start if start.day == 1 else last_day_of_month(start) + timedelta(days=1)
    # The first day of the month that ends the last whole month: end's own when end closes it.
    after_last_whole = (
        last_day_of_month(end) + timedelta(days=1)
        if end == last_day_of_month(end)
        else end.replace(day=1)
    )
    last_whole = (after_last_whole - timedelta(days=1)).replace(day=1)
    if first_whole >= after_last_whole:
        return PeriodMonths(None, None, ((start, end),))
    partial = []
    if start < first_whole:
        partial.append((start, first_whole - timedelta(days=1)))
    if after_last_whole <= end:
        partial.append((after_last_whole, end))
    return PeriodMonths(first_whole, last_whole, tuple(partial))


COUNT_COLUMNS = ("elevators_in_use", *(indicator.value for indicator in Indicator))
"""The columns of a count row besides its region: additive, so a region's counts are the sums
of its parks' counts."""


def judgement_key(judged: Judgement) -> str:
    """Names what a stored count was judged by: two periods counted under different versions or
    parameters never share counts."""
    versions = ",".join(f"{i.value}={v}" for i, v in sorted(judged.versions.items()))
    conclusions = ",".join(sorted(judged.passing_conclusions))
    return f"{versions};interval={judged.interval_days};pass={conclusions}"


def regional_counts(
    park_rows: Sequence[Mapping[str, Any]],
    region: Mapping[str, str | None],
    levels: Sequence[str],
) -> list[dict[str, Any]]:
    """From counts per park (every region level named, park possibly null), the counts the
    counting statement answers for `region` grouped by `levels`: one row per region that has
    elevators, or with no levels exactly one row (zeros for an empty region), as an aggregate
    without GROUP BY answers. A filter on a level excludes rows where that level is null, as
    `column = $n` does."""
    sums: dict[tuple[Any, ...], dict[str, Any]] = {}
    if not levels:
        sums[()] = {column: 0 for column in COUNT_COLUMNS}
    for row in park_rows:
        if any(value is not None and row[level] != value for level, value in region.items()):
            continue
        key = tuple(row[level] for level in levels)
        into = sums.get(key)
        if into is None:
            into = sums[key] = {
                **dict(zip(levels, key, strict=True)),
                **{column: 0 for column in COUNT_COLUMNS},
            }
        for column in COUNT_COLUMNS:
            into[column] += int(row[column])
    return list(sums.values())
