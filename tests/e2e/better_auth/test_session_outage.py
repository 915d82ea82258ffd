"""AUTH_MODE=session when Better Auth is down or hangs: quick 503s, no pile-up, then recovery."""

import asyncio
import os
import signal
import time
from collections.abc import Iterator

import pytest

from infrastructure.auth.circuit_breaker import BreakerState
from tests.e2e.better_auth.harness import StartApi
from tests.e2e.better_auth.session_support import (
    cookie,
    random_session_id,
    session_settings,
    session_verifier,
    signed_session_token,
)
from tests.support.better_auth import BetterAuthServer, sign_up

pytestmark = pytest.mark.better_auth

THRESHOLD = 3
TIMEOUT = 0.5
# Long enough that a burst on a loaded machine still finishes well inside it.
HUNG_TIMEOUT = 1.0


@pytest.fixture
def own_better_auth() -> Iterator[BetterAuthServer]:
    """A server of this test's own: these tests stop, freeze and restart it."""
    with BetterAuthServer() as server:
        yield server


def _strangers(count: int) -> list[dict[str, str]]:
    """Cookies of distinct (unknown) sessions: each one is a separate lookup."""
    return [cookie(signed_session_token(random_session_id())) for _ in range(count)]


async def test_answers_503_at_once_when_better_auth_is_down(
    own_better_auth: BetterAuthServer, start_api: StartApi
) -> None:
    api = await start_api(session_settings(own_better_auth, session_timeout_seconds=TIMEOUT))
    account = sign_up(own_better_auth.url)
    own_better_auth.stop()

    started = time.monotonic()
    response = await api.client.get("/api/tasks", headers=cookie(account.session_token))

    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"]
    assert set(response.json()) == {"detail"}
    assert time.monotonic() - started < TIMEOUT + 1.0


async def test_open_breaker_answers_a_burst_without_calling_a_hung_better_auth(
    own_better_auth: BetterAuthServer, start_api: StartApi
) -> None:
    """A frozen Better Auth accepts connections and never answers: the worst case."""
    api = await start_api(
        session_settings(
            own_better_auth,
            session_timeout_seconds=HUNG_TIMEOUT,
            session_breaker_threshold=THRESHOLD,
            session_breaker_cooldown_seconds=30,
        )
    )
    verifier = session_verifier(api)
    pid = own_better_auth.pid
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        opening = await asyncio.gather(
            *(api.client.get("/api/tasks", headers=h) for h in _strangers(THRESHOLD))
        )
        opening_seconds = time.monotonic() - started
        lookups_before_burst = verifier.lookups
        started = time.monotonic()
        burst = await asyncio.gather(
            *(api.client.get("/api/tasks", headers=h) for h in _strangers(20))
        )
        burst_seconds = time.monotonic() - started
    finally:
        os.kill(pid, signal.SIGCONT)

    assert [response.status_code for response in opening] == [503] * THRESHOLD
    assert opening_seconds < HUNG_TIMEOUT + 1.5, opening_seconds  # the timeout, not TCP's
    assert verifier.breaker_state is BreakerState.OPEN
    assert [response.status_code for response in burst] == [503] * 20
    assert verifier.lookups == lookups_before_burst
    assert burst_seconds < HUNG_TIMEOUT / 2, burst_seconds  # nobody waited for Better Auth


async def test_recovers_once_better_auth_is_back(
    own_better_auth: BetterAuthServer, start_api: StartApi
) -> None:
    cooldown = 0.3
    api = await start_api(
        session_settings(
            own_better_auth,
            session_timeout_seconds=TIMEOUT,
            session_breaker_threshold=1,
            session_breaker_cooldown_seconds=cooldown,
        )
    )
    own_better_auth.stop()
    down = await api.client.get("/api/tasks", headers=_strangers(1)[0])
    assert down.status_code == 503
    assert session_verifier(api).breaker_state is BreakerState.OPEN

    own_better_auth.restart()  # same port; the memory adapter forgot every user
    account = sign_up(own_better_auth.url)
    back_at = time.monotonic()
    status = 503
    while status == 503 and time.monotonic() - back_at < cooldown + 3:
        status = (
            await api.client.get("/api/tasks", headers=cookie(account.session_token))
        ).status_code
        await asyncio.sleep(0.05)

    assert status == 200
    assert session_verifier(api).breaker_state is BreakerState.CLOSED


async def test_readiness_follows_better_auth_in_session_mode(
    own_better_auth: BetterAuthServer, start_api: StartApi
) -> None:
    api = await start_api(session_settings(own_better_auth, session_timeout_seconds=TIMEOUT))
    before = await api.client.get("/api/ready")
    own_better_auth.stop()

    during = await api.client.get("/api/ready")
    own_better_auth.start(port=own_better_auth.port)
    after = await api.client.get("/api/ready")

    assert [before.status_code, during.status_code, after.status_code] == [200, 503, 200]
    assert during.json()["checks"]["better_auth_sessions"] == "unavailable"
