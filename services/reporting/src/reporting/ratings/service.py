"""Use cases of the quarterly contractor rating: rate a quarter (preview or publish), appeal a
rating, decide an appeal."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reporting.indicators.rules import Indicator, competition_ranks
from reporting.indicators.schemas import IndicatorRates, Region
from reporting.rankings.rules import star_rating
from reporting.rankings.schemas import CompanyRow
from reporting.rankings.service import maintenance_company_ranking
from reporting.ratings import queries
from reporting.ratings.rules import (
    GENERAL_FORMULA,
    AppealStatus,
    RatingReason,
    RatingViolation,
    appeal_problems,
    decision_problems,
    is_rated,
    quarter_period,
    rescue_deduction,
    score_formula,
)
from reporting.ratings.schemas import (
    AppealCreate,
    AppealDecision,
    AppealRead,
    QuarterRatings,
    RatingRead,
    UnratedCompany,
)
from tzsb_common.auth import CallerKind, Principal
from tzsb_common.pg import Database


@dataclass(frozen=True)
class RatingSettings:
    default_interval_days: int
    star_floors: Sequence[float]
    minimum: int
    """RATING_MIN_ELEVATORS: fewer maintained elevators are listed, not rated."""
    rescue_breach_points: Decimal = Decimal(0)
    """RATING_RESCUE_BREACH_POINTS: points off per 96333 rescue not reached by its deadline."""
    business_timezone: str = "Asia/Shanghai"


class RatingRefused(Exception):
    def __init__(self, violations: Sequence[RatingViolation]) -> None:
        super().__init__(", ".join(v.code for v in violations))
        self.violations = list(violations)


class RatingMissing(LookupError):
    pass


def _decimal(value: float | None) -> Decimal:
    # Two-decimal figures: the shortest form of the double is those digits.
    return Decimal(str(value if value is not None else 0))


def _rated_rows(
    rows: Sequence[CompanyRow], minimum: int, scores: dict[uuid.UUID, Decimal]
) -> tuple[list[tuple[int, CompanyRow]], list[CompanyRow]]:
    rated = [row for row in rows if is_rated(row.elevators, minimum) and row.score is not None]
    unrated = [row for row in rows if row not in rated]
    ranks = competition_ranks([scores[row.maintenance_company_id] for row in rated])
    return [(rank or 0, row) for rank, row in zip(ranks, rated, strict=True)], unrated


async def _computed(
    database: Database, *, year: int, quarter: int, rating: RatingSettings
) -> tuple[list[dict[str, Any]], list[UnratedCompany]]:
    start, end = quarter_period(year, quarter)
    ranking = await maintenance_company_ranking(
        database,
        period_start=start,
        period_end=end,
        region=Region(),
        default_interval_days=rating.default_interval_days,
        star_floors=rating.star_floors,
    )
    async with database.connection() as conn:
        breaches = await queries.rescue_breaches(conn, start, end, rating.business_timezone)
    deductions = {
        row.maintenance_company_id: rescue_deduction(
            breaches.get(row.maintenance_company_id, 0), rating.rescue_breach_points
        )
        for row in ranking.rows
    }
    scores = {
        row.maintenance_company_id: _decimal(row.score) - deductions[row.maintenance_company_id]
        for row in ranking.rows
    }
    rated, unrated = _rated_rows(ranking.rows, rating.minimum, scores)
    versions = ranking.definition_versions.model_dump(mode="json")
    rows = []
    for rank, row in rated:
        company = row.maintenance_company_id
        rates = {i: _decimal(getattr(row.rates, i.value)) for i in Indicator}
        score = scores[company]
        rows.append(
            {
                "rating_id": None,
                "year": year,
                "quarter": quarter,
                "maintenance_company_id": company,
                "company_name": row.name,
                "elevators": row.elevators,
                "rates": row.rates.model_dump(mode="json"),
                "composite": _decimal(row.composite),
                "bonus_points": _decimal(row.bonus_points),
                "rescue_breaches": breaches.get(company, 0),
                "rescue_deduction": deductions[company],
                "score": score,
                "formula": score_formula(
                    rates,
                    _decimal(row.bonus_points),
                    score,
                    breaches=breaches.get(company, 0),
                    points_per_breach=rating.rescue_breach_points,
                ),
                "stars": star_rating(score, rating.star_floors),
                "rank": rank,
                "definition_versions": versions,
                "published_at": None,
            }
        )
    rows.sort(key=lambda r: (r["rank"], r["company_name"] or "", str(r["maintenance_company_id"])))
    return rows, [
        UnratedCompany(
            maintenance_company_id=row.maintenance_company_id,
            company_name=row.name,
            elevators=row.elevators,
        )
        for row in unrated
    ]


def _appeal(row: dict[str, Any]) -> AppealRead:
    revised = row["revised_score"]
    return AppealRead.model_validate(
        {**row, "revised_score": None if revised is None else float(revised)}
    )


def _rating(row: dict[str, Any], appeals: Sequence[AppealRead]) -> RatingRead:
    corrected = [
        a.revised_score
        for a in appeals
        if a.status is AppealStatus.upheld and a.revised_score is not None
    ]
    return RatingRead(
        rating_id=row["rating_id"],
        year=row["year"],
        quarter=row["quarter"],
        maintenance_company_id=row["maintenance_company_id"],
        company_name=row["company_name"],
        elevators=row["elevators"],
        rates=IndicatorRates.model_validate(row["rates"]),
        composite=float(row["composite"]),
        bonus_points=float(row["bonus_points"]),
        rescue_breaches=row["rescue_breaches"],
        rescue_deduction=float(row["rescue_deduction"]),
        score=float(row["score"]),
        formula=row["formula"],
        stars=row["stars"],
        rank=row["rank"],
        definition_versions=row["definition_versions"],
        score_after_appeal=corrected[-1] if corrected else None,
        appeals=list(appeals),
    )


async def quarter_ratings(
    database: Database, *, year: int, quarter: int, rating: RatingSettings
) -> QuarterRatings:
    """The published ratings of a quarter; before publication, what publishing would rate."""
    start, end = quarter_period(year, quarter)
    async with database.connection() as conn:
        stored = await queries.ratings_of_quarter(conn, year, quarter)
        appeals = await queries.appeals_of(conn, [row["rating_id"] for row in stored])
    if stored:
        by_rating: dict[uuid.UUID, list[AppealRead]] = {}
        for appeal in appeals:
            by_rating.setdefault(appeal["rating_id"], []).append(_appeal(appeal))
        ratings = [_rating(row, by_rating.get(row["rating_id"], [])) for row in stored]
        # Companies too small to rate are not stored: the preview names them afresh.
        _, unrated = await _computed(
            database,
            year=year,
            quarter=quarter,
            rating=rating,
        )
        rated_ids = {r.maintenance_company_id for r in ratings}
        return QuarterRatings(
            year=year,
            quarter=quarter,
            period_start=start,
            period_end=end,
            published=True,
            published_at=stored[0]["published_at"],
            minimum_elevators=rating.minimum,
            formula=GENERAL_FORMULA,
            ratings=ratings,
            not_rated=[u for u in unrated if u.maintenance_company_id not in rated_ids],
        )
    rows, unrated = await _computed(
        database,
        year=year,
        quarter=quarter,
        rating=rating,
    )
    return QuarterRatings(
        year=year,
        quarter=quarter,
        period_start=start,
        period_end=end,
        published=False,
        published_at=None,
        minimum_elevators=rating.minimum,
        formula=GENERAL_FORMULA,
        ratings=[_rating(row, []) for row in rows],
        not_rated=unrated,
    )


async def publish_quarter(
    database: Database,
    *,
    year: int,
    quarter: int,
    published_by: Principal,
    rating: RatingSettings,
) -> QuarterRatings:
    """发布: rate the quarter's companies and store the ratings; once per quarter."""
    rows, _ = await _computed(
        database,
        year=year,
        quarter=quarter,
        rating=rating,
    )
    if not rows:
        # Publishing nothing would leave no trace that the quarter was published.
        raise RatingRefused(
            [
                RatingViolation(
                    None,
                    RatingReason.nothing_to_rate,
                    f"no company maintains {rating.minimum} or more elevators in {year} Q{quarter}",
                )
            ]
        )
    async with database.transaction() as conn:
        await queries.lock_quarter(conn, year, quarter)
        if await queries.quarter_published(conn, year, quarter):
            raise RatingRefused(
                [
                    RatingViolation(
                        None,
                        RatingReason.already_published,
                        f"the ratings of {year} Q{quarter} are published already",
                    )
                ]
            )
        await queries.insert_ratings(
            conn,
            [
                {
                    **row,
                    "rating_id": uuid.uuid4(),
                    "published_by_client": published_by.client_id,
                    "published_by_organisation": published_by.organisation_id,
                }
                for row in rows
            ],
        )
    return await quarter_ratings(
        database,
        year=year,
        quarter=quarter,
        rating=rating,
    )


