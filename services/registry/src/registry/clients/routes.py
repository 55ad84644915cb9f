"""OAuth 2.0 client-credentials token endpoint (RFC 6749 §4.4) and the issuer's JWKS."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import unquote_plus

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse

from registry.clients import service
from registry.clients.schemas import ClientCreate, ClientCreated, TokenResponse
from registry.clients.service import OAuthError
from registry.settings import RegistrySettings
from tzsb_common.auth import BureauPrincipal
from tzsb_common.db import DbSession

router = APIRouter(tags=["oauth 认证"])
clients_router = APIRouter(
    prefix="/organisations/{organisation_id}/clients", tags=["clients 接口客户端"]
)
jwks_router = APIRouter(tags=["oauth 认证"])

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


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
    )
    return JSONResponse(answer.model_dump(), headers=_NO_STORE)


@jwks_router.get("/.well-known/jwks.json")
async def jwks(request: Request) -> JSONResponse:
    """The public keys that verify this issuer's tokens (any service, any gateway)."""
    return JSONResponse(
        request.app.state.signing_key.public_jwks(),
        headers={"Cache-Control": "public, max-age=300"},
    )


@clients_router.post("", status_code=status.HTTP_201_CREATED, response_model=ClientCreated)
async def create_client(
    organisation_id: uuid.UUID, data: ClientCreate, _: BureauPrincipal, session: DbSession
) -> ClientCreated:
    """创建接口客户端 — the secret is in this answer only; store it safely."""
    return await service.create_client(session, organisation_id=organisation_id, data=data)
