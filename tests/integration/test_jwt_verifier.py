"""JwtTokenVerifier against a loopback JWKS: the signatures and claims it accepts and refuses."""

import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import jwt
import pytest

from application.auth import AuthenticationError
from infrastructure.auth.jwt_verifier import JwtTokenVerifier
from tests.support.forged_tokens import forge
from tests.support.jwks_server import JwksServer
from tests.support.keys import DROP, ISSUER, SigningKeyPair, better_auth_claims
from tests.support.verifier_rig import (
    ManualClock,
    build_verifier,
    open_key_set,
    refusal_reason,
    shared_key,
)

DAY = 24 * 3600


@pytest.fixture
async def verifier(jwks_server: JwksServer) -> AsyncIterator[JwtTokenVerifier]:
    async with open_key_set(jwks_server.url, ManualClock()) as keys:
        yield build_verifier(keys)


@pytest.mark.parametrize("algorithm", ["EdDSA", "ES256", "ES512", "RS256", "PS256"])
async def test_accepts_better_auth_token_signed_with_each_supported_algorithm(
    jwks_server: JwksServer, verifier: JwtTokenVerifier, algorithm: str
) -> None:
    key = shared_key(algorithm)
    jwks_server.publish(key.public_jwk)

    user = await verifier.verify(key.sign(better_auth_claims("user-42")))

    assert user.id == "user-42"


@pytest.mark.parametrize(
    ("published_alg", "header_alg"),
    [("Ed25519", "Ed25519"), ("EdDSA", "Ed25519"), ("Ed25519", "EdDSA")],
)
async def test_accepts_rfc9864_ed25519_name_as_well_as_eddsa_for_an_ed25519_key(
    jwks_server: JwksServer, verifier: JwtTokenVerifier, published_alg: str, header_alg: str
) -> None:
    key = shared_key("Ed25519")
    jwks_server.publish({**key.public_jwk, "alg": published_alg})
    token = key.sign(better_auth_claims(), algorithm=header_alg)
    assert jwt.get_unverified_header(token)["alg"] == header_alg

    assert (await verifier.verify(token)).id == "user-a"


@pytest.mark.parametrize("algorithm", ["EdDSA", "ES256", "ES512", "RS256"])
async def test_accepts_key_published_without_alg_or_use_like_the_better_auth_docs_example(
    jwks_server: JwksServer, verifier: JwtTokenVerifier, algorithm: str
) -> None:
    key = shared_key(algorithm)
    bare = {name: value for name, value in key.public_jwk.items() if name not in {"alg", "use"}}
    jwks_server.publish(bare)

    assert (await verifier.verify(key.sign(better_auth_claims()))).id == "user-a"


async def test_user_carries_subject_email_and_name_from_the_token(
    verifier: JwtTokenVerifier, token_for: Callable[..., str]
) -> None:
    user = await verifier.verify(token_for("user-7", name="Grace"))

    assert (user.id, user.email, user.name) == ("user-7", "user-7@example.com", "Grace")


async def test_user_has_no_email_or_name_when_the_token_has_no_string_for_them(
    verifier: JwtTokenVerifier, token_for: Callable[..., str]
) -> None:
    user = await verifier.verify(token_for("user-7", email=DROP, name=12))

    assert (user.id, user.email, user.name) == ("user-7", None, None)


async def test_accepts_token_expired_within_the_leeway(
    verifier: JwtTokenVerifier, token_for: Callable[..., str]
) -> None:
    now = int(time.time())

    user = await verifier.verify(token_for(iat=now - 900, exp=now - 10))

    assert user.id == "user-a"


