"""Authentication as HTTP clients see it: 401s, the one accepted credential form, 503 on no keys."""

import time
from collections.abc import Callable

import httpx
import jwt
import pytest

from interfaces.http.app import create_app
from tests.conftest import SettingsFactory, open_client
from tests.e2e.conftest import Headers
from tests.support.jwks_server import JwksServer
from tests.support.keys import DROP, SigningKeyPair, better_auth_claims, generate_key

TokenFactory = Callable[..., str]
GENERIC_401 = {"detail": "Invalid or missing credentials"}

PROTECTED = [
    ("GET", "/api/tasks"),
    ("GET", "/api/tasks/search?q=x"),
    ("GET", "/api/tasks/1"),
    ("POST", "/api/tasks"),
    ("POST", "/api/tasks/bulk"),
    ("PATCH", "/api/tasks/1"),
    ("DELETE", "/api/tasks/1"),
]


def request_body(method: str, path: str) -> object:
    if path.endswith("/bulk"):
        return [{"title": "x"}]
    return {"title": "x"} if method in {"POST", "PATCH"} else None


async def test_health_answers_without_a_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/health")

    assert response.status_code == 200
    assert response.json() == {"status": "healthy"}


@pytest.mark.parametrize(("method", "path"), PROTECTED)
async def test_returns_401_with_bearer_challenge_when_no_token(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path, json=request_body(method, path))

    assert response.status_code == 401
    assert response.json() == GENERIC_401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def _expired(token_for: TokenFactory, _: SigningKeyPair) -> str:
    now = int(time.time())
    return token_for(iat=now - 7200, exp=now - 3600)


def _other_key(_: TokenFactory, __: SigningKeyPair) -> str:
    return generate_key("EdDSA").sign(better_auth_claims("user-alice"))


def _same_kid_other_key(_: TokenFactory, signing_key: SigningKeyPair) -> str:
    return generate_key("EdDSA", kid=signing_key.kid).sign(better_auth_claims("user-alice"))


def _unsigned(_: TokenFactory, signing_key: SigningKeyPair) -> str:
    claims = better_auth_claims("user-alice")
    return jwt.encode(claims, "", algorithm="none", headers={"kid": signing_key.kid})


def _tampered(token_for: TokenFactory, _: SigningKeyPair) -> str:
    header, _payload, signature = token_for("user-alice").split(".")
    other_payload = token_for("user-mallory").split(".")[1]
    return ".".join([header, other_payload, signature])


BAD_TOKENS: dict[str, Callable[[TokenFactory, SigningKeyPair], str]] = {
    "garbage": lambda _, __: "not-a-jwt",
    "expired": _expired,
    "wrong issuer": lambda token_for, _: token_for(iss="https://evil.example"),
    "wrong audience": lambda token_for, _: token_for(aud="https://other.example"),
    "no exp": lambda token_for, _: token_for(exp=DROP),
    "no sub": lambda token_for, _: token_for(sub=DROP),
    "empty sub": lambda token_for, _: token_for(sub=""),
    "unpublished key": _other_key,
    "published kid, other key": _same_kid_other_key,
    "alg none": _unsigned,
    "payload swapped": _tampered,
    "oversized": lambda token_for, _: token_for(pad="x" * 20_000),
}


@pytest.mark.parametrize("make_token", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
async def test_returns_401_with_a_generic_answer_when_the_token_is_not_acceptable(
    client: httpx.AsyncClient,
    token_for: TokenFactory,
    signing_key: SigningKeyPair,
    make_token: Callable[[TokenFactory, SigningKeyPair], str],
) -> None:
    token = make_token(token_for, signing_key)

    response = await client.get("/api/tasks", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    assert response.json() == GENERIC_401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "authorization",
    ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token {token}", "{token}", "Bearer{token}"],
)
async def test_returns_401_when_the_authorization_header_is_not_one_bearer_token(
    client: httpx.AsyncClient, token_for: TokenFactory, authorization: str
) -> None:
    headers = {"Authorization": authorization.format(token=token_for("user-alice"))}

    response = await client.get("/api/tasks", headers=headers)

    assert response.status_code == 401
    assert response.json() == GENERIC_401


async def test_returns_401_when_two_authorization_headers_are_sent(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    headers = [("Authorization", alice["Authorization"])] * 2

    response = await client.get("/api/tasks", headers=headers)

    assert response.status_code == 401


async def test_ignores_a_token_in_the_query_string(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    response = await client.get("/api/tasks", params={"access_token": token_for("user-alice")})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_accepts_the_bearer_scheme_in_any_case(
    client: httpx.AsyncClient, token_for: TokenFactory
) -> None:
    response = await client.get(
        "/api/tasks", headers={"Authorization": f"bEaReR {token_for('user-alice')}"}
    )

    assert response.status_code == 200


async def test_returns_503_with_retry_after_when_no_signing_key_can_be_fetched(
    make_settings: SettingsFactory, jwks_server: JwksServer, alice: Headers
) -> None:
    jwks_server.stop()

    async for api in open_client(create_app(make_settings())):
        response = await api.get("/api/tasks", headers=alice)

    assert response.status_code == 503
    assert "detail" in response.json()
    assert 1 <= int(response.headers["Retry-After"]) <= 10


async def test_keeps_answering_with_cached_keys_when_the_jwks_goes_down(
    client: httpx.AsyncClient, jwks_server: JwksServer, alice: Headers
) -> None:
    assert (await client.get("/api/tasks", headers=alice)).status_code == 200
    jwks_server.stop()

    response = await client.get("/api/tasks", headers=alice)

    assert response.status_code == 200
