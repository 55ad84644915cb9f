"""Pure decisions of the quarterly contractor rating (维保单位季度评级).

Modelled on how Hong Kong's EMSD publishes its contractors' performance ratings: one rating per
company per quarter, the way the score was reached printed beside it, only contractors with
enough lifts to be judged fairly rated, and a contractor's appeal recorded with its outcome.
The score is Table 4's (the eight rounded rates over the elevators the company holds a valid
contract for on the quarter's last day, plus the bureau's bonus points).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from reporting.indicators.rules import INDICATOR_LABELS, Indicator, last_day_of_month

GENERAL_FORMULA = (
    "得分 = 档案信息完整率 + 登记率 + 检验率 + 维保合同有效率 + 刷卡维保率 + 按期维保率 "
    "+ 处置平台进入率 + 贴牌率 + 加分 − 救援超时扣分（各率为季度末维保的在用电梯之百分比，"
    "四舍五入保留两位小数；季度内每起困人救援未按时到达扣 RATING_RESCUE_BREACH_POINTS 分）"
)


def quarter_period(year: int, quarter: int) -> tuple[date, date]:
    """The first and last day of a calendar quarter."""
    if not 1 <= quarter <= 4:
        raise ValueError("a quarter is 1 to 4")
    first = date(year, 3 * quarter - 2, 1)
    return first, last_day_of_month(date(year, 3 * quarter, 1))


def is_rated(elevators: int, minimum: int) -> bool:
    """A company maintaining fewer elevators than `minimum` is listed, not rated: a rate over a
    handful of elevators swings by tens of points with one of them."""
    return elevators >= minimum


def _two(value: Decimal) -> str:
    return f"{value:.2f}"


def rescue_deduction(breaches: int, points_per_breach: Decimal) -> Decimal:
    """救援超时扣分: a 96333 rescue the company did not reach by its arrival deadline (30
    minutes in an urban district, 60 elsewhere) costs it `points_per_breach`."""
    return Decimal(breaches) * points_per_breach


def score_formula(
    rates: Mapping[Indicator, Decimal],
    bonus: Decimal,
    score: Decimal,
    *,
    breaches: int = 0,
    points_per_breach: Decimal = Decimal(0),
) -> str:
    """The sum written out with the company's own figures, e.g. `档案信息完整率 99.97 + … +
    加分 6.00 - 救援超时 1 × 5.00 = 779.12`."""
    terms = [f"{INDICATOR_LABELS[indicator]} {_two(rates[indicator])}" for indicator in Indicator]
    sign = "+" if bonus >= 0 else "-"
    written = f"{' + '.join(terms)} {sign} 加分 {_two(abs(bonus))}"
    if breaches:
        written += f" - 救援超时 {breaches} × {_two(points_per_breach)}"
    return f"{written} = {_two(score)}"


class AppealStatus(StrEnum):
    pending = "pending"  # 待处理
    upheld = "upheld"  # 申诉成立
    dismissed = "dismissed"  # 驳回


class AppealOutcome(StrEnum):
    upheld = "upheld"
    dismissed = "dismissed"


class RatingReason(StrEnum):
    """Why a rating request is refused. Values are stable API (the problem's `code`)."""

    already_published = "already_published"
    nothing_to_rate = "nothing_to_rate"
    not_own_rating = "not_own_rating"
    appeal_pending = "appeal_pending"
    appeal_decided = "appeal_decided"
    revised_score_needs_upheld = "revised_score_needs_upheld"


@dataclass(frozen=True)
class RatingViolation:
    field: str | None
    code: RatingReason
    message: str


def appeal_problems(
    *, caller_is_bureau: bool, caller_organisation: object, company: object, statuses: list[str]
) -> list[RatingViolation]:
    """A company appeals its own rating (the bureau may record one for it), one at a time."""
    problems = []
    if not caller_is_bureau and caller_organisation != company:
        problems.append(
            RatingViolation(None, RatingReason.not_own_rating, "a company appeals its own rating")
        )
    if AppealStatus.pending.value in statuses:
        problems.append(
            RatingViolation(
                None,
                RatingReason.appeal_pending,
                "an appeal against this rating awaits the bureau's decision",
            )
        )
    return problems


def decision_problems(
    *, status: str, outcome: AppealOutcome, revised_score: Decimal | None
) -> list[RatingViolation]:
    """An appeal is decided once; only an upheld one may correct the score."""
    problems = []
    if status != AppealStatus.pending.value:
        problems.append(
            RatingViolation(None, RatingReason.appeal_decided, f"the appeal was {status} already")
        )
    if revised_score is not None and outcome is not AppealOutcome.upheld:
        problems.append(
            RatingViolation(
                "revised_score",
                RatingReason.revised_score_needs_upheld,
                "only an upheld appeal corrects the score",
            )
        )
    return problems
