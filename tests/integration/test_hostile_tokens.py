"""Tokens made to fool the verifier: forgeries, key and algorithm confusion, odd headers."""

import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from infrastructure.auth.jwt_verifier import JwtTokenVerifier
from tests.support.forged_tokens import encode_part, forge, forge_hs256, unsigned
from tests.support.jwks_server import JwksServer
from tests.support.keys import SigningKeyPair, better_auth_claims, generate_key
from tests.support.verifier_rig import (
    ManualClock,
    build_verifier,
    open_key_set,
    refusal_reason,
    shared_key,
)


@pytest.fixture
async def verifier(jwks_server: JwksServer) -> AsyncIterator[JwtTokenVerifier]:
    async with open_key_set(jwks_server.url, ManualClock()) as keys:
        yield build_verifier(keys)


@pytest.fixture
def decoy_server() -> Iterator[JwksServer]:
    """A second JWKS that a token may point at; nothing should ever ask it for anything."""
    server = JwksServer().start()
    yield server
    server.stop()


def header_of(key: SigningKeyPair, **fields: Any) -> dict[str, Any]:
    return {"alg": key.algorithm, "kid": key.kid, **fields}


async def test_refuses_token_with_tampered_signature(
    verifier: JwtTokenVerifier, token_for: Callable[..., str]
) -> None:
    head, payload, signature = token_for().split(".")
    flipped = "A" if signature[10] != "A" else "B"
    tampered = f"{head}.{payload}.{signature[:10]}{flipped}{signature[11:]}"

    assert await refusal_reason(verifier, tampered) == "bad_signature"


async def test_refuses_token_with_tampered_payload(
    verifier: JwtTokenVerifier, token_for: Callable[..., str]
) -> None:
    head, _, signature = token_for("user-a").split(".")
    forged_payload = encode_part(better_auth_claims("user-b"))

    assert await refusal_reason(verifier, f"{head}.{forged_payload}.{signature}") == "bad_signature"


@pytest.mark.parametrize("algorithm", ["none", "None", "NONE", ""])
async def test_refuses_unsigned_token_naming_a_real_kid(
    verifier: JwtTokenVerifier, jwks_server: JwksServer, signing_key: SigningKeyPair, algorithm: str
) -> None:
    token = unsigned({"alg": algorithm, "kid": signing_key.kid}, better_auth_claims())

    assert await refusal_reason(verifier, token) == "disallowed_algorithm"
    assert jwks_server.requests == 0


def _hmac_secrets(key: SigningKeyPair) -> dict[str, bytes]:
    public = key.private_key.public_key()
    return {
        "raw-public-key": public.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        ),
        "jwk-json": json.dumps(key.public_jwk).encode(),
        "pem": public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        "guessed-secret": b"better-auth-secret",
    }


@pytest.mark.parametrize("secret_kind", ["raw-public-key", "jwk-json", "pem", "guessed-secret"])
async def test_refuses_hs256_token_whatever_the_hmac_secret(
    verifier: JwtTokenVerifier,
    jwks_server: JwksServer,
    signing_key: SigningKeyPair,
    secret_kind: str,
) -> None:
    secret = _hmac_secrets(signing_key)[secret_kind]
    token = forge_hs256(header_of(signing_key, alg="HS256"), better_auth_claims(), secret)

    assert await refusal_reason(verifier, token) == "disallowed_algorithm"
    assert jwks_server.requests == 0


@pytest.mark.parametrize(
    ("signer_alg", "header_alg", "kid_owner_alg"),
    [
        pytest.param("ES256", "ES256", "EdDSA", id="es256-header-on-eddsa-kid"),
        pytest.param("EdDSA", "EdDSA", "ES256", id="eddsa-header-on-es256-kid"),
        pytest.param("RS256", "PS256", "RS256", id="ps256-header-on-rs256-key"),
        pytest.param("PS256", "RS256", "PS256", id="rs256-header-on-ps256-key"),
        pytest.param("ES256", "ES256", "ES512", id="es256-header-on-es512-kid"),
    ],
)
async def test_refuses_header_alg_other_than_the_one_the_key_was_published_for(
    verifier: JwtTokenVerifier,
    jwks_server: JwksServer,
    signer_alg: str,
    header_alg: str,
    kid_owner_alg: str,
) -> None:
    signer, kid_owner = shared_key(signer_alg), shared_key(kid_owner_alg)
    jwks_server.publish(signer.public_jwk, kid_owner.public_jwk)
    header = {"alg": header_alg, "kid": kid_owner.kid}
    token = forge(header, better_auth_claims(), signer, algorithm=header_alg)

    assert await refusal_reason(verifier, token) == "algorithm_mismatch"


