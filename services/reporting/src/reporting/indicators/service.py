"""Use cases of the elevator indicators: count in the database, then let the rules turn the
counts into rounded rates, composites and ranks."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from reporting.indicators import queries
from reporting.indicators.rules import (
    GROUPING_LEVELS,
    INDICATOR_LABELS,
    Indicator,
    IndicatorDefinition,
    Judgement,
    NoDefinition,
    RegionLevel,
    calendar_periods,
    composite,
    definition,
    definitions_in_effect,
    judgement,
    judgement_key,
    period_months,
    ranked,
    rates_of,
    regional_counts,
)
from reporting.indicators.schemas import (
    DefinitionVersions,
    ElevatorIndicatorRanking,
    ElevatorIndicators,
    IndicatorDefinitionList,
    IndicatorDefinitionRead,
    IndicatorGrouping,
    IndicatorRates,
    PublicationCreate,
    PublicationRead,
    RankedRegion,
    Region,
)
from reporting.indicators.workbook import Cell, workbook
from tzsb_common.auth import Principal
from tzsb_common.pg import Connection, Database


def _figure(value: Decimal | None) -> float | None:
    # A two-decimal Decimal converts to the double whose shortest form is those digits.
    return None if value is None else float(value)


def _scored(row: dict[str, Any]) -> tuple[IndicatorRates, Decimal | None]:
    in_use = int(row["elevators_in_use"])
    rates = rates_of({indicator: int(row[indicator.value]) for indicator in Indicator}, in_use)
    return (
        IndicatorRates(**{indicator.value: _figure(rate) for indicator, rate in rates.items()}),
        composite(rates),
    )


async def stored_definitions(conn: Connection) -> list[IndicatorDefinition]:
    return [
        definition(
            row["indicator"], row["version"], row["valid_from"], row["formula"], row["parameters"]
        )
        for row in await queries.indicator_definitions(conn)
    ]


async def judgement_on(conn: Connection, day: date, *, default_interval_days: int) -> Judgement:
    """How a period ending on `day` is judged: by the definitions in effect that day."""
    in_effect = definitions_in_effect(await stored_definitions(conn), day)
    return judgement(in_effect, default_interval_days=default_interval_days)


def definition_versions(judged: Judgement) -> DefinitionVersions:
    return DefinitionVersions(**{i.value: v for i, v in judged.versions.items()})


async def list_definitions(database: Database) -> IndicatorDefinitionList:
    async with database.connection() as conn:
        rows = await queries.indicator_definitions(conn)
    return IndicatorDefinitionList(items=[IndicatorDefinitionRead(**row) for row in rows])


async def _counts(
    database: Database,
    *,
    period_start: date,
    period_end: date,
    region: Region,
    group_levels: tuple[str, ...],
    default_interval_days: int,
    snapshot_seconds: float = 0,
    count_timeout_s: float | None = None,
) -> tuple[Judgement, list[dict[str, Any]]]:
    """The counts per region of `group_levels`. With `snapshot_seconds`, from the period's
    stored counts per park when they are that fresh; a request over every elevator (no region
    named) that finds none counts per park and stores them, so later requests for any region
    or grouping of the period sum a few rows. A request for a named region without a stored
    count counts that region alone, as cheaply as before."""
    months = period_months(period_start, period_end)
    filters = region.model_dump()
    async with database.connection() as conn:
        judged = await judgement_on(conn, period_end, default_interval_days=default_interval_days)
        key = judgement_key(judged)
        if snapshot_seconds > 0:
            stored = await queries.fresh_snapshot(
                conn,
                period_start=period_start,
                period_end=period_end,
                judgement=key,
                max_age_s=snapshot_seconds,
            )
            if stored is not None:
                return judged, regional_counts(stored, filters, group_levels)
        everywhere = snapshot_seconds > 0 and all(v is None for v in filters.values())
        rows = await queries.count_indicators(
            conn,
            period_start=period_start,
            period_end=period_end,
            region=filters,
            group_levels=queries.REGION_COLUMNS if everywhere else group_levels,
            default_interval_days=judged.interval_days,
            passing_conclusions=judged.passing_conclusions,
            whole_months=(months.whole_from, months.whole_to),
            partial_ranges=months.partial,
            timeout_s=count_timeout_s if everywhere else None,
        )
        if not everywhere:
            return judged, rows
        await queries.put_snapshot(
            conn,
            period_start=period_start,
            period_end=period_end,
            judgement=key,
            park_counts=rows,
        )
        return judged, regional_counts(rows, filters, group_levels)


async def refresh_snapshot(
    database: Database,
    *,
    period_start: date,
    period_end: date,
    default_interval_days: int,
    count_timeout_s: float,
) -> None:
    """Count the period per park over every elevator again and store it, whatever is stored."""
    months = period_months(period_start, period_end)
    async with database.connection() as conn:
        judged = await judgement_on(conn, period_end, default_interval_days=default_interval_days)
        rows = await queries.count_indicators(
            conn,
            period_start=period_start,
            period_end=period_end,
            region={},
            group_levels=queries.REGION_COLUMNS,
            default_interval_days=judged.interval_days,
            passing_conclusions=judged.passing_conclusions,
            whole_months=(months.whole_from, months.whole_to),
            partial_ranges=months.partial,
            timeout_s=count_timeout_s,
        )
        await queries.put_snapshot(
            conn,
            period_start=period_start,
            period_end=period_end,
            judgement=judgement_key(judged),
            park_counts=rows,
        )


async def count_calendar_periods_ahead(
    database: Database,
    *,
    today: date,
    snapshot_seconds: float,
    default_interval_days: int,
    count_timeout_s: float,
) -> int:
    """Count the calendar month, quarter and year holding `today` over every elevator and store
    them, unless a count of the period under the definitions in effect is younger than half
    `snapshot_seconds`, so the first request for them finds them stored instead of counting a
    million elevators. A period no definition covers is left alone. Returns how many periods
    were counted."""
    counted = 0
    for period_start, period_end in calendar_periods(today):
        async with database.connection() as conn:
            try:
                judged = await judgement_on(
                    conn, period_end, default_interval_days=default_interval_days
                )
            except NoDefinition:
                continue
            stored = await queries.fresh_snapshot(
                conn,
                period_start=period_start,
                period_end=period_end,
                judgement=judgement_key(judged),
                max_age_s=snapshot_seconds / 2,
            )
        if stored is not None:
            continue
        await refresh_snapshot(
            database,
            period_start=period_start,
            period_end=period_end,
            default_interval_days=default_interval_days,
            count_timeout_s=count_timeout_s,
        )
        counted += 1
    return counted


async def refresh_recent_snapshots(
    database: Database,
    *,
    today: date,
    snapshot_seconds: float,
    default_interval_days: int,
    count_timeout_s: float,
) -> int:
    """Count again, before they expire, the stored periods that end within the last
    `RECENT_PERIOD_DAYS` (those dashboards keep asking about and events still change), so a
    request for them never waits for a count; older periods are counted again when next asked.
    Returns how many periods were counted."""
    async with database.connection() as conn:
        due = await queries.snapshots_to_refresh(
            conn,
            ending_since=today - timedelta(days=RECENT_PERIOD_DAYS),
            older_than_s=snapshot_seconds / 2,
        )
    for period_start, period_end in due:
        await refresh_snapshot(
            database,
            period_start=period_start,
            period_end=period_end,
            default_interval_days=default_interval_days,
            count_timeout_s=count_timeout_s,
        )
    return len(due)


RECENT_PERIOD_DAYS = 62


async def elevator_indicators(
    database: Database,
    *,
    period_start: date,
    period_end: date,
    region: Region,
    default_interval_days: int,
    snapshot_seconds: float = 0,
    count_timeout_s: float | None = None,
) -> ElevatorIndicators:
    """Table 3's figures for one region. A region without elevators in use answers 0 in use,
    null rates and a null composite: there is nothing to divide by."""
    judged, (row,) = await _counts(
        database,
        period_start=period_start,
        period_end=period_end,
        region=region,
        group_levels=(),
        default_interval_days=default_interval_days,
        snapshot_seconds=snapshot_seconds,
        count_timeout_s=count_timeout_s,
    )
    rates, score = _scored(row)
    return ElevatorIndicators(
        region=region,
        period_start=period_start,
        period_end=period_end,
        elevators_in_use=int(row["elevators_in_use"]),
        rates=rates,
        composite=_figure(score),
        definition_versions=definition_versions(judged),
    )


async def elevator_indicator_ranking(
    database: Database,
    *,
    period_start: date,
    period_end: date,
    region: Region,
    group_by: IndicatorGrouping,
    default_interval_days: int,
    snapshot_seconds: float = 0,
    count_timeout_s: float | None = None,
) -> ElevatorIndicatorRanking:
    """Table 3 as the seed prints it: a row per region of `group_by`, ranked by composite."""
    levels = GROUPING_LEVELS[RegionLevel(group_by.value)]
    judged, rows = await _counts(
        database,
        period_start=period_start,
        period_end=period_end,
        region=region,
        group_levels=tuple(level.value for level in levels),
        default_interval_days=default_interval_days,
        snapshot_seconds=snapshot_seconds,
        count_timeout_s=count_timeout_s,
    )
    scored = []
    for row in rows:
        rates, score = _scored(row)
        named = Region(**{level.value: row[level.value] for level in levels})
        scored.append((named, int(row["elevators_in_use"]), rates, score))
    ordered = ranked(sorted(scored, key=lambda s: _region_key(s[0])), lambda s: s[3])
    return ElevatorIndicatorRanking(
        region=region,
        period_start=period_start,
        period_end=period_end,
        group_by=group_by,
        rows=[
            RankedRegion(
                rank=rank,
                region=named,
                elevators_in_use=in_use,
                rates=rates,
                composite=_figure(score),
            )
            for rank, (named, in_use, rates, score) in ordered
        ],
        definition_versions=definition_versions(judged),
    )


async def elevator_report(
    database: Database,
    *,
    period_start: date,
    period_end: date,
    region: Region,
    group_by: IndicatorGrouping | None,
    default_interval_days: int,
    snapshot_seconds: float = 0,
    count_timeout_s: float | None = None,
) -> ElevatorIndicators | ElevatorIndicatorRanking:
    """The region's figures, or with `group_by` its ranked table."""
    if group_by is None:
        return await elevator_indicators(
            database,
            period_start=period_start,
            period_end=period_end,
            region=region,
            default_interval_days=default_interval_days,
            snapshot_seconds=snapshot_seconds,
            count_timeout_s=count_timeout_s,
        )
    return await elevator_indicator_ranking(
        database,
        period_start=period_start,
        period_end=period_end,
        region=region,
        group_by=group_by,
        default_interval_days=default_interval_days,
        snapshot_seconds=snapshot_seconds,
        count_timeout_s=count_timeout_s,
    )


