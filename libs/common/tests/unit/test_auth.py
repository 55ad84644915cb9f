from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import ssl
import stat
import threading
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, FastAPI
from jwt.algorithms import RSAAlgorithm

from tzsb_common.auth import (
    UNKNOWN_KID_REFETCH_INTERVAL_S,
    BureauPrincipal,
    CallerKind,
    CurrentPrincipal,
    Principal,
    TokenVerifier,
    require_scope,
    revoked_clients_from_url,
)
from tzsb_common.client_secrets import (
    hash_secret,
    hash_secret_async,
    new_client_secret,
    verify_secret,
    verify_secret_async,
)
from tzsb_common.problems import PROBLEM_MEDIA_TYPE, Unauthorized, install_problem_handlers
from tzsb_common.settings import ServiceSettings
from tzsb_common.signing import (
    KEY_FILE_NAME,
    SigningKey,
    jwk_thumbprint,
    load_or_create_signing_key,
)

ISSUER = "tzsb-registry-test"
AUDIENCE = "tzsb-test"
ORGANISATION_ID = uuid.UUID("0b7d8a3e-7f4e-4a59-9a55-3c1f5f0e2a11")
JWKS_URL = "http://issuer.test/.well-known/jwks.json"


@pytest.fixture(scope="module")
def signing_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="module")
def settings() -> ServiceSettings:
    return ServiceSettings(jwt_issuer=ISSUER, jwt_audience=AUDIENCE)


def issue(
    key: SigningKey,
    *,
    kind: CallerKind = CallerKind.bureau,
    scopes: tuple[str, ...] = ("equipment:write",),
    audience: str = AUDIENCE,
    issuer: str = ISSUER,
    ttl: timedelta = timedelta(minutes=15),
    now: datetime | None = None,
) -> str:
    return key.issue(
        subject="client-1",
        organisation_id=ORGANISATION_ID,
        kind=kind,
        scopes=scopes,
        issuer=issuer,
        audience=audience,
        ttl=ttl,
        now=now,
    )


def build_app(verifier: TokenVerifier) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.token_verifier = verifier

    @app.get("/me")
    async def me(principal: CurrentPrincipal) -> dict[str, str]:
        return {"client_id": principal.client_id, "kind": principal.kind}

    @app.post("/organisations")
    async def create_organisation(principal: BureauPrincipal) -> dict[str, str]:
        return {"created_by": principal.client_id}

    @app.post("/equipment")
    async def create_equipment(
        principal: Annotated[Principal, Depends(require_scope("equipment:write"))],
    ) -> dict[str, str]:
        return {"created_by": principal.client_id}

    return app


