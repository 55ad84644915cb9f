"""Installation notices (安装告知): filed by the installing unit before it installs."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from registry.equipment.rules import Violation
from registry.installation_notices import queries
from registry.installation_notices.rules import NoticeReason, variety_problem
from registry.installation_notices.schemas import NoticeCreate, NoticeRead, NoticeRegion
from registry.organisations.schemas import OrganisationKind
from tzsb_common.pg import Database


class NoticeRefused(Exception):
    def __init__(self, violations: list[Violation]) -> None:
        super().__init__(", ".join(v.code for v in violations))
        self.violations = violations


def to_read(values: dict[str, Any]) -> NoticeRead:
    values["region"] = NoticeRegion(
        province=values.pop("province"),
        city=values.pop("city"),
        district=values.pop("district"),
        park=values.pop("park"),
    )
    return NoticeRead.model_validate(values)


async def file_notice(
    database: Database,
    *,
    data: NoticeCreate,
    installer_id: uuid.UUID,
    filed_by: uuid.UUID,
) -> NoticeRead:
    violations: list[Violation] = []
    problem = variety_problem(data.category, data.variety)
    if problem is not None:
        violations.append(Violation(("variety",), NoticeReason.unknown_variety, problem))
    async with database.transaction() as conn:
        kinds = await queries.organisation_kinds(conn, [installer_id, data.use_unit_id])
        if kinds.get(data.use_unit_id) != OrganisationKind.use_unit:
            violations.append(
                Violation(
                    ("use_unit_id",),
                    NoticeReason.unknown_use_unit,
                    "no use unit (使用单位) with this id is registered",
                )
            )
        if kinds.get(installer_id) != OrganisationKind.installer:
            violations.append(
                Violation(
                    ("installer_id",),
                    NoticeReason.unknown_installer,
                    "no installer (安装单位) with this id is registered",
                )
            )
        if violations:
            raise NoticeRefused(violations)
        values = data.model_dump(exclude={"region", "installer_id"})
        values.update(data.region.model_dump())
        values.update(id=uuid.uuid4(), installer_id=installer_id, filed_by=filed_by)
        row = await queries.insert_notice(conn, values)
    return to_read(row)


async def get_notice(database: Database, *, notice_id: uuid.UUID) -> NoticeRead | None:
    async with database.connection() as conn:
        row = await queries.get_notice(conn, notice_id)
    return to_read(row) if row is not None else None


async def list_notices(
    database: Database,
    *,
    equal_to: dict[str, Any],
    planned_from: date | None,
    planned_to: date | None,
    after: tuple[date, uuid.UUID] | None,
    limit: int,
) -> list[NoticeRead]:
    async with database.connection() as conn:
        rows = await queries.list_notices(
            conn,
            equal_to=equal_to,
            planned_from=planned_from,
            planned_to=planned_to,
            after=after,
            limit=limit,
        )
    return [to_read(row) for row in rows]
