"""inspection rules, seeded with the defaults of the regulations

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 20:00:00.000000

The seed is the table of DOMAIN.md ("Periodic inspection"). `valid_from` is the date a
regulation took effect where a change of regulation matters here (TSG T7001-2023 changed the
elevator cycle on 2024-04-02; before it, elevators were inspected every year); the other rows
are in force from 2000-01-01, before any record this platform holds. The bureau changes them
with PUT /api/v1/inspection-rules.
"""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SINCE_EVER = date(2000, 1, 1)
_ELEVATOR_YEARS = [1, 4, 7, 9, 11, 13, 15]


def _rule(
    category: str,
    interval: int | None,
    source: str,
    *,
    variety: str | None = None,
    grade: int | None = None,
    schedule: str = "months",
    max_interval: int | None = None,
    first: int | None = None,
    monitored: int | None = None,
    years: list[int] | None = None,
    early: int = 0,
    valid_from: date = _SINCE_EVER,
) -> dict[str, object]:
    return {
        "category": category,
        "variety": variety,
        "safety_grade": grade,
        "schedule": schedule,
        "interval_months": interval,
        "max_interval_months": max_interval if max_interval is not None else interval,
        "first_inspection_months": first if first is not None else interval,
        "monitored_use_max_months": monitored,
        "inspection_years": years or [],
        "early_inspection_months": early,
        "legal_source": source,
        "valid_from": valid_from,
    }


SEED = [
    # 电梯 elevators: yearly until TSG T7001-2023, then its year schedule.
    _rule("3000", 12, "TSG T7001-2009 电梯监督检验和定期检验规则", early=2),
    _rule(
        "3000",
        12,
        "TSG T7001-2023 电梯监督检验和定期检验规则; TSG T7008-2023 自行检测",
        schedule="elevator_years",
        years=_ELEVATOR_YEARS,
        early=2,
        valid_from=date(2024, 4, 2),
    ),
    # 锅炉: the yearly external inspection is the binding one (internal 2 y, hydrostatic 6 y).
    _rule("1000", 12, "TSG 11 锅炉安全技术规程 (外部检验每年, 内部检验每 2 年, 水压试验每 6 年)"),
    # 压力容器 by 安全状况等级 (TSG 21): first within 3 years of commissioning.
    _rule("2000", 36, "TSG 21 固定式压力容器安全技术监察规程", first=36),
    _rule("2000", 36, "TSG 21 安全状况等级 1 级: 3–6 年", grade=1, max_interval=72, first=36),
    _rule("2000", 36, "TSG 21 安全状况等级 2 级: 3–6 年", grade=2, max_interval=72, first=36),
    _rule("2000", 36, "TSG 21 安全状况等级 3 级: 3–5 年", grade=3, max_interval=60, first=36),
    _rule(
        "2000",
        12,
        "TSG 21 安全状况等级 4 级: 监控使用, 间隔不超过 1 年, 累计不超过 3 年",
        grade=4,
        first=36,
        monitored=36,
    ),
    _rule(
        "2000",
        None,
        "TSG 21 安全状况等级 5 级: 不得继续使用",
        grade=5,
        schedule="not_permitted",
        max_interval=None,
        first=None,
    ),
    # 压力管道 (TSG D7005): first within 3 years.
    _rule("8000", 36, "TSG D7005 压力管道定期检验规则", first=36),
    _rule("8000", 72, "TSG D7005 安全状况等级 1 级: 6 年", grade=1, first=36),
    _rule("8000", 72, "TSG D7005 安全状况等级 2 级: 6 年", grade=2, first=36),
    _rule("8000", 36, "TSG D7005 安全状况等级 3 级: 3 年", grade=3, first=36),
    _rule("8000", 12, "TSG D7005 安全状况等级 4 级: 不超过 1 年", grade=4, first=36),
    # 起重机械 (TSG Q7015): every 2 years; yearly for tower cranes, construction hoists, mobile
    # cranes and metallurgical cranes (吊运熔融金属).
    _rule("4000", 24, "TSG Q7015 起重机械定期检验规则: 每 2 年"),
    _rule("4000", 12, "TSG Q7015 塔式起重机: 每年", variety="4300"),
    _rule("4000", 12, "TSG Q7015 流动式起重机: 每年", variety="4400"),
    _rule("4000", 12, "TSG Q7015 施工升降机: 每年", variety="4860"),
    _rule("4000", 12, "TSG Q7015 吊运熔融金属的冶金桥式起重机: 每年", variety="4150"),
    # 场(厂)内专用机动车辆 (TSG 81-2022).
    _rule("5000", 24, "TSG 81-2022 场(厂)内专用机动车辆: 每 2 年"),
    _rule("5000", 12, "TSG 81-2022 非公路用旅游观光车辆: 每年", variety="5200"),
    _rule("6000", 12, "TSG 71 大型游乐设施: 每年"),
    _rule("9000", 12, "TSG S7001 客运索道: 每年"),
    # 安全阀: yearly, extendable to 3 or 5 years on conditions (TSG ZF001).
    _rule("F000", 12, "TSG ZF001 安全阀: 每年 (符合条件可延长至 3 或 5 年)", max_interval=60),
]


def upgrade() -> None:
    rules = op.create_table(
        "inspection_rules",
        sa.Column("id", sa.Integer(), sa.Identity(always=True), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("variety", sa.Text(), nullable=True),
        sa.Column("safety_grade", sa.SmallInteger(), nullable=True),
        sa.Column("schedule", sa.Text(), nullable=False),
        sa.Column("interval_months", sa.SmallInteger(), nullable=True),
        sa.Column("max_interval_months", sa.SmallInteger(), nullable=True),
        sa.Column("first_inspection_months", sa.SmallInteger(), nullable=True),
        sa.Column("monitored_use_max_months", sa.SmallInteger(), nullable=True),
        sa.Column(
            "inspection_years",
            postgresql.ARRAY(sa.SmallInteger()),
            server_default=sa.text("'{}'::smallint[]"),
            nullable=False,
        ),
        sa.Column(
            "early_inspection_months",
            sa.SmallInteger(),
            server_default=sa.text("0"),
            nullable=False,
        ),
        sa.Column("legal_source", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.CheckConstraint(
            "schedule IN ('months', 'elevator_years', 'not_permitted')",
            name=op.f("ck_inspection_rules_schedule"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_rules")),
    )
    op.create_table(
        "inspection_rule_set",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_inspection_rule_set_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_rule_set")),
    )
    op.create_table(
        "inspection_rule_changes",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("client_id", sa.Text(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=True),
        sa.Column("previous", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("rules", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_inspection_rule_changes")),
    )
    op.bulk_insert(rules, SEED)
    op.execute("INSERT INTO inspection_rule_set (id, version) VALUES (1, 1)")
    changes = sa.table(
        "inspection_rule_changes",
        sa.column("version", sa.Integer()),
        sa.column("client_id", sa.Text()),
        sa.column("previous", postgresql.JSONB()),
        sa.column("rules", postgresql.JSONB()),
    )
    seeded = [
        {k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()} for row in SEED
    ]
    op.bulk_insert(
        changes, [{"version": 1, "client_id": "migration 0004", "previous": [], "rules": seeded}]
    )


def downgrade() -> None:
    op.drop_table("inspection_rule_changes")
    op.drop_table("inspection_rule_set")
    op.drop_table("inspection_rules")
