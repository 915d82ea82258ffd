"""Tokens minted by a real Better Auth (each supported version) are accepted, as its users."""

from collections.abc import Callable

import pytest

from tests.e2e.better_auth.harness import StartApi, bearer, settings_for
from tests.support.better_auth import (
    BetterAuthServer,
    SignedInUser,
    fetch_jwt,
    fetch_jwt_from_session_header,
    sign_out,
    sign_up,
)

pytestmark = pytest.mark.better_auth

TOKEN_SOURCES: dict[str, Callable[[str, SignedInUser], str]] = {
    "token-endpoint": fetch_jwt,
    "set-auth-jwt-header": fetch_jwt_from_session_header,
}


@pytest.mark.parametrize("mint", TOKEN_SOURCES.values(), ids=TOKEN_SOURCES.keys())
async def test_accepts_real_token_and_stores_better_auth_user_id(
    better_auth: BetterAuthServer,
    start_api: StartApi,
    mint: Callable[[str, SignedInUser], str],
) -> None:
    api = await start_api(settings_for(better_auth))
    account = sign_up(better_auth.url)
    token = mint(better_auth.url, account)

    created = await api.create_task(token, "Ship the interop tests")
    listed = await api.list_tasks(token)

    assert created.status_code == 201, created.text
    assert created.json()["user_id"] == account.user_id
    assert listed.status_code == 200, listed.text
    assert [task["user_id"] for task in listed.json()] == [account.user_id]


async def test_keeps_accepting_token_after_sign_out_until_it_expires(
    better_auth: BetterAuthServer, start_api: StartApi
) -> None:
    """Verification is offline: a sign-out is invisible until the token's ``exp``."""
    api = await start_api(settings_for(better_auth))
    account = sign_up(better_auth.url)
    token = fetch_jwt(better_auth.url, account)
    sign_out(better_auth.url, account)

    response = await api.client.get("/api/tasks", headers=bearer(token))

    assert response.status_code == 200, response.text
