"""API clients (接口客户端) and the client-credentials grant."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.clients.schemas import ClientCreate, ClientCreated, TokenResponse
from registry.clients.tables import api_clients
from registry.organisations.schemas import OrganisationKind
from registry.organisations.tables import organisations
from tzsb_common.auth import CallerKind
from tzsb_common.client_secrets import hash_secret_async, new_client_secret, verify_secret_async
from tzsb_common.problems import NotFound, Problem
from tzsb_common.signing import SigningKey

_UNKNOWN_CLIENT_HASH: str | None = None


CLIENT_ID_PATTERN = re.compile(r"tzsb_[0-9a-f]{24}")


def new_client_id() -> str:
    return f"tzsb_{secrets.token_hex(12)}"


async def create_client(
    session: AsyncSession, *, organisation_id: uuid.UUID, data: ClientCreate
) -> ClientCreated:
    kind = await session.scalar(
        select(organisations.c.kind).where(organisations.c.id == organisation_id)
    )
    if kind is None:
        raise NotFound(f"no organisation with id {organisation_id}")
    secret = new_client_secret()
    client_id = new_client_id()
    scopes = sorted(set(data.scopes))
    created_at = await session.scalar(
        api_clients.insert()
        .values(
            client_id=client_id,
            secret_hash=await hash_secret_async(secret),
            organisation_id=organisation_id,
            name=data.name,
            scopes=scopes,
        )
        .returning(api_clients.c.created_at)
    )
    await session.commit()
    return ClientCreated(
        client_id=client_id,
        client_secret=secret,
        organisation_id=organisation_id,
        kind=OrganisationKind(kind),
        name=data.name,
        scopes=scopes,
        created_at=created_at,
    )


class OAuthError(Problem):
    """RFC 6749 §5.2 errors, as problem documents that also carry `error`."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(
            status=status,
            slug=error.replace("_", "-"),
            title=error.replace("_", " ").capitalize(),
            detail=description,
            error=error,
            error_description=description,
        )


async def _hash_for_unknown_client() -> str:
    """Verifying against a real hash keeps an unknown client as slow as a wrong secret."""
    global _UNKNOWN_CLIENT_HASH
    if _UNKNOWN_CLIENT_HASH is None:
        _UNKNOWN_CLIENT_HASH = await hash_secret_async(new_client_secret())
    return _UNKNOWN_CLIENT_HASH


async def issue_token(
    session: AsyncSession,
    *,
    key: SigningKey,
    client_id: str,
    client_secret: str,
    requested_scopes: list[str] | None,
    issuer: str,
    audience: str,
    ttl: timedelta,
) -> TokenResponse:
    if not CLIENT_ID_PATTERN.fullmatch(client_id):
        raise OAuthError(401, "invalid_client", "unknown client or wrong secret")
    row = (
        await session.execute(
            select(
                api_clients.c.secret_hash,
                api_clients.c.scopes,
                api_clients.c.organisation_id,
                api_clients.c.revoked_at,
                organisations.c.kind,
            )
            .join(organisations, organisations.c.id == api_clients.c.organisation_id)
            .where(api_clients.c.client_id == client_id)
        )
    ).first()
    secret_hash = row.secret_hash if row is not None else await _hash_for_unknown_client()
    secret_ok = await verify_secret_async(client_secret, secret_hash)
    if row is None or not secret_ok or row.revoked_at is not None:
        raise OAuthError(401, "invalid_client", "unknown client or wrong secret")
    granted = set(row.scopes)
    scopes = granted if requested_scopes is None else set(requested_scopes)
    if not scopes <= granted:
        raise OAuthError(
            400,
            "invalid_scope",
            "the client may not ask for: " + " ".join(sorted(scopes - granted)),
        )
    token = key.issue(
        subject=client_id,
        organisation_id=row.organisation_id,
        kind=CallerKind(row.kind),
        scopes=sorted(scopes),
        issuer=issuer,
        audience=audience,
        ttl=ttl,
    )
    return TokenResponse(
        access_token=token, expires_in=int(ttl.total_seconds()), scope=" ".join(sorted(scopes))
    )
