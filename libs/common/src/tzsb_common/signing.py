"""The issuer's signing key: RS256 access tokens and the JWKS that lets services verify them.

Only the token issuer (the registry) holds a `SigningKey`; every other service sees the public
half through the JWKS. In development the key is generated on first start under `var/keys`;
production passes a PEM through settings.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import stat
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tzsb_common.auth import CallerKind

SIGNING_ALGORITHM = "RS256"
KEY_FILE_NAME = "signing-key.pem"
_RSA_KEY_BITS = 2048
# RFC 9068: the media type of a JWT access token, so it is not mistaken for an ID token.
_ACCESS_JWT_TYP = "at+jwt"


@dataclass(frozen=True)
class SigningKey:
    private_key: rsa.RSAPrivateKey
    kid: str
    """RFC 7638 thumbprint of the public key: the same key always has the same id."""

    @classmethod
    def generate(cls) -> SigningKey:
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=_RSA_KEY_BITS)
        return cls(private_key=private_key, kid=jwk_thumbprint(private_key.public_key()))

    @classmethod
    def from_pem(cls, pem: str | bytes) -> SigningKey:
        data = pem.encode() if isinstance(pem, str) else pem
        private_key = serialization.load_pem_private_key(data, password=None)
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise ValueError("the signing key must be an RSA private key")
        if private_key.key_size < _RSA_KEY_BITS:
            raise ValueError(f"the signing key must have at least {_RSA_KEY_BITS} bits")
        return cls(private_key=private_key, kid=jwk_thumbprint(private_key.public_key()))

    def to_pem(self) -> bytes:
        return self.private_key.private_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PrivateFormat.PKCS8,
            encryption_algorithm=serialization.NoEncryption(),
        )

    def public_jwk(self) -> dict[str, Any]:
        jwk = _public_jwk_members(self.private_key.public_key())
        return {**jwk, "use": "sig", "alg": SIGNING_ALGORITHM, "kid": self.kid}

    def public_jwks(self) -> dict[str, Any]:
        """The document served at `/.well-known/jwks.json`."""
        return {"keys": [self.public_jwk()]}

    def issue(
        self,
        *,
        subject: str,
        organisation_id: uuid.UUID,
        kind: CallerKind,
        scopes: Iterable[str],
        issuer: str,
        audience: str,
        ttl: timedelta,
        now: datetime | None = None,
    ) -> str:
        issued_at = now or datetime.now(UTC)
        if issued_at.tzinfo is None:
            raise ValueError("`now` must be timezone-aware")
        issued_ts = int(issued_at.timestamp())
        claims = {
            "iss": issuer,
            "sub": subject,
            "aud": audience,
            "iat": issued_ts,
            "nbf": issued_ts,
            "exp": int((issued_at + ttl).timestamp()),
            "jti": uuid.uuid4().hex,
            "org": str(organisation_id),
            "kind": kind.value,
            "scope": " ".join(sorted(set(scopes))),
        }
        return jwt.encode(
            claims,
            self.private_key,
            algorithm=SIGNING_ALGORITHM,
            headers={"kid": self.kid, "typ": _ACCESS_JWT_TYP},
        )


def _public_jwk_members(public_key: rsa.RSAPublicKey) -> dict[str, Any]:
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    return {"kty": jwk["kty"], "n": jwk["n"], "e": jwk["e"]}


def jwk_thumbprint(public_key: rsa.RSAPublicKey) -> str:
    """RFC 7638 §3: SHA-256 of the required members in lexicographic order, no whitespace."""
    members = _public_jwk_members(public_key)
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256(canonical).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def load_or_create_signing_key(key_dir: Path) -> SigningKey:
    """The key in `key_dir/signing-key.pem`, generated there on first use.

    The directory is made 0700 and the file 0600. The file is written under a temporary name
    and linked into place, which fails if another process won the race to create it; the
    loser then loads the winner's key, so replicas starting together agree on one key.
    """
    key_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    _restrict_to_owner(key_dir, 0o700)
    key_path = key_dir / KEY_FILE_NAME
    if key_path.exists():
        _restrict_to_owner(key_path, 0o600)
        return SigningKey.from_pem(key_path.read_bytes())

    key = SigningKey.generate()
    temporary = key_dir / f".{KEY_FILE_NAME}.{uuid.uuid4().hex}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(key.to_pem())
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, key_path)
        except FileExistsError:
            return SigningKey.from_pem(key_path.read_bytes())
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return key


def _restrict_to_owner(path: Path, mode: int) -> None:
    """Take away any group or other access (an older copy, a loose umask, a restored backup)."""
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(mode)
