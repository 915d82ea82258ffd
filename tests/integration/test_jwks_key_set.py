"""JwksKeySet against a loopback JWKS: fetch counts, rotation, revocation, outages, recovery."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from application.auth import AuthUnavailableError
from infrastructure.auth.jwks import JwksKeySet
from infrastructure.auth.jwt_verifier import JwtTokenVerifier
from tests.support.forged_tokens import forge
from tests.support.jwks_server import JwksServer
from tests.support.keys import SigningKeyPair, better_auth_claims, generate_key
from tests.support.verifier_rig import (
    POLICY,
    SHORT_FETCH_TIMEOUT,
    ManualClock,
    build_verifier,
    open_key_set,
    refusal_reason,
)

# Long enough that any stall behind a hanging fetch would show, short enough to end soon.
HANG_SECONDS = 3.0


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def key_set(jwks_server: JwksServer, clock: ManualClock) -> AsyncIterator[JwksKeySet]:
    async with open_key_set(jwks_server.url, clock) as keys:
        yield keys


@pytest.fixture
def verifier(key_set: JwksKeySet) -> JwtTokenVerifier:
    return build_verifier(key_set)


@pytest.fixture
def fetch_done(key_set: JwksKeySet) -> asyncio.Event:
    """Set after every fetch, successful or not, so tests await background refreshes."""
    done = asyncio.Event()
    key_set.on_fetch = lambda _succeeded: done.set()
    return done


def token_with_kid(key: SigningKeyPair, kid: str) -> str:
    return forge({"alg": key.algorithm, "kid": kid}, better_auth_claims(), key)


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

    assert await refusal_reason(verifier, token_with_kid(signing_key, "unknown")) == "unknown_key"
    assert jwks_server.requests == 2

    flood = [token_with_kid(signing_key, uuid.uuid4().hex) for _ in range(100)]
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
    await refusal_reason(verifier, token_with_kid(signing_key, "unknown"))
    clock.advance(POLICY.min_refetch_interval)

    assert await refusal_reason(verifier, token_with_kid(signing_key, "unknown")) == "unknown_key"
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


async def test_cached_key_keeps_verifying_when_jwks_is_down_after_the_ttl(
    verifier: JwtTokenVerifier,
    key_set: JwksKeySet,
    jwks_server: JwksServer,
    clock: ManualClock,
    token_for: Callable[..., str],
    fetch_done: asyncio.Event,
) -> None:
    await verifier.verify(token_for())
    jwks_server.stop()
    clock.advance(POLICY.cache_ttl)
    fetch_done.clear()

    await verifier.verify(token_for())
    await asyncio.wait_for(fetch_done.wait(), timeout=2)

    assert key_set.failed_fetches == 1
    assert (await verifier.verify(token_for("user-b"))).id == "user-b"


async def test_hanging_refresh_does_not_stall_verification_with_a_cached_key(
    verifier: JwtTokenVerifier,
    jwks_server: JwksServer,
    clock: ManualClock,
    token_for: Callable[..., str],
) -> None:
    await verifier.verify(token_for())
    jwks_server.mode, jwks_server.hang_seconds = "hang", HANG_SECONDS
    clock.advance(POLICY.cache_ttl)
    tokens = [token_for(f"user-{index}") for index in range(20)]

    started = time.perf_counter()
    users = [await verifier.verify(token) for token in tokens]
    elapsed = time.perf_counter() - started

    assert len(users) == 20
    assert elapsed < HANG_SECONDS / 4


async def test_unknown_kid_is_refused_not_unavailable_when_jwks_is_down_and_keys_are_cached(
    verifier: JwtTokenVerifier,
    jwks_server: JwksServer,
    clock: ManualClock,
    signing_key: SigningKeyPair,
    token_for: Callable[..., str],
) -> None:
    await verifier.verify(token_for())
    jwks_server.stop()
    clock.advance(POLICY.min_refetch_interval)

    assert await refusal_reason(verifier, token_with_kid(signing_key, "unknown")) == "unknown_key"


async def test_unknown_kid_waits_no_longer_than_the_fetch_timeout_when_jwks_hangs(
    jwks_server: JwksServer,
    clock: ManualClock,
    signing_key: SigningKeyPair,
    token_for: Callable[..., str],
) -> None:
    async with open_key_set(jwks_server.url, clock, fetch_timeout=SHORT_FETCH_TIMEOUT) as keys:
        verifier = build_verifier(keys)
        await verifier.verify(token_for())
        jwks_server.mode, jwks_server.hang_seconds = "hang", HANG_SECONDS
        clock.advance(POLICY.min_refetch_interval)

        started = time.perf_counter()
        reason = await refusal_reason(verifier, token_with_kid(signing_key, "unknown"))

    assert reason == "unknown_key"
    assert time.perf_counter() - started < SHORT_FETCH_TIMEOUT + 1.0


async def test_answers_unavailable_at_once_without_refetching_within_the_retry_interval(
    verifier: JwtTokenVerifier, jwks_server: JwksServer, token_for: Callable[..., str]
) -> None:
    jwks_server.stop()
    with pytest.raises(AuthUnavailableError):
        await verifier.verify(token_for())
    jwks_server.start()

    with pytest.raises(AuthUnavailableError):
        await verifier.verify(token_for())
    assert jwks_server.requests == 0


async def test_recovers_by_itself_when_jwks_comes_back_after_a_cold_start_outage(
    verifier: JwtTokenVerifier,
    jwks_server: JwksServer,
    clock: ManualClock,
    token_for: Callable[..., str],
) -> None:
    jwks_server.stop()
    with pytest.raises(AuthUnavailableError):
        await verifier.verify(token_for())
    jwks_server.start()
    clock.advance(POLICY.unavailable_retry_interval)

    assert (await verifier.verify(token_for())).id == "user-a"
    assert jwks_server.requests == 1


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
