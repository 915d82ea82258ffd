"""Tokens from another, independent Better Auth instance are refused, even under our URL."""

from collections.abc import Iterator

import pytest

from tests.e2e.better_auth.harness import (
    StartApi,
    new_user,
    refusal_reasons,
    settings_for,
    watch_refusals,
)
from tests.support.better_auth import BetterAuthServer, decode_jwt_unverified

pytestmark = pytest.mark.better_auth


@pytest.fixture(scope="module")
def impostor(current_better_auth: BetterAuthServer) -> Iterator[BetterAuthServer]:
    """A second instance claiming our Better Auth's URL as ``iss``/``aud``, with its own keys.

    What a copy of the auth service (a staging or attacker deployment) configured with the
    production URL would mint.
    """
    same_url = {"JWT_ISSUER": current_better_auth.url, "JWT_AUDIENCE": current_better_auth.url}
    with BetterAuthServer(env=same_url) as server:
        yield server


@pytest.fixture(scope="module")
def stranger() -> Iterator[BetterAuthServer]:
    """A second instance at its own URL (another app's auth service)."""
    with BetterAuthServer() as server:
        yield server


async def test_refuses_token_from_other_instance_claiming_the_same_url(
    current_better_auth: BetterAuthServer,
    impostor: BetterAuthServer,
    start_api: StartApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = await start_api(settings_for(current_better_auth))
    assert (await api.list_tasks(new_user(current_better_auth).token)).status_code == 200
    forged = new_user(impostor).token
    claims = decode_jwt_unverified(forged)[1]
    assert (claims["iss"], claims["aud"]) == (current_better_auth.url, current_better_auth.url)
    watch_refusals(caplog)

    response = await api.list_tasks(forged)

    assert response.status_code == 401, response.text
    assert refusal_reasons(caplog.records) == ["unknown_key"]


async def test_refuses_token_from_other_instance_at_another_url(
    current_better_auth: BetterAuthServer,
    stranger: BetterAuthServer,
    start_api: StartApi,
) -> None:
    api = await start_api(settings_for(current_better_auth))

    response = await api.list_tasks(new_user(stranger).token)

    assert response.status_code == 401, response.text
