"""Use cases of the maintenance-company ranking (Table 4) and of bonus points."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from reporting.indicators.rules import Indicator, composite, period_months, ranked, rates_of
from reporting.indicators.schemas import IndicatorRates, Region
from reporting.indicators.service import definition_versions, judgement_on
from reporting.indicators.workbook import Cell, workbook
from reporting.rankings import queries
from reporting.rankings.rules import BonusViolation, bonus_problems, score, star_rating
from reporting.rankings.schemas import (
    BonusCreate,
    BonusRead,
    CompanyRow,
    MaintenanceCompanyRanking,
)
from tzsb_common.auth import Principal
from tzsb_common.pg import Database


class BonusRefused(Exception):
    def __init__(self, violations: Sequence[BonusViolation]) -> None:
        super().__init__(", ".join(v.code for v in violations))
        self.violations = list(violations)


def _figure(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


async def award_bonus(
    database: Database, *, bonus: BonusCreate, awarded_by: Principal
) -> BonusRead:
    """加分: recorded with who awarded it; refused for an organisation that is not a known
    maintenance company, or for no points at all."""
    async with database.transaction() as conn:
        kind = await queries.organisation_kind(conn, bonus.maintenance_company_id)
        problems = bonus_problems(points=bonus.points, company_kind=kind)
        if problems:
            raise BonusRefused(problems)
        row = await queries.insert_bonus(
            conn,
            {
                "bonus_id": uuid.uuid4(),
                "maintenance_company_id": bonus.maintenance_company_id,
                "points": bonus.points,
                "reason": bonus.reason,
                "awarded_on": bonus.awarded_on,
                "awarded_by_client": awarded_by.client_id,
                "awarded_by_organisation": awarded_by.organisation_id,
            },
        )
    return _bonus(row)


def _bonus(row: dict[str, Any]) -> BonusRead:
    return BonusRead.model_validate({**row, "points": float(row["points"])})


async def list_bonuses(
    database: Database,
    *,
    maintenance_company_id: uuid.UUID | None,
    awarded_from: date | None,
    awarded_to: date | None,
    after_seq: int | None,
    limit: int,
) -> list[tuple[int, BonusRead]]:
    """Bonuses in the order they were awarded, with each one's position for the cursor."""
    async with database.connection() as conn:
        rows = await queries.list_bonuses(
            conn,
            maintenance_company_id=maintenance_company_id,
            awarded_from=awarded_from,
            awarded_to=awarded_to,
            after_seq=after_seq,
            limit=limit,
        )
    return [(row["seq"], _bonus(row)) for row in rows]


async def maintenance_company_ranking(
    database: Database,
    *,
    period_start: date,
    period_end: date,
    region: Region,
    default_interval_days: int,
    star_floors: Sequence[float],
) -> MaintenanceCompanyRanking:
    """Table 4: per company, the eight rates over the in-use elevators it holds a contract for
    valid on the period's last day, plus the bonus points awarded within the period, ranked by
    the score."""
    months = period_months(period_start, period_end)
    async with database.connection() as conn:
        judged = await judgement_on(conn, period_end, default_interval_days=default_interval_days)
        counts = await queries.count_per_company(
            conn,
            period_start=period_start,
            period_end=period_end,
            region=region.model_dump(),
            default_interval_days=judged.interval_days,
            passing_conclusions=judged.passing_conclusions,
            whole_months=(months.whole_from, months.whole_to),
            partial_ranges=months.partial,
        )
        companies = [row["maintenance_company_id"] for row in counts]
        bonuses = await queries.bonus_totals(
            conn, period_start=period_start, period_end=period_end, companies=companies
        )
        names = await queries.company_names(conn, companies)
    scored = []
    for row in counts:
        company = row["maintenance_company_id"]
        in_use = int(row["elevators_in_use"])
        rates = rates_of({i: int(row[i.value]) for i in Indicator}, in_use)
        total = composite(rates)
        bonus = bonuses.get(company, Decimal(0))
        final = score(total, bonus)
        scored.append(
            (
                final,
                CompanyRow(
                    rank=None,
                    maintenance_company_id=company,
                    name=names.get(company),
                    elevators=in_use,
                    rates=IndicatorRates(**{i.value: _figure(r) for i, r in rates.items()}),
                    composite=_figure(total),
                    bonus_points=float(bonus),
                    score=_figure(final),
                    stars=star_rating(final, star_floors),
                ),
            )
        )
    # Tied companies are listed by name (then id), for a stable table.
    scored.sort(key=lambda s: (s[1].name or "", str(s[1].maintenance_company_id)))
    return MaintenanceCompanyRanking(
        region=region,
        period_start=period_start,
        period_end=period_end,
        rows=[
            row.model_copy(update={"rank": rank})
            for rank, (_, row) in ranked(scored, lambda s: s[0])
        ],
        definition_versions=definition_versions(judged),
    )


_CSV_HEADER = ["维保单位", "维保数", "按期刷卡维保率", "综合得分", "加分", "得分", "星级", "排位"]


def ranking_csv(ranking: MaintenanceCompanyRanking) -> str:
    """Table 4's columns (维保单位, 维保数, 按期刷卡维保率, 综合得分, 排位), with the bonus
    and the stars beside them."""

    def figure(value: float | None) -> str:
        return "" if value is None else f"{value:.2f}"

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(_CSV_HEADER)
    for row in ranking.rows:
        writer.writerow(
            [
                row.name or str(row.maintenance_company_id),
                str(row.elevators),
                figure(row.rates.on_time_maintenance),
                figure(row.composite),
                figure(row.bonus_points),
                figure(row.score),
                "" if row.stars is None else str(row.stars),
                "" if row.rank is None else str(row.rank),
            ]
        )
    return "\ufeff" + buffer.getvalue()


def ranking_xlsx(ranking: MaintenanceCompanyRanking) -> bytes:
    """Table 4 as a workbook: the CSV's columns, figures as numbers."""
    rows: list[list[Cell]] = [
        [
            row.name or str(row.maintenance_company_id),
            row.elevators,
            row.rates.on_time_maintenance,
            row.composite,
            row.bonus_points,
            row.score,
            row.stars,
            row.rank,
        ]
        for row in ranking.rows
    ]
    return workbook("维保单位综合排位", _CSV_HEADER, rows)
