"""Tables of the indicators: the versioned definitions (指标口径) and the published figures.
The figures themselves are counted from the read models, above all the monthly visit roll-up
that the visit consumer maintains as visits arrive."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from reporting.db import metadata
from reporting.read_models.tables import (
    contract_elevators,
    elevator_visit_months,
    equipment,
    inspections,
    visits,
)

indicator_definitions = Table(
    "indicator_definitions",
    metadata,
    Column("indicator", Text, nullable=False),  # Indicator, e.g. on_time_maintenance
    Column("version", Integer, nullable=False),
    Column("valid_from", Date, nullable=False),  # in effect for periods ending on or after
    Column("name", Text, nullable=False),  # 按期维保率
    Column("formula", Text, nullable=False),  # 口径, as a reader of the report sees it
    Column("parameters", JSONB, nullable=False),  # read by indicators.rules.PARAMETERS_OF
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("indicator", "version"),
    UniqueConstraint("indicator", "valid_from"),
)
"""Every version of every indicator's definition. Added by migrations, never changed: a new
rule is a new version with a later valid-from, so a past period keeps its figures."""

indicator_publications = Table(
    "indicator_publications",
    metadata,
    Column("seq", BigInteger, Identity(always=True), primary_key=True),  # list order, cursor
    Column("publication_id", Uuid, nullable=False, unique=True),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("region", JSONB, nullable=False),  # the filter: province, city, district, park
    Column("group_by", Text),  # park | district | city; null: one region's figures
    Column("definition_versions", JSONB, nullable=False),  # {indicator: version}
    Column("figures", JSONB, nullable=False),  # the answer as published
    Column("published_by_client", Text, nullable=False),
    Column("published_by_organisation", Uuid, nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_indicator_publications_period", "period_end", "period_start"),
)
"""Figures the bureau published (公布), as they were answered, with the definition versions
they were computed by. Never changed."""

indicator_snapshots = Table(
    "indicator_snapshots",
    metadata,
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("judgement", Text, nullable=False),  # rules.judgement_key: versions and parameters
    Column("park_counts", JSONB, nullable=False),  # [{province, city, district, park, counts…}]
    Column("computed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("period_start", "period_end", "judgement"),
)
"""The indicator counts of a period per park (the finest region), as the counting statement
answered them over every elevator at `computed_at`, under the definition versions and
parameters `judgement` names. A report for any region or grouping of that period sums these
rows instead of reading a million elevators' read models again, for as long as
`indicator_snapshot_seconds` allows; a row per period asked, a few kilobytes each."""

__all__ = [
    "contract_elevators",
    "elevator_visit_months",
    "equipment",
    "indicator_definitions",
    "indicator_publications",
    "indicator_snapshots",
    "inspections",
    "visits",
]