async def get_rating(database: Database, rating_id: uuid.UUID) -> RatingRead:
    async with database.connection() as conn:
        row = await queries.get_rating(conn, rating_id)
        if row is None:
            raise RatingMissing(f"no rating {rating_id}")
        appeals = await queries.appeals_of(conn, [rating_id])
    return _rating(row, [_appeal(a) for a in appeals])


async def lodge_appeal(
    database: Database, *, rating_id: uuid.UUID, appeal: AppealCreate, lodged_by: Principal
) -> AppealRead:
    """申诉: the rated company (or the bureau for it) appeals; one pending appeal at a time."""
    async with database.transaction() as conn:
        company = await queries.lock_rating(conn, rating_id)
        if company is None:
            raise RatingMissing(f"no rating {rating_id}")
        held = await queries.appeals_of(conn, [rating_id])
        problems = appeal_problems(
            caller_is_bureau=lodged_by.kind is CallerKind.bureau,
            caller_organisation=lodged_by.organisation_id,
            company=company,
            statuses=[a["status"] for a in held],
        )
        if problems:
            raise RatingRefused(problems)
        row = await queries.insert_appeal(
            conn,
            [
                uuid.uuid4(),
                rating_id,
                appeal.reason,
                lodged_by.client_id,
                lodged_by.organisation_id,
            ],
        )
    return _appeal(row)


async def decide_appeal(
    database: Database,
    *,
    rating_id: uuid.UUID,
    appeal_id: uuid.UUID,
    decision: AppealDecision,
    decided_by: Principal,
) -> AppealRead:
    """The bureau's decision on an appeal, recorded once, with its reason."""
    async with database.transaction() as conn:
        held = await queries.appeal_for_update(conn, appeal_id, rating_id)
        if held is None:
            raise RatingMissing(f"no appeal {appeal_id} against rating {rating_id}")
        problems = decision_problems(
            status=held["status"], outcome=decision.outcome, revised_score=decision.revised_score
        )
        if problems:
            raise RatingRefused(problems)
        row = await queries.decide_appeal(
            conn,
            [
                appeal_id,
                decision.outcome.value,
                decision.reason,
                decision.revised_score,
                decided_by.client_id,
                decided_by.organisation_id,
            ],
        )
    return _appeal(row)
