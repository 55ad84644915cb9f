"""HTTP for API clients: the OAuth 2.0 client-credentials token endpoint (RFC 6749 §4.4),
creating and revoking clients, and the issuer's public documents (JWKS, revoked clients)."""

from __future__ import annotations

import base64
import binascii
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import unquote_plus

from fastapi import APIRouter, Path, Request, Response, status
from fastapi.responses import JSONResponse

from registry.clients import service
from registry.clients.rules import CLIENT_ID_PATTERN, SlidingWindowLimit
from registry.clients.schemas import ClientCreate, ClientCreated, RevokedClients, TokenResponse
from registry.clients.service import OAuthError
from registry.settings import RegistrySettings
from tzsb_common.auth import BureauPrincipal
from tzsb_common.db import DbSession
from tzsb_common.problems import PROBLEM_MEDIA_TYPE, TooManyRequests
from tzsb_common.routing import feature_router

router = feature_router(tags=["oauth 认证"])
clients_router = feature_router(
    "/organisations/{organisation_id}/clients", tags=["clients 接口客户端"]
)
jwks_router = APIRouter(tags=["oauth 认证"])

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_PROBLEM = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}

ClientId = Annotated[str, Path(pattern=CLIENT_ID_PATTERN.pattern, description="client_id")]


class TokenThrottle:
    """Rate limits of the token endpoint, per source address and per client id.

    Checked before any database read or secret check, so a flood costs the attacker a 429
    and the server almost nothing. Per process: with several replicas each admits its share.
    """

    def __init__(
        self, settings: RegistrySettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.clock = clock
        self.per_address = SlidingWindowLimit(
            limit=settings.token_requests_per_minute_per_address, window_s=60.0
        )
        self.per_client = SlidingWindowLimit(
            limit=settings.token_requests_per_minute_per_client, window_s=60.0
        )

    def admit_address(self, address: str) -> None:
        retry_after = self.per_address.hit(address, self.clock())
        if retry_after is not None:
            raise TooManyRequests(
                "too many token requests from this address", retry_after_s=retry_after
            )

    def admit_client(self, client_id: str) -> None:
        retry_after = self.per_client.hit(client_id, self.clock())
        if retry_after is not None:
            raise TooManyRequests(
                "too many token requests for this client", retry_after_s=retry_after
            )


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError(401, "invalid_client", "malformed Basic credentials") from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise OAuthError(401, "invalid_client", "malformed Basic credentials")
    # RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
    return unquote_plus(client_id), unquote_plus(secret)


@router.post(
    "/oauth/token",
    response_model=TokenResponse,
    responses={
        400: {
            "description": "RFC 6749 §5.2: invalid_request, unsupported_grant_type, invalid_scope",
            "content": _PROBLEM,
        },
        429: {
            "description": "Too many token requests from this address or for this "
            "client; see Retry-After",
            "content": _PROBLEM,
        },
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["grant_type"],
                        "properties": {
                            "grant_type": {"type": "string", "enum": ["client_credentials"]},
                            "client_id": {"type": "string"},
                            "client_secret": {"type": "string"},
                            "scope": {"type": "string"},
                        },
                    }
                }
            },
        }
    },
)
async def token(request: Request, session: DbSession) -> JSONResponse:
    """获取访问令牌 — client credentials in the form body or with HTTP Basic."""
    throttle: TokenThrottle = request.app.state.token_throttle
    throttle.admit_address(request.client.host if request.client else "unknown")
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("application/x-www-form-urlencoded"):
        raise OAuthError(400, "invalid_request", "send application/x-www-form-urlencoded")
    form = await request.form()
    fields: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    if fields.get("grant_type") != "client_credentials":
        raise OAuthError(400, "unsupported_grant_type", "only client_credentials is supported")
    credentials = _basic_credentials(request)
    if credentials is not None and ("client_id" in fields or "client_secret" in fields):
        # RFC 6749 §2.3: a client must not use more than one authentication method.
        raise OAuthError(
            400, "invalid_request", "send credentials by Basic or in the body, not both"
        )
    if credentials is None:
        client_id, secret = fields.get("client_id"), fields.get("client_secret")
        if not client_id or not secret:
            raise OAuthError(400, "invalid_request", "client_id and client_secret are required")
        credentials = (client_id, secret)
    throttle.admit_client(credentials[0])
    scope = fields.get("scope")
    settings: RegistrySettings = request.app.state.settings
    answer = await service.issue_token(
        session,
        key=request.app.state.signing_key,
        client_id=credentials[0],
        client_secret=credentials[1],
        requested_scopes=scope.split() if scope else None,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl=timedelta(seconds=settings.token_ttl_seconds),
        timing=request.app.state.secret_check_timing,
    )
    return JSONResponse(answer.model_dump(), headers=_NO_STORE)


@jwks_router.get("/.well-known/jwks.json")
async def jwks(request: Request) -> JSONResponse:
    """The public keys that verify this issuer's tokens (any service, any gateway)."""
    return JSONResponse(
        request.app.state.signing_key.public_jwks(),
        headers={"Cache-Control": "public, max-age=300"},
    )


@jwks_router.get("/.well-known/revoked-clients", response_model=RevokedClients)
async def revoked_clients(session: DbSession) -> JSONResponse:
    """The ids of revoked API clients; every service refuses their tokens.

    Public, like the JWKS: the services fetch it before they can verify anything (they hold
    no token of their own), and it reveals only random ids that can no longer get a token.
    """
    ids = sorted(await service.revoked_client_ids(session))
    return JSONResponse(
        RevokedClients(revoked_client_ids=ids).model_dump(),
        headers={"Cache-Control": "no-store"},
    )


@clients_router.post("", status_code=status.HTTP_201_CREATED, response_model=ClientCreated)
async def create_client(
    organisation_id: uuid.UUID,
    data: ClientCreate,
    _: BureauPrincipal,
    session: DbSession,
    request: Request,
) -> ClientCreated:
    """创建接口客户端 — the secret is in this answer only; store it safely.

    409 `client_limit_reached` when the organisation already holds
    `MAX_CLIENTS_PER_ORGANISATION` unrevoked clients."""
    settings: RegistrySettings = request.app.state.settings
    return await service.create_client(
        session,
        organisation_id=organisation_id,
        data=data,
        max_clients=settings.max_clients_per_organisation,
    )


@clients_router.delete("/{client_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_client(
    organisation_id: uuid.UUID,
    client_id: ClientId,
    bureau: BureauPrincipal,
    session: DbSession,
    request: Request,
) -> Response:
    """撤销接口客户端 — no new tokens; its tokens stop working in every service within
    `REVOKED_CLIENTS_REFRESH_SECONDS` (here at once). Revoking twice is harmless."""
    await service.revoke_client(
        session, organisation_id=organisation_id, client_id=client_id, revoked_by=bureau.client_id
    )
    request.app.state.token_verifier.revoked_clients.add(client_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
