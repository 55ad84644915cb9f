"""API client secrets: generated once, shown once, stored only as an argon2id hash.

(Named `client_secrets` so it does not shadow the standard library's `secrets`.)
"""

from __future__ import annotations

import asyncio
import secrets

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's defaults are RFC 9106's low-memory profile of argon2id (64 MiB, 3 passes),
# about 50 ms of CPU per hash; the async variants keep that off the event loop.
_hasher = PasswordHasher()

_CONCURRENT_HASHES = 2
"""Each hash holds 64 MiB: a flood of token requests must queue, not exhaust memory."""
_hash_slots: asyncio.Semaphore | None = None


def _slots() -> asyncio.Semaphore:
    global _hash_slots
    if _hash_slots is None:
        _hash_slots = asyncio.Semaphore(_CONCURRENT_HASHES)
    return _hash_slots


def new_client_secret() -> str:
    """256 random bits, URL-safe, to hand to the client exactly once."""
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(secret: str, hashed: str) -> bool:
    """True if `secret` matches; False for a wrong secret or an unreadable hash."""
    try:
        return _hasher.verify(hashed, secret)
    except (VerificationError, InvalidHashError):
        return False


async def hash_secret_async(secret: str) -> str:
    async with _slots():
        return await anyio.to_thread.run_sync(hash_secret, secret)


async def verify_secret_async(secret: str, hashed: str) -> bool:
    async with _slots():
        return await anyio.to_thread.run_sync(verify_secret, secret, hashed)
