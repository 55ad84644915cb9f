"""Who is calling: bearer tokens verified locally, and the FastAPI dependencies routes use.

Tokens are OAuth2 client-credentials access tokens — signed JWTs with `sub` (the API client),
`org` (its organisation), `kind` (what sort of organisation) and `scope`. Every service checks
them against the issuer's public keys (JWKS) without calling the issuer per request, so the
built-in issuer can be swapped for any OIDC provider by pointing `JWKS_URL` at it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import ssl
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

import httpx
import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from tzsb_common.cancellation import raise_if_cancelled
from tzsb_common.logging import get_logger
from tzsb_common.problems import Forbidden, ServiceUnavailable, Unauthorized
from tzsb_common.settings import ServiceSettings

# Asymmetric only: "none" and the HMAC family (HS*) would let anyone holding the public key,
# or nothing at all, mint tokens.
ACCEPTED_ALGORITHMS = frozenset({"RS256", "EdDSA"})
CLOCK_SKEW_LEEWAY_S = 30
UNKNOWN_KID_REFETCH_INTERVAL_S = 30.0
"""A token with a key id we do not know triggers a JWKS fetch (the issuer may have rotated its
key), but at most this often, so garbage tokens cannot make us hammer the issuer."""
FAILED_FETCH_BACKOFF_S = 5.0
JWKS_FETCH_TIMEOUT_S = 5.0
_MAX_TOKEN_LENGTH = 8192
_REFUSAL_DETAIL = "invalid or expired token"

_log = get_logger(__name__)


class CallerKind(StrEnum):
    """The kind of organisation an API client belongs to. Values are stable API."""

    bureau = "bureau"
    """市场监督管理局 — the market-regulation bureau that supervises special equipment."""
    government_system = "government_system"
    """Another government platform exchanging data with us (政府系统)."""
    use_unit = "use_unit"
    """使用单位 — the organisation that owns and operates the equipment."""
    maintenance_company = "maintenance_company"
    """维保单位 — elevator maintenance company."""
    filling_station = "filling_station"
    """充装站 — gas-cylinder filling station."""
    inspection_agency = "inspection_agency"
    """检验机构 — statutory inspection agency."""
    installer = "installer"
    """安装单位 — installs special equipment (and files the installation notice, 安装告知)."""


@dataclass(frozen=True)
class Principal:
    """The verified caller of a request."""

    client_id: str
    organisation_id: uuid.UUID
    kind: CallerKind
    scopes: frozenset[str] = frozenset()

    @property
    def is_bureau(self) -> bool:
        return self.kind is CallerKind.bureau

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


RevokedClientsSource = Callable[[], Awaitable[frozenset[str]]]
"""Returns the ids of every revoked API client (the registry reads its own table)."""
REVOKED_CLIENTS_FETCH_TIMEOUT_S = 5.0


class RevokedClients:
    """The ids of revoked API clients, refreshed in the background.

    A revoked client cannot get new tokens, but the tokens it already holds stay valid until
    they expire (up to `token_ttl_seconds`). Every service therefore refreshes this list every
    `revoked_clients_refresh_seconds` and refuses the tokens of the clients on it. When the
    list cannot be fetched the last one is kept (an outage of the registry must not stop every
    service); the failure is logged.
    """

    def __init__(self, source: RevokedClientsSource | None, *, refresh_seconds: float) -> None:
        self._source = source
        self._refresh_seconds = refresh_seconds
        self.client_ids: frozenset[str] = frozenset()
        self.refreshed_at: float | None = None

    def __contains__(self, client_id: str) -> bool:
        return client_id in self.client_ids

    def add(self, client_id: str) -> None:
        """Known revoked right now (this process revoked it), before the next refresh."""
        self.client_ids = self.client_ids | {client_id}

    async def refresh(self) -> bool:
        if self._source is None:
            return False
        try:
            self.client_ids = await asyncio.wait_for(
                self._source(), timeout=REVOKED_CLIENTS_FETCH_TIMEOUT_S
            )
        except Exception as exc:  # keep the last list; the next round retries
            _log.warning("revoked clients refresh failed", error=f"{type(exc).__name__}: {exc}")
            return False
        self.refreshed_at = time.monotonic()
        return True

    async def run(self) -> None:
        while True:
            raise_if_cancelled()
            await asyncio.sleep(self._refresh_seconds)
            await self.refresh()

    @contextlib.asynccontextmanager
    async def refreshing(self) -> AsyncIterator[None]:
        """Fetch once now, then keep refreshing until the context ends."""
        if self._source is None:
            yield
            return
        await self.refresh()
        task = asyncio.create_task(self.run(), name="revoked-clients-refresh")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The TLS settings of the fetches from the token issuer (its keys, its revocation list),
    made once. A new httpx client otherwise makes its own, loading the CA bundle: about 30 ms
    of CPU here, in which the service answered nothing, every 30 s for the revocation list."""
    return httpx.create_ssl_context()


