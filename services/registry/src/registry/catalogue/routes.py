"""HTTP for the catalogue: reference data any authenticated caller may read."""

from __future__ import annotations

from starlette.responses import Response

from registry.catalogue import service
from registry.catalogue.schemas import CatalogueRead
from tzsb_common.auth import CurrentPrincipal
from tzsb_common.pg import CurrentDatabase
from tzsb_common.responses import record_response
from tzsb_common.routing import feature_router

router = feature_router("/catalogue", tags=["catalogue 特种设备目录"])


@router.get("", response_model=CatalogueRead)
async def get_catalogue(_: CurrentPrincipal, database: CurrentDatabase) -> Response:
    """特种设备目录 — every category (种类) with its classes (类别) and varieties (品种)."""
    return record_response(await service.get_catalogue(database))
