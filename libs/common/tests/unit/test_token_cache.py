"""Verified tokens are cached until they expire, bounded, and revocation reaches them."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest

from tzsb_common.auth import CallerKind, Principal, TokenVerifier, VerifiedTokenCache
from tzsb_common.problems import Unauthorized
from tzsb_common.settings import ServiceSettings
from tzsb_common.signing import SigningKey


class FakeWallClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _principal(client_id: str) -> Principal:
    return Principal(client_id=client_id, organisation_id=uuid.uuid4(), kind=CallerKind.bureau)


def test_the_cache_drops_the_least_recently_used_entry_beyond_its_size() -> None:
    cache = VerifiedTokenCache(2, wall_clock=FakeWallClock(0.0))
    keys = [cache.key(f"token-{i}") for i in range(3)]
    cache.put(keys[0], _principal("a"), 100.0)
    cache.put(keys[1], _principal("b"), 100.0)
    assert cache.get(keys[0]) is not None  # now the most recently used
    cache.put(keys[2], _principal("c"), 100.0)
    assert len(cache) == 2
    assert cache.get(keys[1]) is None
    assert cache.get(keys[0]) is not None


def test_a_cached_token_is_forgotten_when_it_expires() -> None:
    clock = FakeWallClock(0.0)
    cache = VerifiedTokenCache(10, wall_clock=clock)
    key = cache.key("token")
    cache.put(key, _principal("a"), 50.0)
    clock.now = 49.9
    assert cache.get(key) is not None
    clock.now = 50.0
    assert cache.get(key) is None


@pytest.fixture
def key() -> SigningKey:
    return SigningKey.generate()


def _verifier(key: SigningKey, clock: FakeWallClock, revoked: set[str]) -> TokenVerifier:
    async def revoked_ids() -> frozenset[str]:
        return frozenset(revoked)

    return TokenVerifier(
        ServiceSettings(jwks_json=json.dumps(key.public_jwks())),
        wall_clock=clock,
        revoked_clients_source=revoked_ids,
    )


def _token(key: SigningKey, client_id: str, ttl: timedelta) -> str:
    settings = ServiceSettings()
    return key.issue(
        subject=client_id,
        organisation_id=uuid.uuid4(),
        kind=CallerKind.use_unit,
        scopes=(),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl=ttl,
    )


async def test_a_token_is_verified_once_then_served_from_the_cache(key: SigningKey) -> None:
    import time

    clock = FakeWallClock(time.time())
    verifier = _verifier(key, clock, set())
    token = _token(key, "client-a", timedelta(minutes=5))
    first = await verifier.verify(token)
    # Without keys a fresh verification would fail: the second answer comes from the cache.
    verifier._keys = {}
    assert await verifier.verify(token) == first
    clock.now += 301
    with pytest.raises(Unauthorized):
        await verifier.verify(token)


async def test_a_revoked_clients_cached_token_is_refused_after_a_refresh(
    key: SigningKey,
) -> None:
    import time

    revoked: set[str] = set()
    verifier = _verifier(key, FakeWallClock(time.time()), revoked)
    token = _token(key, "client-b", timedelta(minutes=5))
    await verifier.verify(token)
    revoked.add("client-b")
    await verifier.verify(token)  # not refreshed yet
    assert await verifier.revoked_clients.refresh()
    with pytest.raises(Unauthorized):
        await verifier.verify(token)