def revoked_clients_from_url(
    url: str, *, transport: httpx.AsyncBaseTransport | None = None
) -> RevokedClientsSource:
    """A source reading the registry's `/.well-known/revoked-clients` document."""

    async def fetch() -> frozenset[str]:
        async with httpx.AsyncClient(
            timeout=REVOKED_CLIENTS_FETCH_TIMEOUT_S, transport=transport, verify=_tls_context()
        ) as client:
            response = await client.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            document = response.json()
        ids = document.get("revoked_client_ids") if isinstance(document, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise ValueError("the revoked-clients document needs a revoked_client_ids list")
        return frozenset(ids)

    return fetch


class VerifiedTokenCache:
    """Principals of tokens already verified, until their `exp`, least recently used dropped
    first. Keyed by a SHA-256 of the token, so the cache holds no usable credential."""

    def __init__(self, max_entries: int, *, wall_clock: Callable[[], float] = time.time) -> None:
        self._max_entries = max_entries
        self._wall_clock = wall_clock
        self._entries: OrderedDict[bytes, tuple[Principal, float]] = OrderedDict()

    @staticmethod
    def key(token: str) -> bytes:
        return hashlib.sha256(token.encode()).digest()

    def get(self, key: bytes) -> Principal | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        principal, expires_at = entry
        if self._wall_clock() >= expires_at:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return principal

    def put(self, key: bytes, principal: Principal, expires_at: float) -> None:
        if self._max_entries <= 0:
            return
        self._entries[key] = (principal, expires_at)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


class TokenVerifier:
    """Verifies access tokens against the issuer's JWKS.

    The keys come from, in order: `jwks` given here (the issuer verifying its own tokens),
    `settings.jwks_json`, or `settings.jwks_url`, fetched and cached for
    `settings.jwks_cache_seconds`. If the JWKS cannot be fetched and no keys are cached yet,
    `verify` answers 503: the caller's token may well be valid, we just cannot tell.
    """

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        jwks: Mapping[str, Any] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        revoked_clients_source: RevokedClientsSource | None = None,
    ) -> None:
        """`revoked_clients_source` defaults to `settings.revoked_clients_url` when set."""
        self._wall_clock = wall_clock
        self._cache = VerifiedTokenCache(settings.token_cache_size, wall_clock=wall_clock)
        if revoked_clients_source is None and settings.revoked_clients_url:
            revoked_clients_source = revoked_clients_from_url(
                settings.revoked_clients_url, transport=transport
            )
        self.revoked_clients = RevokedClients(
            revoked_clients_source, refresh_seconds=settings.revoked_clients_refresh_seconds
        )
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._cache_seconds = float(settings.jwks_cache_seconds)
        self._transport = transport
        self._clock = clock
        self._lock = asyncio.Lock()
        self._fetched_at: float | None = None
        self._failed_at: float | None = None

        static_jwks = jwks
        if static_jwks is None and settings.jwks_json:
            static_jwks = json.loads(settings.jwks_json)
        if static_jwks is not None:
            self._jwks_url: str | None = None
            self._keys = _usable_keys(static_jwks)
        elif settings.jwks_url:
            self._jwks_url = settings.jwks_url
            self._keys = {}
        else:
            raise ValueError("no token keys configured: set JWKS_URL or JWKS_JSON")

    def refreshing(self) -> contextlib.AbstractAsyncContextManager[None]:
        """Keeps the revocation list fresh while the service runs (entered by its lifespan)."""
        return self.revoked_clients.refreshing()

    async def verify(self, token: str) -> Principal:
        if len(token) > _MAX_TOKEN_LENGTH:
            raise _refusal("token too long")
        cache_key = self._cache.key(token)
        principal = self._cache.get(cache_key)
        if principal is None:
            principal, expires_at = await self._verify_signed(token)
            self._cache.put(cache_key, principal, expires_at)
        # Checked on every request, cached or not: a revocation must reach cached tokens too.
        if principal.client_id in self.revoked_clients:
            raise _refusal("client revoked")
        return principal

    async def _verify_signed(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise _refusal("unreadable header") from None
        algorithm = header.get("alg")
        kid = header.get("kid")
        if algorithm not in ACCEPTED_ALGORITHMS:
            raise _refusal("algorithm not accepted")
        if kid is not None and not isinstance(kid, str):
            raise _refusal("malformed kid")

        key = await self._key_for(kid)
        if key is None:
            raise _refusal("unknown kid")
        if key.algorithm_name != algorithm:
            raise _refusal("algorithm does not match the key")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=self._audience,
                issuer=self._issuer,
                leeway=CLOCK_SKEW_LEEWAY_S,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise _refusal(type(exc).__name__) from None
        principal = _principal_from(claims)
        # `exp` is required and checked above; the cache keeps the token no longer than that.
        return principal, float(claims["exp"])

    async def _key_for(self, kid: str | None) -> jwt.PyJWK | None:
        if self._jwks_url is None:
            return _select_key(self._keys, kid)
        if self._fetched_at is None or self._clock() - self._fetched_at >= self._cache_seconds:
            await self._refresh()
        key = _select_key(self._keys, kid)
        if key is None and (
            self._fetched_at is None
            or self._clock() - self._fetched_at >= UNKNOWN_KID_REFETCH_INTERVAL_S
        ):
            await self._refresh()
            key = _select_key(self._keys, kid)
        return key

    async def _refresh(self) -> None:
        requested_at = self._clock()
        async with self._lock:
            if self._fetched_at is not None and self._fetched_at >= requested_at:
                return  # another request refreshed while this one waited for the lock
            recently_failed = (
                self._failed_at is not None
                and requested_at - self._failed_at < FAILED_FETCH_BACKOFF_S
            )
            if not recently_failed:
                try:
                    self._keys = _usable_keys(await self._fetch())
                except (httpx.HTTPError, ValueError) as exc:
                    self._failed_at = self._clock()
                    _log.warning("jwks fetch failed", url=self._jwks_url, error=repr(exc))
                else:
                    self._fetched_at = self._clock()
                    self._failed_at = None
                    return
            if not self._keys:
                raise ServiceUnavailable(
                    "The token issuer's keys cannot be fetched; retry shortly.",
                    slug="jwks-unavailable",
                    retry_after_s=int(FAILED_FETCH_BACKOFF_S),
                )
            # Otherwise keep verifying with the keys fetched last time.

    async def _fetch(self) -> Mapping[str, Any]:
        assert self._jwks_url is not None
        async with httpx.AsyncClient(
            timeout=JWKS_FETCH_TIMEOUT_S, transport=self._transport, verify=_tls_context()
        ) as client:
            response = await client.get(self._jwks_url, headers={"Accept": "application/json"})
            response.raise_for_status()
            document = response.json()
        if not isinstance(document, dict):
            raise ValueError("the JWKS is not a JSON object")
        return document


def _usable_keys(jwks: Mapping[str, Any]) -> dict[str | None, jwt.PyJWK]:
    """Signature keys of the JWKS by key id; keys for encryption or of unsupported types are
    skipped so one odd key in a provider's set does not disable the others."""
    keys = jwks.get("keys")
    if not isinstance(keys, list):
        raise ValueError("a JWKS needs a `keys` list")
    usable: dict[str | None, jwt.PyJWK] = {}
    for member in keys:
        if not isinstance(member, dict) or member.get("use", "sig") != "sig":
            continue
        try:
            key = jwt.PyJWK(member)
        except jwt.PyJWTError:
            continue
        if key.algorithm_name in ACCEPTED_ALGORITHMS:
            usable[key.key_id] = key
    return usable


def _select_key(keys: Mapping[str | None, jwt.PyJWK], kid: str | None) -> jwt.PyJWK | None:
    if kid in keys:
        return keys[kid]
    # A token without a key id is unambiguous only when the issuer has a single key.
    if kid is None and len(keys) == 1:
        return next(iter(keys.values()))
    return None


def _principal_from(claims: Mapping[str, Any]) -> Principal:
    subject = claims.get("sub")
    organisation = claims.get("org")
    kind = claims.get("kind")
    scope = claims.get("scope", "")
    if not isinstance(subject, str) or not subject:
        raise _refusal("no subject")
    if not isinstance(organisation, str) or not isinstance(kind, str):
        raise _refusal("missing org or kind")
    if not isinstance(scope, str):
        raise _refusal("malformed scope")
    try:
        organisation_id = uuid.UUID(organisation)
        caller_kind = CallerKind(kind)
    except ValueError:
        raise _refusal("malformed org or kind") from None
    return Principal(
        client_id=subject,
        organisation_id=organisation_id,
        kind=caller_kind,
        scopes=frozenset(scope.split()),
    )


def _refusal(reason: str) -> Unauthorized:
    # The reason is for our logs; the client learns only that the token was not accepted.
    _log.info("token refused", reason=reason)
    return Unauthorized(_REFUSAL_DETAIL, invalid_token=True)


# --- FastAPI dependencies --------------------------------------------------------------------


class _BearerPrincipal(HTTPBearer):
    """The bearer scheme and the verification in one dependency.

    FastAPI documents a dependency that is a security scheme as the operation's security
    requirement; making the scheme itself answer with the verified caller saves the separate
    credentials dependency FastAPI would otherwise solve on every request.
    """

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        return await authenticate(request)


async def authenticate(request: Request) -> Principal:
    """The caller of this request, straight from its `Authorization` header; 401 without a
    valid bearer token. Routes that read a body call it before reading it, so a caller without
    a valid token costs no parsing. The verifier (`app.state.token_verifier`, built once in the
    app's lifespan) caches verified tokens, so a second check is a lookup."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("A bearer token is required.")
    verifier: TokenVerifier = request.app.state.token_verifier
    return await verifier.verify(token.strip())


current_principal = _BearerPrincipal(
    auto_error=False,
    scheme_name="BearerToken",
    bearerFormat="JWT",
    description="An access token from the registry's `POST /api/v1/oauth/token` "
    "(OAuth2 client credentials).",
)
"""The caller of this request; 401 without a valid bearer token."""

CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_kind(*kinds: CallerKind) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting only callers of the given kinds; others get 403."""
    allowed = frozenset(kinds)
    allowed_names = ", ".join(sorted(allowed))

    async def caller_of_allowed_kind(principal: CurrentPrincipal) -> Principal:
        if principal.kind not in allowed:
            raise Forbidden(f"Only callers of kind {allowed_names} may do this.")
        return principal

    return caller_of_allowed_kind


def require_scope(scope: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency admitting only callers whose token carries `scope`; others get 403."""

    async def caller_with_scope(principal: CurrentPrincipal) -> Principal:
        if not principal.has_scope(scope):
            raise Forbidden(f"The token lacks the scope {scope!r}.")
        return principal

    return caller_with_scope


BureauPrincipal = Annotated[Principal, Depends(require_kind(CallerKind.bureau))]
"""The caller is the bureau (市场监督管理局); others get 403."""
SupervisoryPrincipal = Annotated[
    Principal, Depends(require_kind(CallerKind.bureau, CallerKind.government_system))
]
"""The caller oversees every organisation: the bureau or another government system; others
get 403."""
