"""JwksKeySet when its JWKS is down or hangs: last-known-good keys, 401 versus 503, recovery."""

import asyncio
import time
from collections.abc import Callable

import pytest

from application.auth import AuthUnavailableError
from infrastructure.auth.jwks import JwksKeySet
from infrastructure.auth.jwt_verifier import JwtTokenVerifier
from tests.support.forged_tokens import signed_with_kid
from tests.support.jwks_server import JwksServer
from tests.support.keys import SigningKeyPair
from tests.support.verifier_rig import (
    HANG_SECONDS,
    POLICY,
    SHORT_FETCH_TIMEOUT,
    ManualClock,
    build_verifier,
    open_key_set,
    refusal_reason,
)


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

    assert await refusal_reason(verifier, signed_with_kid(signing_key, "unknown")) == "unknown_key"


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
        reason = await refusal_reason(verifier, signed_with_kid(signing_key, "unknown"))

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
