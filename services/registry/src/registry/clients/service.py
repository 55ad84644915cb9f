"""API clients (接口客户端) and the client-credentials grant: one transaction per use case."""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from registry.clients import queries
from registry.clients.rules import ClientRefusal, check_new_client, is_well_formed_client_id
from registry.clients.schemas import ClientCreate, ClientCreated, TokenResponse
from registry.organisations import queries as organisation_queries
from registry.organisations.schemas import OrganisationKind
from tzsb_common.auth import CallerKind
from tzsb_common.client_secrets import hash_secret_async, new_client_secret, verify_secret_async
from tzsb_common.logging import get_logger
from tzsb_common.problems import Conflict, NotFound, Problem
from tzsb_common.signing import SigningKey

_log = get_logger(__name__)


def new_client_id() -> str:
    return f"tzsb_{secrets.token_hex(12)}"


class ClientLimitReached(Conflict):
    def __init__(self, max_clients: int) -> None:
        super().__init__(
            f"the organisation already has {max_clients} active API clients; revoke one first",
            code=ClientRefusal.client_limit_reached.value,
            max_clients=max_clients,
        )


async def create_client(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID,
    data: ClientCreate,
    max_clients: int | None,
) -> ClientCreated:
    """`max_clients` None: no limit (the platform's own first bureau client)."""
    # The organisation row stays locked until commit, so two concurrent creations cannot
    # both pass the limit.
    kind = await organisation_queries.lock_organisation_kind(session, organisation_id)
    if kind is None:
        raise NotFound(f"no organisation with id {organisation_id}")
    if max_clients is not None:
        active = await queries.count_active_clients(session, organisation_id)
        if check_new_client(active_clients=active, max_clients=max_clients) is not None:
            raise ClientLimitReached(max_clients)
    secret = new_client_secret()
    client_id = new_client_id()
    scopes = sorted(set(data.scopes))
    created_at = await queries.insert_client(
        session,
        client_id=client_id,
        secret_hash=await hash_secret_async(secret),
        organisation_id=organisation_id,
        name=data.name,
        scopes=scopes,
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


async def revoke_client(
    session: AsyncSession, *, organisation_id: uuid.UUID, client_id: str, revoked_by: str
) -> None:
    """撤销接口客户端: no new tokens from now on; its tokens stop working in every service
    when they next refresh the revocation list."""
    if not await queries.revoke_client(
        session, organisation_id=organisation_id, client_id=client_id, revoked_by=revoked_by
    ):
        raise NotFound(f"no client {client_id} in organisation {organisation_id}")
    await session.commit()
    # The audit trail of who revoked what: the row keeps revoked_by, the log the moment.
    _log.info(
        "api client revoked",
        client_id=client_id,
        organisation_id=str(organisation_id),
        revoked_by=revoked_by,
    )


async def revoked_client_ids(session: AsyncSession) -> frozenset[str]:
    return frozenset(await queries.select_revoked_client_ids(session))


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


def invalid_client() -> OAuthError:
    return OAuthError(401, "invalid_client", "unknown client or wrong secret")


class SecretCheckTiming:
    """How long checking a real client's secret takes, so that an unknown client is answered
    after the same time without computing anything.

    Why a sleep rather than a dummy argon2 check: a dummy check costs a flood of unknown ids
    as much CPU and memory (64 MiB each) as real checks and queues real clients behind it,
    which is what the attacker wants; a sleep costs nothing and takes no argon2 slot. Client
    ids are 96 random bits, so the little a timing difference could still tell (whether an id
    exists) does not help guess one.
    """

    _WEIGHT = 0.2

    def __init__(self, initial_s: float = 0.05) -> None:
        self.typical_s = initial_s

    def record(self, elapsed_s: float) -> None:
        self.typical_s += self._WEIGHT * (elapsed_s - self.typical_s)


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
    timing: SecretCheckTiming,
) -> TokenResponse:
    if not is_well_formed_client_id(client_id):
        raise invalid_client()
    row = await queries.select_client_for_token(session, client_id)
    # The read transaction ends before the slow part so no connection idles in a transaction.
    await session.rollback()
    if row is None:
        await asyncio.sleep(timing.typical_s)
        raise invalid_client()
    started = time.perf_counter()
    secret_ok = await verify_secret_async(client_secret, row.secret_hash)
    timing.record(time.perf_counter() - started)
    if not secret_ok or row.revoked_at is not None:
        raise invalid_client()
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
