"""JwksKeySet against a loopback JWKS: fetch counts, unknown kids, rotation, revocation."""

import asyncio
import time
import uuid
from collections.abc import Callable

import pytest

from infrastructure.auth.jwks import JwksKeySet
from infrastructure.auth.jwt_verifier import JwtTokenVerifier
from tests.support.forged_tokens import signed_with_kid
from tests.support.jwks_server import JwksServer
from tests.support.keys import SigningKeyPair, better_auth_claims, generate_key
from tests.support.verifier_rig import (
    HANG_SECONDS,
    POLICY,
    ManualClock,
    refusal_reason,
)


async def test_fifty_concurrent_verifications_at_cold_start_fetch_the_jwks_once(
    verifier: JwtTokenVerifier, jwks_server: JwksServer, token_for: Callable[..., str]
) -> None:
    tokens = [token_for(f"user-{index}") for index in range(50)]

    users = await asyncio.gather(*(verifier.verify(token) for token in tokens))

    assert [user.id for user in users] == [f"user-{index}" for index in range(50)]
    assert jwks_server.requests == 1


async def test_unknown_kid_refetches_once_then_a_flood_of_unknown_kids_fetches_nothing(
    verifier: JwtTokenVerifier,
    jwks_server: JwksServer,
    clock: ManualClock,
    signing_key: SigningKeyPair,
    token_for: Callable[..., str],
) -> None:
    await verifier.verify(token_for())
    clock.advance(POLICY.min_refetch_interval)

    assert await refusal_reason(verifier, signed_with_kid(signing_key, "unknown")) == "unknown_key"
    assert jwks_server.requests == 2

    flood = [signed_with_kid(signing_key, uuid.uuid4().hex) for _ in range(100)]
    reasons = {await refusal_reason(verifier, token) for token in flood}

    assert reasons == {"unknown_key"}
    assert jwks_server.requests == 2


async def test_kid_found_unknown_is_not_refetched_again_within_its_memory(
    verifier: JwtTokenVerifier,
    jwks_server: JwksServer,
    clock: ManualClock,
    signing_key: SigningKeyPair,
    token_for: Callable[..., str],
) -> None:
    await verifier.verify(token_for())
    clock.advance(POLICY.min_refetch_interval)
    await refusal_reason(verifier, signed_with_kid(signing_key, "unknown"))
    clock.advance(POLICY.min_refetch_interval)

    assert await refusal_reason(verifier, signed_with_kid(signing_key, "unknown")) == "unknown_key"
    assert jwks_server.requests == 2


async def test_rotated_key_is_accepted_after_exactly_one_refetch(
    verifier: JwtTokenVerifier,
    jwks_server: JwksServer,
    clock: ManualClock,
    signing_key: SigningKeyPair,
    token_for: Callable[..., str],
) -> None:
    await verifier.verify(token_for())
    rotated = generate_key("EdDSA")
    jwks_server.publish(signing_key.public_jwk, rotated.public_jwk)
    clock.advance(POLICY.min_refetch_interval)

    assert (await verifier.verify(rotated.sign(better_auth_claims("user-b")))).id == "user-b"
    assert jwks_server.requests == 2


async def test_rotated_key_refused_while_refetch_is_throttled_is_accepted_once_it_is_not(
    verifier: JwtTokenVerifier,
    jwks_server: JwksServer,
    clock: ManualClock,
    signing_key: SigningKeyPair,
    token_for: Callable[..., str],
) -> None:
    await verifier.verify(token_for())
    rotated = generate_key("EdDSA")
    jwks_server.publish(signing_key.public_jwk, rotated.public_jwk)
    token = rotated.sign(better_auth_claims("user-b"))
    assert await refusal_reason(verifier, token) == "unknown_key"

    clock.advance(POLICY.min_refetch_interval)

    assert (await verifier.verify(token)).id == "user-b"


async def test_revoked_key_is_refused_once_the_refresh_after_the_ttl_has_run(
    verifier: JwtTokenVerifier,
    jwks_server: JwksServer,
    clock: ManualClock,
    signing_key: SigningKeyPair,
    fetch_done: asyncio.Event,
) -> None:
    survivor = generate_key("EdDSA")
    jwks_server.publish(signing_key.public_jwk, survivor.public_jwk)
    revoked_token = signing_key.sign(better_auth_claims())
    await verifier.verify(revoked_token)
    jwks_server.publish(survivor.public_jwk)
    clock.advance(POLICY.cache_ttl)
    fetch_done.clear()

    await verifier.verify(revoked_token)  # served from cache; the refresh runs behind it
    await asyncio.wait_for(fetch_done.wait(), timeout=2)

    assert await refusal_reason(verifier, revoked_token) == "unknown_key"
    assert (await verifier.verify(survivor.sign(better_auth_claims("user-b")))).id == "user-b"
    assert jwks_server.requests == 2


@pytest.mark.parametrize("state", ["never-used", "warm", "refresh-hanging"])
async def test_aclose_is_idempotent_and_prompt(
    key_set: JwksKeySet,
    verifier: JwtTokenVerifier,
    jwks_server: JwksServer,
    clock: ManualClock,
    token_for: Callable[..., str],
    state: str,
) -> None:
    if state != "never-used":
        await verifier.verify(token_for())
    if state == "refresh-hanging":
        jwks_server.mode, jwks_server.hang_seconds = "hang", HANG_SECONDS
        clock.advance(POLICY.cache_ttl)
        await verifier.verify(token_for())

    started = time.perf_counter()
    await key_set.aclose()
    await key_set.aclose()

    assert time.perf_counter() - started < HANG_SECONDS / 4