async def publish_figures(
    database: Database,
    *,
    publication: PublicationCreate,
    published_by: Principal,
    default_interval_days: int,
) -> PublicationRead:
    """公布: compute the figures and store them as answered, with the definition versions."""
    region = Region(
        province=publication.province,
        city=publication.city,
        district=publication.district,
        park=publication.park,
    )
    figures = await elevator_report(
        database,
        period_start=publication.period_start,
        period_end=publication.period_end,
        region=region,
        group_by=publication.group_by,
        default_interval_days=default_interval_days,
    )
    async with database.transaction() as conn:
        row = await queries.insert_publication(
            conn,
            [
                uuid.uuid4(),
                publication.period_start,
                publication.period_end,
                region.model_dump(mode="json"),
                None if publication.group_by is None else publication.group_by.value,
                figures.definition_versions.model_dump(mode="json"),
                figures.model_dump(mode="json"),
                published_by.client_id,
                published_by.organisation_id,
            ],
        )
    return _publication(row)


def _publication(row: dict[str, Any]) -> PublicationRead:
    return PublicationRead.model_validate(row)


async def get_publication(database: Database, publication_id: uuid.UUID) -> PublicationRead | None:
    async with database.connection() as conn:
        row = await queries.get_publication(conn, publication_id)
    return None if row is None else _publication(row)


