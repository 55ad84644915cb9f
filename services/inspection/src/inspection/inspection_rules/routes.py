"""HTTP for the inspection rules: anyone may read them, the bureau changes them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header
from starlette.responses import Response

from inspection.inspection_rules import service
from inspection.inspection_rules.schemas import InspectionRulesRead, InspectionRulesWrite
from inspection.inspection_rules.service import RulesRefused
from tzsb_common.auth import BureauPrincipal, CurrentPrincipal
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import ValidationFailed, field_error
from tzsb_common.responses import matching_versions, none_match, record_response, version_etag
from tzsb_common.routing import feature_router

router = feature_router("/inspection-rules", tags=["inspection rules 检验周期"])

_ETAG_HEADER = {"ETag": {"description": 'The table\'s version, e.g. "v3"; send it in If-Match'}}
_CONDITIONAL_WRITE: dict[int | str, dict[str, Any]] = {
    412: {"description": "`If-Match` names a version that is no longer current"},
}


@router.get(
    "",
    response_model=InspectionRulesRead,
    responses={200: {"headers": _ETAG_HEADER}, 304: {"description": "unchanged"}},
)
async def get_inspection_rules(
    _: CurrentPrincipal,
    database: CurrentDatabase,
    if_none_match: Annotated[str | None, Header(description="an ETag read earlier")] = None,
) -> Response:
    """检验周期规则 — the intervals in force, with their legal sources. Every caller may read
    them: agencies and use units plan inspections by them."""
    rules = await service.get_rules(database)
    if none_match(if_none_match, rules.version):
        return Response(status_code=304, headers={"ETag": version_etag(rules.version)})
    return record_response(rules, version=rules.version)


@router.put(
    "",
    response_model=InspectionRulesRead,
    responses={200: {"headers": _ETAG_HEADER}, **_CONDITIONAL_WRITE},
)
async def replace_inspection_rules(
    principal: BureauPrincipal,
    data: InspectionRulesWrite,
    database: CurrentDatabase,
    if_match: Annotated[
        str | None, Header(description='Change only if still at this version, e.g. "v3"')
    ] = None,
) -> Response:
    """修改检验周期规则 — replace the whole table (audited). Due dates computed before keep
    their value; the change applies to the due dates computed after it."""
    try:
        rules = await service.replace_rules(
            database,
            principal=principal,
            data=data,
            # An empty header names no version at all: it is read as no condition.
            expected_versions=matching_versions(
                if_match if if_match and if_match.strip() else None
            ),
        )
    except RulesRefused as exc:
        raise ValidationFailed(
            [
                field_error(["body", "rules", v.index, v.field], v.message, v.code)
                for v in exc.violations
            ]
        ) from None
    return record_response(rules, version=rules.version)