@pytest.fixture
async def client(
    signing_key: SigningKey, settings: ServiceSettings
) -> AsyncIterator[httpx.AsyncClient]:
    verifier = TokenVerifier(settings, jwks=signing_key.public_jwks())
    transport = httpx.ASGITransport(app=build_app(verifier))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_refused_token(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    body = response.json()
    assert body["type"] == "urn:tzsb:problem:unauthorized"
    assert body["detail"] == "invalid or expired token"


# --- verification ------------------------------------------------------------------------------


async def test_token_issued_by_the_signing_key_verifies_to_its_principal(
    signing_key: SigningKey, settings: ServiceSettings
) -> None:
    verifier = TokenVerifier(settings, jwks=signing_key.public_jwks())

    principal = await verifier.verify(
        issue(signing_key, kind=CallerKind.maintenance_company, scopes=("b", "a"))
    )

    assert principal == Principal(
        client_id="client-1",
        organisation_id=ORGANISATION_ID,
        kind=CallerKind.maintenance_company,
        scopes=frozenset({"a", "b"}),
    )
    assert not principal.is_bureau


async def test_inline_jwks_from_settings_is_used_without_any_fetch(
    signing_key: SigningKey,
) -> None:
    settings = ServiceSettings(
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        jwks_json=json.dumps(signing_key.public_jwks()),
        jwks_url="http://unreachable.invalid/jwks",
    )

    principal = await TokenVerifier(settings).verify(issue(signing_key))

    assert principal.is_bureau


async def test_valid_token_reaches_the_route(
    client: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    response = await client.get("/me", headers=bearer(issue(signing_key)))

    assert response.status_code == 200
    assert response.json() == {"client_id": "client-1", "kind": "bureau"}


async def test_missing_token_is_refused_with_401_and_a_bearer_challenge(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/me")

    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["type"] == "urn:tzsb:problem:unauthorized"


async def test_basic_credentials_instead_of_a_bearer_token_are_refused_with_401(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/me", headers={"Authorization": "Basic Y2xpZW50OnNlY3JldA=="})

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_expired_token_is_refused_with_401(
    client: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    token = issue(signing_key, ttl=timedelta(minutes=15), now=an_hour_ago)

    assert_refused_token(await client.get("/me", headers=bearer(token)))


async def test_token_expired_within_the_clock_skew_leeway_is_accepted(
    client: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    expired_ten_seconds_ago = datetime.now(UTC) - timedelta(minutes=15, seconds=10)
    token = issue(signing_key, ttl=timedelta(minutes=15), now=expired_ten_seconds_ago)

    assert (await client.get("/me", headers=bearer(token))).status_code == 200


async def test_token_not_yet_valid_is_refused_with_401(
    client: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    token = issue(signing_key, now=datetime.now(UTC) + timedelta(minutes=5))

    assert_refused_token(await client.get("/me", headers=bearer(token)))


async def test_forged_token_signed_by_another_key_is_refused_with_401(
    client: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    forger = SigningKey.generate()
    # The forger even claims the real key's id.
    impostor = SigningKey(private_key=forger.private_key, kid=signing_key.kid)

    assert_refused_token(await client.get("/me", headers=bearer(issue(impostor))))


async def test_token_with_a_tampered_claim_is_refused_with_401(
    client: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    header, _payload, signature = issue(signing_key, kind=CallerKind.use_unit).split(".")
    claims = jwt.decode(issue(signing_key), options={"verify_signature": False})
    tampered_payload = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()

    token = f"{header}.{tampered_payload}.{signature}"

    assert_refused_token(await client.get("/me", headers=bearer(token)))


async def test_token_for_another_audience_is_refused_with_401(
    client: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    token = issue(signing_key, audience="some-other-platform")

    assert_refused_token(await client.get("/me", headers=bearer(token)))


async def test_token_from_another_issuer_is_refused_with_401(
    client: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    token = issue(signing_key, issuer="someone-else")

    assert_refused_token(await client.get("/me", headers=bearer(token)))


def claims_of(key: SigningKey) -> dict[str, Any]:
    return dict(jwt.decode(issue(key), options={"verify_signature": False}))


async def test_unsigned_alg_none_token_is_refused_with_401(
    client: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    token = jwt.encode(claims_of(signing_key), "", algorithm="none")

    assert_refused_token(await client.get("/me", headers=bearer(token)))


async def test_hmac_token_keyed_with_the_public_key_is_refused_with_401(
    client: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    # The classic algorithm-confusion attack: HS256 keyed with the public key, which PyJWT
    # refuses to produce, so the token is put together by hand.
    public_pem = signing_key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": signing_key.kid}
    signing_input = b".".join(
        jwt.utils.base64url_encode(json.dumps(part).encode())
        for part in (header, claims_of(signing_key))
    )
    mac = hmac.new(public_pem, signing_input, hashlib.sha256).digest()
    token = (signing_input + b"." + jwt.utils.base64url_encode(mac)).decode()

    assert_refused_token(await client.get("/me", headers=bearer(token)))


async def test_token_of_unknown_kind_is_refused_with_401(
    client: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    claims = {**claims_of(signing_key), "kind": "superuser"}
    token = jwt.encode(
        claims, signing_key.private_key, algorithm="RS256", headers={"kid": signing_key.kid}
    )

    assert_refused_token(await client.get("/me", headers=bearer(token)))


async def test_garbage_token_is_refused_with_401(client: httpx.AsyncClient) -> None:
    assert_refused_token(await client.get("/me", headers=bearer("not.a.jwt")))


# --- authorisation -----------------------------------------------------------------------------


async def test_caller_of_the_wrong_kind_is_forbidden_with_403(
    client: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    token = issue(signing_key, kind=CallerKind.maintenance_company)

    response = await client.post("/organisations", headers=bearer(token))

    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["type"] == "urn:tzsb:problem:forbidden"


async def test_bureau_caller_passes_the_bureau_only_route(
    client: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    response = await client.post("/organisations", headers=bearer(issue(signing_key)))

    assert response.status_code == 200


async def test_caller_without_the_required_scope_is_forbidden_with_403(
    client: httpx.AsyncClient, signing_key: SigningKey
) -> None:
    without_scope = issue(signing_key, scopes=("equipment:read",))
    with_scope = issue(signing_key, scopes=("equipment:read", "equipment:write"))

    refused = await client.post("/equipment", headers=bearer(without_scope))
    allowed = await client.post("/equipment", headers=bearer(with_scope))

    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:tzsb:problem:forbidden"
    assert allowed.status_code == 200


async def test_openapi_declares_the_bearer_security_scheme(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()

    [scheme] = document["components"]["securitySchemes"].values()
    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"
    assert scheme["bearerFormat"] == "JWT"
    assert document["paths"]["/organisations"]["post"]["security"]


# --- keys from a JWKS URL ----------------------------------------------------------------------


@dataclass
class FakeIssuer:
    """Serves a JWKS over a mock transport and counts the fetches."""

    jwks: dict[str, Any]
    fetches: int = 0
    reachable: bool = True

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.fetches += 1
        if not self.reachable:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json=self.jwks)


@dataclass
class FakeClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def url_verifier(issuer: FakeIssuer, clock: FakeClock) -> TokenVerifier:
    settings = ServiceSettings(
        jwt_issuer=ISSUER, jwt_audience=AUDIENCE, jwks_url=JWKS_URL, jwks_cache_seconds=300
    )
    return TokenVerifier(settings, transport=httpx.MockTransport(issuer.handle), clock=clock)


async def test_keys_from_the_jwks_url_are_fetched_once_and_cached(
    signing_key: SigningKey,
) -> None:
    issuer = FakeIssuer(signing_key.public_jwks())
    clock = FakeClock()
    verifier = url_verifier(issuer, clock)

    await verifier.verify(issue(signing_key))
    await verifier.verify(issue(signing_key))
    clock.now += 301
    await verifier.verify(issue(signing_key))

    assert issuer.fetches == 2


async def test_unknown_key_id_refetches_the_jwks_at_most_every_30_seconds(
    signing_key: SigningKey,
) -> None:
    rotated = SigningKey.generate()
    issuer = FakeIssuer(signing_key.public_jwks())
    clock = FakeClock()
    verifier = url_verifier(issuer, clock)
    await verifier.verify(issue(signing_key))

    with pytest.raises(Unauthorized):
        await verifier.verify(issue(rotated))  # fetched just now: not fetched again
    assert issuer.fetches == 1

    issuer.jwks = {"keys": [signing_key.public_jwk(), rotated.public_jwk()]}
    clock.now += UNKNOWN_KID_REFETCH_INTERVAL_S
    principal = await verifier.verify(issue(rotated))

    assert issuer.fetches == 2
    assert principal.client_id == "client-1"


async def test_unreachable_jwks_answers_503_not_500(signing_key: SigningKey) -> None:
    issuer = FakeIssuer(signing_key.public_jwks(), reachable=False)
    app = build_app(url_verifier(issuer, FakeClock()))
    transport = httpx.ASGITransport(app=app)

    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/me", headers=bearer(issue(signing_key)))

    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["type"] == "urn:tzsb:problem:jwks-unavailable"


async def test_cached_keys_keep_working_while_the_jwks_url_is_down(
    signing_key: SigningKey,
) -> None:
    issuer = FakeIssuer(signing_key.public_jwks())
    clock = FakeClock()
    verifier = url_verifier(issuer, clock)
    await verifier.verify(issue(signing_key))

    issuer.reachable = False
    clock.now += 301
    principal = await verifier.verify(issue(signing_key))

    assert principal.client_id == "client-1"


# --- the signing key on disk -------------------------------------------------------------------


def test_signing_key_file_is_private_and_reloads_with_the_same_kid(tmp_path: Path) -> None:
    key_dir = tmp_path / "var" / "keys"

    created = load_or_create_signing_key(key_dir)
    reloaded = load_or_create_signing_key(key_dir)

    key_file = key_dir / KEY_FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_dir.stat().st_mode) == 0o700
    assert reloaded.kid == created.kid
    assert [path.name for path in key_dir.iterdir()] == [KEY_FILE_NAME]


def test_existing_key_directory_open_to_others_is_closed_before_the_key_is_written(
    tmp_path: Path,
) -> None:
    key_dir = tmp_path / "keys"
    key_dir.mkdir(mode=0o755)
    key_dir.chmod(0o755)

    load_or_create_signing_key(key_dir)

    assert stat.S_IMODE(key_dir.stat().st_mode) == 0o700


def test_pem_from_settings_gives_the_same_key_and_kid() -> None:
    key = SigningKey.generate()

    assert SigningKey.from_pem(key.to_pem().decode()).kid == key.kid


def test_public_jwks_publishes_only_the_public_half_for_signatures(
    signing_key: SigningKey,
) -> None:
    [jwk] = signing_key.public_jwks()["keys"]

    assert jwk["kid"] == signing_key.kid
    assert (jwk["kty"], jwk["use"], jwk["alg"]) == ("RSA", "sig", "RS256")
    assert {"d", "p", "q", "dp", "dq", "qi"}.isdisjoint(jwk)


def test_kid_is_the_rfc_7638_thumbprint() -> None:
    # The example key of RFC 7638 §3.1 and the thumbprint the RFC gives for it.
    rfc_example = {
        "kty": "RSA",
        "e": "AQAB",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tS"
        "oc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQ"
        "R0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWh"
        "AI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    }
    public_key = RSAAlgorithm.from_jwk(rfc_example)
    assert isinstance(public_key, rsa.RSAPublicKey)

    assert jwk_thumbprint(public_key) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


# --- client secrets ----------------------------------------------------------------------------


def test_client_secret_verifies_only_against_its_own_hash() -> None:
    secret = new_client_secret()
    hashed = hash_secret(secret)

    assert hashed.startswith("$argon2id$")
    assert secret not in hashed
    assert verify_secret(secret, hashed)
    assert not verify_secret(new_client_secret(), hashed)
    assert not verify_secret(secret, "not-a-hash")


async def test_client_secret_hashing_runs_off_the_event_loop() -> None:
    secret = new_client_secret()

    hashed = await hash_secret_async(secret)

    assert await verify_secret_async(secret, hashed)
    assert not await verify_secret_async("wrong", hashed)


async def test_revocation_list_fetches_reuse_one_tls_setup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each fetch built its own CA store (tens of ms of CPU on the event loop, every 30 s)."""

    class Registry(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"revoked_client_ids": ["gone"]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Registry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fetch = revoked_clients_from_url(
        f"http://127.0.0.1:{server.server_address[1]}/.well-known/revoked-clients"
    )
    made: list[object] = []
    create_default_context = ssl.create_default_context

    def counted(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        made.append(args)
        return create_default_context(*args, **kwargs)

    try:
        assert await fetch() == frozenset({"gone"})
        monkeypatch.setattr(ssl, "create_default_context", counted)
        assert await fetch() == frozenset({"gone"})
        assert await fetch() == frozenset({"gone"})
    finally:
        server.shutdown()
    assert made == []