async def list_publications(
    database: Database, *, before_seq: int | None, limit: int
) -> list[tuple[int, PublicationRead]]:
    async with database.connection() as conn:
        rows = await queries.list_publications(conn, before_seq=before_seq, limit=limit)
    return [(row["seq"], _publication(row)) for row in rows]


def _region_key(region: Region) -> tuple[str, ...]:
    """Tied regions are listed in the order of their names, for a stable table."""
    return tuple(getattr(region, level.value) or "" for level in RegionLevel)


# -- downloads --------------------------------------------------------------------------------

_CSV_HEADER = [
    "省",
    "市",
    "区县",
    "园区",
    "在用数",
    *(INDICATOR_LABELS[indicator] for indicator in Indicator),
    "综合得分",
    "排位",
]


def _csv_figure(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _csv_row(rank: int | None, region: Region, in_use: int, rates: IndicatorRates,
             score: float | None) -> list[str]:  # fmt: skip
    return [
        region.province or "",
        region.city or "",
        region.district or "",
        region.park or "",
        str(in_use),
        *(_csv_figure(getattr(rates, indicator.value)) for indicator in Indicator),
        _csv_figure(score),
        "" if rank is None else str(rank),
    ]


def indicators_csv(report: ElevatorIndicators | ElevatorIndicatorRanking) -> str:
    """The table as CSV with Chinese column names, the seed's columns in its order; the byte
    order mark lets a spreadsheet read it as UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_CSV_HEADER)
    if isinstance(report, ElevatorIndicators):
        writer.writerow(
            _csv_row(None, report.region, report.elevators_in_use, report.rates, report.composite)
        )
    else:
        for row in report.rows:
            writer.writerow(
                _csv_row(row.rank, row.region, row.elevators_in_use, row.rates, row.composite)
            )
    return "\ufeff" + buffer.getvalue()


def _table_rows(
    report: ElevatorIndicators | ElevatorIndicatorRanking,
) -> list[tuple[int | None, Region, int, IndicatorRates, float | None]]:
    if isinstance(report, ElevatorIndicators):
        return [(None, report.region, report.elevators_in_use, report.rates, report.composite)]
    return [
        (row.rank, row.region, row.elevators_in_use, row.rates, row.composite)
        for row in report.rows
    ]


def indicators_xlsx(report: ElevatorIndicators | ElevatorIndicatorRanking) -> bytes:
    """The CSV's table as a workbook, figures as numbers."""
    rows: list[list[Cell]] = [
        [
            region.province,
            region.city,
            region.district,
            region.park,
            in_use,
            *(getattr(rates, indicator.value) for indicator in Indicator),
            score,
            rank,
        ]
        for rank, region, in_use, rates, score in _table_rows(report)
    ]
    return workbook("电梯综合管理指标", _CSV_HEADER, rows)
