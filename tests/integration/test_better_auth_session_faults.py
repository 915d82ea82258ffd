"""BetterAuthSessionVerifier against a misbehaving endpoint: which failures open the breaker.

The real Better Auth cannot be made to answer 500, HTML or a redirect, so a loopback stand-in
plays those parts; the verifier's dealings with the real server are in tests/e2e/better_auth.
"""

import time
from collections.abc import AsyncIterator, Iterator

import pytest

from application.auth import AuthenticationError, AuthUnavailableError
from infrastructure.auth.better_auth_session import BetterAuthSessionVerifier, SessionPolicy
from infrastructure.auth.circuit_breaker import BreakerState
from tests.support.jwks_server import JwksServer

THRESHOLD = 2
TIMEOUT = 0.3
TOKEN = "waXCDJAB1S0QZZqjerRfTs0MmSf07s6o.+k9aSlH+K2k5o+xL4PU6HMi+jIR4pIFoHhlz+W6rKpg="


@pytest.fixture
def endpoint() -> Iterator[JwksServer]:
    server = JwksServer().start()
    yield server
    server.stop()


@pytest.fixture
async def verifier(endpoint: JwksServer) -> AsyncIterator[BetterAuthSessionVerifier]:
    policy = SessionPolicy(timeout=TIMEOUT, breaker_threshold=THRESHOLD, breaker_cooldown=30)
    session_verifier = BetterAuthSessionVerifier(endpoint.url, policy)
    yield session_verifier
    await session_verifier.aclose()


async def _verify_expecting_503(verifier: BetterAuthSessionVerifier, times: int) -> None:
    for _ in range(times):
        with pytest.raises(AuthUnavailableError):
            await verifier.verify(TOKEN)


@pytest.mark.parametrize("mode", ["error", "hang"], ids=["500", "timeout"])
async def test_server_failures_open_the_breaker_and_stop_the_calls(
    endpoint: JwksServer, verifier: BetterAuthSessionVerifier, mode: str
) -> None:
    endpoint.mode, endpoint.hang_seconds = mode, 2 * TIMEOUT
    await _verify_expecting_503(verifier, THRESHOLD)
    requests_when_opened = endpoint.requests

    started = time.monotonic()
    await _verify_expecting_503(verifier, 5)

    assert verifier.breaker_state is BreakerState.OPEN
    assert endpoint.requests == requests_when_opened
    assert time.monotonic() - started < TIMEOUT / 2


@pytest.mark.parametrize("mode", ["html", "redirect", "huge"])
async def test_unreadable_answers_are_503_without_opening_the_breaker(
    endpoint: JwksServer, verifier: BetterAuthSessionVerifier, mode: str
) -> None:
    """Better Auth is up but misaddressed (or one answer is odd): keep asking, keep logging."""
    endpoint.mode = mode

    await _verify_expecting_503(verifier, THRESHOLD + 1)

    assert verifier.breaker_state is BreakerState.CLOSED
    assert endpoint.requests == THRESHOLD + 1


async def test_an_answer_without_a_user_is_an_invalid_session(
    endpoint: JwksServer, verifier: BetterAuthSessionVerifier
) -> None:
    endpoint.document = {"session": None, "user": None}

    with pytest.raises(AuthenticationError) as refused:
        await verifier.verify(TOKEN)

    assert refused.value.reason == "invalid_session"


async def test_a_timed_out_lookup_answers_within_the_timeout(
    endpoint: JwksServer, verifier: BetterAuthSessionVerifier
) -> None:
    endpoint.mode, endpoint.hang_seconds = "hang", 5.0
    started = time.monotonic()

    await _verify_expecting_503(verifier, 1)

    assert time.monotonic() - started < TIMEOUT + 0.5
