"""The registry (登记) service: organisations, API clients and tokens, equipment, licences,
maintenance contracts and personnel certificates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from registry.catalogue.routes import router as catalogue_router
from registry.certificates.routes import router as certificates_router
from registry.clients import service as clients_service
from registry.clients.routes import TokenThrottle, clients_router, jwks_router
from registry.clients.routes import router as oauth_router
from registry.clients.service import SecretCheckTiming
from registry.contracts.routes import router as contracts_router
from registry.db import inbox, load_metadata, outbox
from registry.equipment.routes import router as equipment_router
from registry.equipment_import.routes import IMPORT_PATH
from registry.equipment_import.routes import router as equipment_import_router
from registry.installation_notices.routes import router as installation_notices_router
from registry.licences.routes import router as licences_router
from registry.organisations.routes import router as organisations_router
from registry.settings import RegistrySettings
from registry.staff.routes import router as staff_router
from tzsb_common.app import ServiceDefinition, create_service_app
from tzsb_common.auth import TokenVerifier
from tzsb_common.signing import SigningKey, load_or_create_signing_key


def signing_key(settings: RegistrySettings) -> SigningKey:
    if settings.signing_key_pem:
        return SigningKey.from_pem(settings.signing_key_pem)
    return load_or_create_signing_key(settings.state_dir / "keys")


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    settings = settings or RegistrySettings()
    load_metadata()

    @asynccontextmanager
    async def issuer(app: FastAPI) -> AsyncIterator[None]:
        key = signing_key(settings)
        app.state.signing_key = key

        async def revoked_client_ids() -> frozenset[str]:
            async with app.state.session_factory() as session:
                return await clients_service.revoked_client_ids(session)

        # The issuer verifies its own tokens from its own key and reads its own revocation
        # list from its database: no HTTP call to itself.
        app.state.token_verifier = TokenVerifier(
            settings, jwks=key.public_jwks(), revoked_clients_source=revoked_client_ids
        )
        app.state.token_throttle = TokenThrottle(settings)
        app.state.secret_check_timing = SecretCheckTiming()
        yield

    return create_service_app(
        ServiceDefinition(
            settings=settings,
            title="tzsb registry 特种设备登记",
            description=(
                "单位、接口客户端与令牌、特种设备登记、许可证、维保合同、作业人员证。"
                "Organisations, API clients and tokens, the register of special equipment, "
                "licences, maintenance contracts and personnel certificates."
            ),
            outbox_table=outbox,
            inbox_table=inbox,
            routers=[
                oauth_router,
                organisations_router,
                clients_router,
                equipment_import_router,
                equipment_router,
                catalogue_router,
                licences_router,
                contracts_router,
                certificates_router,
                installation_notices_router,
                staff_router,
            ],
            root_routers=[jwks_router],
            hooks=[issuer],
            body_limits={IMPORT_PATH: settings.import_max_bytes},
        )
    )