@pytest.mark.parametrize(
    ("claims_at", "reason"),
    [
        pytest.param(lambda now: {"iat": now - 960, "exp": now - 60}, "expired", id="expired"),
        pytest.param(lambda now: {"nbf": now + 120}, "not_yet_valid", id="nbf-in-future"),
        pytest.param(
            lambda now: {"iat": now + 120, "exp": now + 900}, "not_yet_valid", id="iat-in-future"
        ),
        pytest.param(lambda now: {"exp": str(now + 900)}, "malformed", id="exp-as-string"),
        pytest.param(
            lambda now: {"iat": now, "exp": now + DAY + 1}, "lifetime_too_long", id="lifetime"
        ),
        pytest.param(
            lambda now: {"iat": now - 2 * DAY, "exp": now + 60}, "lifetime_too_long", id="old-iat"
        ),
    ],
)
async def test_refuses_token_whose_time_claims_do_not_hold(
    verifier: JwtTokenVerifier,
    token_for: Callable[..., str],
    claims_at: Callable[[int], dict[str, Any]],
    reason: str,
) -> None:
    token = token_for(**claims_at(int(time.time())))

    assert await refusal_reason(verifier, token) == reason


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        pytest.param({"iss": "http://127.0.0.1:4000"}, "wrong_issuer", id="other-issuer"),
        pytest.param({"iss": ISSUER + "/"}, "wrong_issuer", id="issuer-trailing-slash"),
        pytest.param({"aud": "http://127.0.0.1:4000"}, "wrong_audience", id="other-audience"),
        pytest.param({"aud": ["api://a", "api://b"]}, "wrong_audience", id="list-without-ours"),
        pytest.param({"aud": ISSUER + "/"}, "wrong_audience", id="audience-trailing-slash"),
    ],
)
async def test_refuses_token_meant_for_another_issuer_or_audience(
    verifier: JwtTokenVerifier,
    token_for: Callable[..., str],
    overrides: dict[str, Any],
    reason: str,
) -> None:
    assert await refusal_reason(verifier, token_for(**overrides)) == reason


async def test_accepts_audience_list_that_contains_ours(
    verifier: JwtTokenVerifier, token_for: Callable[..., str]
) -> None:
    user = await verifier.verify(token_for(aud=["api://other", ISSUER]))

    assert user.id == "user-a"


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "iss", "aud"])
async def test_refuses_token_missing_a_required_claim(
    verifier: JwtTokenVerifier, token_for: Callable[..., str], claim: str
) -> None:
    assert await refusal_reason(verifier, token_for(**{claim: DROP})) == "missing_claim"


@pytest.mark.parametrize(
    "subject",
    ["", 42, ["user-a"], {"id": "user-a"}, True, "u" * 256],
    ids=["empty", "integer", "list", "object", "boolean", "256-chars"],
)
async def test_refuses_subject_that_is_not_a_short_non_empty_string(
    verifier: JwtTokenVerifier, signing_key: SigningKeyPair, subject: object
) -> None:
    header = {"alg": "EdDSA", "kid": signing_key.kid}
    token = forge(header, better_auth_claims(sub=subject), signing_key)

    assert await refusal_reason(verifier, token) == "bad_subject"


async def test_accepts_subject_of_255_characters(
    verifier: JwtTokenVerifier, token_for: Callable[..., str]
) -> None:
    assert (await verifier.verify(token_for("u" * 255))).id == "u" * 255


@pytest.mark.parametrize(
    ("claim", "literal"),
    [
        ("exp", "1e400"),
        ("exp", "-1e400"),
        ("exp", "NaN"),
        ("exp", "Infinity"),
        ("exp", "1e20"),
        ("exp", "9" * 5000),
        ("exp", "true"),
        ("exp", "null"),
        ("iat", "1e400"),
        ("iat", "-Infinity"),
        ("iat", "NaN"),
        ("nbf", "1e400"),
        ("nbf", "NaN"),
    ],
    ids=lambda value: value if len(value) < 10 else f"{len(value)}-digits",
)
async def test_refuses_absurd_numeric_claim_written_by_hand(
    verifier: JwtTokenVerifier, signing_key: SigningKeyPair, claim: str, literal: str
) -> None:
    """JSON PyJWT would never write: floats that overflow, NaN, 5000-digit integers."""
    now = int(time.time())
    numbers = {"iat": str(now), "exp": str(now + 900), claim: literal}
    fields = [f'"{name}":{value}' for name, value in numbers.items()]
    payload = f'{{"sub":"user-a","iss":"{ISSUER}","aud":"{ISSUER}",{",".join(fields)}}}'
    token = forge({"alg": "EdDSA", "kid": signing_key.kid}, payload.encode(), signing_key)

    with pytest.raises(AuthenticationError):
        await verifier.verify(token)
