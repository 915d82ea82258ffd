"""Better Auth going down, coming back, or coming back as a new instance at the same URL."""

import asyncio
import time
from collections.abc import Iterator

import pytest

from tests.e2e.better_auth.harness import (
    ApiUnderTest,
    StartApi,
    new_user,
    refusal_reasons,
    settings_for,
    watch_refusals,
)
from tests.support.better_auth import BetterAuthServer

pytestmark = pytest.mark.better_auth

RECOVERY_DEADLINE_SECONDS = 5.0


@pytest.fixture(scope="module")
def flaky_server() -> Iterator[BetterAuthServer]:
    """A server of this module's own, so stopping it never disturbs other tests."""
    with BetterAuthServer() as server:
        yield server


@pytest.fixture
def flaky_better_auth(flaky_server: BetterAuthServer) -> BetterAuthServer:
    """The module's server, running at the start of each test (a previous one may stop it)."""
    if not flaky_server.running:
        flaky_server.start()  # same port, so the same URL
    return flaky_server


async def _wait_for_failed_fetch(api: ApiUnderTest) -> None:
    """Let the background refresh a request started run into the outage."""
    for _ in range(int(RECOVERY_DEADLINE_SECONDS / 0.05)):
        if api.jwks.failed_fetches:
            return
        await asyncio.sleep(0.05)


async def test_keeps_serving_with_cached_keys_while_better_auth_is_down(
    flaky_better_auth: BetterAuthServer, start_api: StartApi
) -> None:
    server = flaky_better_auth
    # Keys go stale almost at once, so the outage is met by a (failing) background refresh.
    settings = settings_for(
        server, jwks_cache_ttl_seconds=0.2, jwks_min_refetch_interval_seconds=0.1
    )
    api = await start_api(settings)
    alice, bob, carol = new_user(server), new_user(server), new_user(server)
    assert (await api.list_tasks(alice.token)).status_code == 200
    server.stop()
    await asyncio.sleep(0.3)

    during_refresh = await api.create_task(bob.token)
    await _wait_for_failed_fetch(api)
    after_failed_refresh = await api.create_task(carol.token)

    assert during_refresh.status_code == 201, during_refresh.text
    assert api.jwks.failed_fetches >= 1
    assert after_failed_refresh.status_code == 201, after_failed_refresh.text


async def test_answers_503_within_seconds_when_started_while_better_auth_is_down(
    flaky_better_auth: BetterAuthServer, start_api: StartApi
) -> None:
    server = flaky_better_auth
    token = new_user(server).token
    server.stop()
    api = await start_api(settings_for(server))

    started = time.monotonic()
    response = await api.list_tasks(token)
    elapsed = time.monotonic() - started

    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"]
    assert elapsed < 3.0


async def test_recovers_by_itself_once_better_auth_is_back(
    flaky_better_auth: BetterAuthServer, start_api: StartApi
) -> None:
    server = flaky_better_auth
    before_outage = new_user(server).token
    server.stop()
    api = await start_api(settings_for(server))
    assert (await api.list_tasks(before_outage)).status_code == 503

    server.start()
    token = new_user(server).token  # the restarted server signs with new keys
    deadline = time.monotonic() + RECOVERY_DEADLINE_SECONDS
    response = await api.list_tasks(token)
    while response.status_code == 503 and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        response = await api.list_tasks(token)

    assert response.status_code == 200, response.text


async def test_refuses_token_of_earlier_instance_at_the_same_url(
    flaky_better_auth: BetterAuthServer,
    start_api: StartApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = flaky_better_auth
    earlier = new_user(server).token
    server.restart()  # same port and URL, new keys: an independent instance
    api = await start_api(settings_for(server))
    assert (await api.list_tasks(new_user(server).token)).status_code == 200
    watch_refusals(caplog)

    response = await api.list_tasks(earlier)

    assert response.status_code == 401, response.text
    assert refusal_reasons(caplog.records) == ["unknown_key"]
