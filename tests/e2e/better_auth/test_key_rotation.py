"""Better Auth rotating its signing key: new tokens accepted after one refetch, old ones kept."""

import asyncio
import time
from collections.abc import Iterator

import pytest

from tests.e2e.better_auth.harness import RealUser, StartApi, new_user, settings_for
from tests.support.better_auth import BetterAuthServer, decode_jwt_unverified, fetch_jwks, fetch_jwt

pytestmark = pytest.mark.better_auth

ROTATION_SECONDS = 1
ROTATION_WAIT_SECONDS = 10.0


@pytest.fixture(scope="module")
def rotating_better_auth() -> Iterator[BetterAuthServer]:
    """Keys retire after a second but stay published for a minute (the grace period)."""
    env = {"JWKS_ROTATION_INTERVAL": str(ROTATION_SECONDS), "JWKS_GRACE_PERIOD": "60"}
    with BetterAuthServer(env=env) as server:
        yield server


def _kid(token: str) -> str:
    kid: str = decode_jwt_unverified(token)[0]["kid"]
    return kid


async def _token_with_new_kid(server: BetterAuthServer, user: RealUser) -> str:
    """Ask for tokens until Better Auth signs with a fresh key (it rotates lazily, on signing)."""
    deadline = time.monotonic() + ROTATION_WAIT_SECONDS
    while time.monotonic() < deadline:
        token = fetch_jwt(server.url, user.account)
        if _kid(token) != _kid(user.token):
            return token
        await asyncio.sleep(0.2)
    raise AssertionError(f"Better Auth did not rotate its key within {ROTATION_WAIT_SECONDS}s")


async def test_accepts_tokens_of_rotated_key_after_one_refetch_and_keeps_old_ones(
    rotating_better_auth: BetterAuthServer, start_api: StartApi
) -> None:
    server = rotating_better_auth
    # A short refetch floor so the test need not wait out the 10 s default; still a floor.
    floor = 0.5
    api = await start_api(settings_for(server, jwks_min_refetch_interval_seconds=floor))
    alice, bob = new_user(server), new_user(server)
    assert _kid(alice.token) == _kid(bob.token)
    assert (await api.list_tasks(alice.token)).status_code == 200
    first_fetch_done = time.monotonic()
    assert api.jwks.fetches == 1

    rotated = await _token_with_new_kid(server, alice)
    await asyncio.sleep(max(0.0, first_fetch_done + floor - time.monotonic()))
    published = {key["kid"] for key in fetch_jwks(server.url)["keys"]}
    new_key_answer = await api.list_tasks(rotated)
    # Bob's token was never shown to the API: only the retired, still published key can vouch.
    old_key_answer = await api.list_tasks(bob.token)

    assert {_kid(bob.token), _kid(rotated)} <= published
    assert new_key_answer.status_code == 200, new_key_answer.text
    assert old_key_answer.status_code == 200, old_key_answer.text
    assert api.jwks.fetches == 2


async def test_accepts_new_key_once_refetch_floor_passes_even_if_refused_inside_it(
    rotating_better_auth: BetterAuthServer, start_api: StartApi
) -> None:
    """A new kid met while refetching is throttled is not written off as unknown for long."""
    server = rotating_better_auth
    floor = 3.0
    api = await start_api(settings_for(server, jwks_min_refetch_interval_seconds=floor))
    alice = new_user(server)
    first_fetch_started = time.monotonic()
    assert (await api.list_tasks(alice.token)).status_code == 200
    first_fetch_done = time.monotonic()
    rotated = await _token_with_new_kid(server, alice)
    inside_floor = time.monotonic() - first_fetch_started < floor
    assert inside_floor, "too slow to land inside the refetch floor"
    assert (await api.list_tasks(rotated)).status_code == 401  # throttled: no refetch yet

    await asyncio.sleep(max(0.0, first_fetch_done + floor - time.monotonic()))
    response = await api.list_tasks(rotated)

    assert response.status_code == 200, response.text
    assert api.jwks.fetches == 2
