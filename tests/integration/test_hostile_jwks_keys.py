"""Key sets with keys never to trust: for encryption, symmetric, too short, malformed."""

import functools
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from jwt.utils import base64url_encode

from infrastructure.auth.jwks import JwksKeySet
from infrastructure.auth.jwt_verifier import JwtTokenVerifier
from tests.support.forged_tokens import forge, forge_hs256
from tests.support.jwks_server import JwksServer
from tests.support.keys import SigningKeyPair, better_auth_claims, generate_key
from tests.support.verifier_rig import (
    POLICY,
    refusal_reason,
    shared_key,
)

HMAC_SECRET = b"better-auth-secret"
SYMMETRIC_JWK = {"kty": "oct", "k": base64url_encode(HMAC_SECRET).decode(), "kid": "hmac"}


async def test_accepts_jwks_with_exactly_max_keys(
    verifier: JwtTokenVerifier, jwks_server: JwksServer, signing_key: SigningKeyPair
) -> None:
    others = [generate_key("EdDSA").public_jwk for _ in range(POLICY.max_keys - 1)]
    jwks_server.publish(*others, signing_key.public_jwk)

    assert (await verifier.verify(signing_key.sign(better_auth_claims()))).id == "user-a"


async def test_key_published_for_encryption_is_never_used(
    verifier: JwtTokenVerifier, jwks_server: JwksServer, signing_key: SigningKeyPair
) -> None:
    encryption_key = generate_key("EdDSA")
    jwks_server.publish(signing_key.public_jwk, {**encryption_key.public_jwk, "use": "enc"})

    token = encryption_key.sign(better_auth_claims())

    assert await refusal_reason(verifier, token) == "unknown_key"


async def test_symmetric_key_in_the_jwks_is_never_used_for_hmac(
    verifier: JwtTokenVerifier, jwks_server: JwksServer, signing_key: SigningKeyPair
) -> None:
    jwks_server.publish(signing_key.public_jwk, {**SYMMETRIC_JWK, "alg": "HS256"})
    header = {"alg": "HS256", "kid": "hmac"}
    token = forge_hs256(header, better_auth_claims(), HMAC_SECRET)

    assert await refusal_reason(verifier, token) == "disallowed_algorithm"


async def test_symmetric_key_labelled_with_an_asymmetric_alg_is_never_looked_up(
    key_set: JwksKeySet,
    verifier: JwtTokenVerifier,
    jwks_server: JwksServer,
    signing_key: SigningKeyPair,
) -> None:
    jwks_server.publish(signing_key.public_jwk, {**SYMMETRIC_JWK, "alg": "EdDSA"})
    token = forge({"alg": "EdDSA", "kid": "hmac"}, better_auth_claims(), signing_key)

    assert await refusal_reason(verifier, token) == "unknown_key"
    assert await key_set.key_for("hmac") is None


async def test_rsa_key_under_2048_bits_is_skipped(
    verifier: JwtTokenVerifier, jwks_server: JwksServer, signing_key: SigningKeyPair
) -> None:
    weak_private = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    weak = SigningKeyPair("RS256", weak_private)
    weak_jwk = RSAAlgorithm.to_jwk(weak_private.public_key(), as_dict=True)
    jwks_server.publish(signing_key.public_jwk, {**weak_jwk, "alg": "RS256", "kid": weak.kid})

    token = forge({"alg": "RS256", "kid": weak.kid}, better_auth_claims(), weak)

    assert await refusal_reason(verifier, token) == "unknown_key"
    assert (await verifier.verify(signing_key.sign(better_auth_claims()))).id == "user-a"


@functools.cache
def _hostile_entries() -> dict[str, Any]:
    """Entries a broken or hostile issuer might publish, each under the kid "hostile"."""
    okp, es, rs = (
        {**shared_key(alg).public_jwk, "kid": "hostile"} for alg in ("EdDSA", "ES256", "RS256")
    )
    p521 = ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP521R1()).public_key(), as_dict=True)
    private_rsa = RSAAlgorithm.to_jwk(
        rsa.generate_private_key(public_exponent=65537, key_size=2048), as_dict=True
    )
    return {
        "not-an-object": "hostile",
        "kid-missing": {name: value for name, value in es.items() if name != "kid"},
        "kid-an-object": {**es, "kid": {"hostile": 1}},
        "kid-300-chars": {**es, "kid": "k" * 300},
        "kty-a-list": {**es, "kty": ["EC"]},
        "use-a-list": {**es, "use": ["sig"]},
        "key-ops-without-verify": {**es, "key_ops": ["encrypt"]},
        "alg-none": {**es, "alg": "none"},
        "alg-hs256-on-okp": {**okp, "alg": "HS256"},
        "alg-a-list": {**es, "alg": ["ES256"]},
        "unknown-curve": {**es, "crv": "P-999"},
        "coordinates-of-wrong-size": {**es, "x": "AAAA"},
        "coordinate-an-integer": {**es, "x": 5},
        "okp-x25519": {**okp, "crv": "X25519"},
        "okp-x-not-base64": {**okp, "x": "@@"},
        "ed448-without-alg": {**{k: v for k, v in okp.items() if k != "alg"}, "crv": "Ed448"},
        "rsa-modulus-garbage": {**rs, "n": "!!"},
        "p521-key-labelled-es256": {**p521, "alg": "ES256", "kid": "hostile"},
        "private-rsa-key": {**private_rsa, "alg": "RS256", "kid": "hostile"},
    }


@pytest.mark.parametrize("entry_name", list(_hostile_entries()))
async def test_hostile_entry_is_skipped_and_the_other_keys_still_verify(
    key_set: JwksKeySet,
    verifier: JwtTokenVerifier,
    jwks_server: JwksServer,
    signing_key: SigningKeyPair,
    entry_name: str,
) -> None:
    jwks_server.publish(_hostile_entries()[entry_name], signing_key.public_jwk)

    assert (await verifier.verify(signing_key.sign(better_auth_claims()))).id == "user-a"
    assert await key_set.key_for("hostile") is None
    assert jwks_server.requests == 1