def _key_location_headers(decoy: JwksServer, attacker: SigningKeyPair) -> dict[str, Any]:
    return {
        "jku": decoy.url,
        "x5u": decoy.url,
        "jwk": attacker.public_jwk,
        "x5c": ["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"],
    }


@pytest.mark.parametrize("field", ["jku", "x5u", "jwk", "x5c"])
async def test_refuses_token_signed_by_a_key_its_header_points_at(
    verifier: JwtTokenVerifier,
    signing_key: SigningKeyPair,
    decoy_server: JwksServer,
    field: str,
) -> None:
    attacker = generate_key("EdDSA")
    decoy_server.publish(attacker.public_jwk)
    pointer = _key_location_headers(decoy_server, attacker)[field]
    token = forge(header_of(signing_key, **{field: pointer}), better_auth_claims(), attacker)

    assert await refusal_reason(verifier, token) == "bad_signature"
    assert decoy_server.requests == 0


async def test_ignores_key_location_headers_on_a_genuine_token(
    verifier: JwtTokenVerifier, signing_key: SigningKeyPair, decoy_server: JwksServer
) -> None:
    pointers = _key_location_headers(decoy_server, generate_key("EdDSA"))
    token = forge(header_of(signing_key, **pointers), better_auth_claims(), signing_key)

    assert (await verifier.verify(token)).id == "user-a"
    assert decoy_server.requests == 0


async def test_refuses_token_with_an_unknown_critical_header(
    verifier: JwtTokenVerifier, signing_key: SigningKeyPair
) -> None:
    header = header_of(signing_key, crit=["urn:example:must-understand"])
    header["urn:example:must-understand"] = True

    assert await refusal_reason(verifier, forge(header, better_auth_claims(), signing_key)) in {
        "malformed",
        "invalid",
    }


async def test_refuses_unencoded_payload_header_b64_false(
    verifier: JwtTokenVerifier, signing_key: SigningKeyPair
) -> None:
    header = header_of(signing_key, b64=False, crit=["b64"])

    assert await refusal_reason(verifier, forge(header, better_auth_claims(), signing_key)) in {
        "malformed",
        "invalid",
    }


@pytest.mark.parametrize(
    ("kid", "reason"),
    [
        pytest.param("k" * 10_000, "token_too_large", id="10000-chars"),
        pytest.param("k" * 5_000, "bad_kid", id="5000-chars"),
        pytest.param("k" * 257, "bad_kid", id="257-chars"),
        pytest.param("", "bad_kid", id="empty"),
        pytest.param(7, "bad_kid", id="integer"),
        pytest.param(["k"], "bad_kid", id="list"),
        pytest.param(None, "bad_kid", id="null"),
        pytest.param("../../etc/passwd", "unknown_key", id="path"),
        pytest.param("' OR '1'='1' --", "unknown_key", id="sql"),
        pytest.param("http://127.0.0.1:1/jwks", "unknown_key", id="url"),
        pytest.param("k\u0000\r\n", "unknown_key", id="control-chars"),
    ],
)
async def test_refuses_kid_that_names_no_published_key(
    verifier: JwtTokenVerifier,
    jwks_server: JwksServer,
    signing_key: SigningKeyPair,
    kid: object,
    reason: str,
) -> None:
    token = forge({"alg": "EdDSA", "kid": kid}, better_auth_claims(), signing_key)

    assert await refusal_reason(verifier, token) == reason
    assert jwks_server.requests <= 1


async def test_refuses_token_without_kid(
    verifier: JwtTokenVerifier, signing_key: SigningKeyPair
) -> None:
    token = forge({"alg": "EdDSA"}, better_auth_claims(), signing_key)

    assert await refusal_reason(verifier, token) == "bad_kid"


@pytest.mark.parametrize("content_type", ["JWT", "jwt", "application/jwt"])
async def test_refuses_nested_jwt(
    verifier: JwtTokenVerifier,
    signing_key: SigningKeyPair,
    token_for: Callable[..., str],
    content_type: str,
) -> None:
    inner = token_for().encode()
    token = forge(header_of(signing_key, cty=content_type), inner, signing_key)

    assert await refusal_reason(verifier, token) == "nested_token"
