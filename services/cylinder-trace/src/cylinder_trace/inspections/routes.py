"""HTTP for cylinder inspections: parse, authorise, call the service, shape the answer."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import Request, status
from starlette.responses import Response

from cylinder_trace.inspections import service
from cylinder_trace.inspections.access import InspectionAgency
from cylinder_trace.inspections.schemas import CylinderInspectionCreate, CylinderInspectionRead
from cylinder_trace.inspections.service import InspectionRefused
from tzsb_common.outbox import CurrentOutbox
from tzsb_common.pg import CurrentDatabase
from tzsb_common.problems import ValidationFailed, field_error
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router("/cylinder-inspections", tags=["cylinder inspections 气瓶检验"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CylinderInspectionRead,
    responses={200: {"description": "the agency posted this report before: what was recorded"}},
)
async def record_inspection(
    agency: InspectionAgency,
    data: CylinderInspectionCreate,
    database: CurrentDatabase,
    outbox: CurrentOutbox,
    request: Request,
) -> Response:
    """气瓶定期检验 — an inspection agency records a cylinder's periodic inspection. The next
    inspection is the date given, else the inspection date plus the medium's interval (LPG 4
    years, CNG vehicle cylinders and H2 3, inert gases 5, corrosive media 2). A failed
    inspection scraps the cylinder (报废, `scrap_reason` `inspection_failed`), as does one on
    or after the end of its service life (`service_life_ended`: an LPG cylinder at 12 years);
    a passing inspection of an LPG cylinder within a year of the end of its 8-year design life
    extends it once by 4 years. Refusals are 422 naming the field: `unknown_cylinder`,
    `cylinder_scrapped`, `date_in_future`, `dates_inconsistent`, `report_number_taken`."""
    zone = ZoneInfo(request.app.state.settings.business_timezone)
    try:
        inspection, created = await service.record_inspection(
            database,
            outbox,
            agency_id=agency.organisation_id,
            data=data,
            today=datetime.now(zone).date(),
        )
    except InspectionRefused as exc:
        raise ValidationFailed(
            [field_error(["body", v.field], v.message, v.code) for v in exc.violations]
        ) from None
    return record_response(
        inspection, status_code=status.HTTP_201_CREATED if created else status.HTTP_200_OK
    )
