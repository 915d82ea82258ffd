"""A real Better Auth token stops working the moment it expires (each supported version)."""

import asyncio
import time
from collections.abc import Iterator

import pytest

from tests.e2e.better_auth.harness import (
    VERSION_IDS,
    VERSIONS,
    StartApi,
    new_user,
    refusal_reasons,
    settings_for,
    watch_refusals,
)
from tests.support.better_auth import BetterAuthServer, decode_jwt_unverified

pytestmark = pytest.mark.better_auth

LIFETIME_SECONDS = 2


@pytest.fixture(scope="module", params=list(VERSIONS.values()), ids=VERSION_IDS)
def short_lived_better_auth(request: pytest.FixtureRequest) -> Iterator[BetterAuthServer]:
    """Better Auth minting 2-second tokens, so expiry can be watched without a fake clock."""
    with BetterAuthServer(request.param, env={"JWT_EXPIRATION": f"{LIFETIME_SECONDS}s"}) as server:
        yield server


async def test_refuses_real_token_once_expired(
    short_lived_better_auth: BetterAuthServer,
    start_api: StartApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = short_lived_better_auth
    api = await start_api(settings_for(server, jwt_leeway_seconds=0))
    token = new_user(server).token
    expires_at = decode_jwt_unverified(token)[1]["exp"]
    assert (await api.list_tasks(token)).status_code == 200
    watch_refusals(caplog)

    await asyncio.sleep(max(0.0, expires_at - time.time()) + 0.05)
    response = await api.list_tasks(token)

    assert response.status_code == 401, response.text
    assert refusal_reasons(caplog.records) == ["expired"]
