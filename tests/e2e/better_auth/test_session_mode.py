"""AUTH_MODE=session: Better Auth's own session cookie or bearer session token, checked with it."""

import asyncio
import time
from collections.abc import Callable

import pytest

from tests.e2e.better_auth.harness import StartApi, bearer, settings_for
from tests.e2e.better_auth.session_support import (
    APP_ORIGIN,
    cookie,
    from_app,
    random_session_id,
    session_settings,
    session_verifier,
    signed_session_token,
)
from tests.support.better_auth import (
    BetterAuthServer,
    fetch_jwt,
    sign_out,
    sign_up,
)

pytestmark = pytest.mark.better_auth

SECURE_COOKIE_NAME = "__Secure-better-auth.session_token"


async def test_session_cookie_creates_and_lists_the_users_own_tasks(
    current_better_auth: BetterAuthServer, start_api: StartApi
) -> None:
    api = await start_api(session_settings(current_better_auth))
    account = sign_up(current_better_auth.url)
    headers = from_app(cookie(account.session_token))

    created = await api.client.post("/api/tasks", json={"title": "Milk"}, headers=headers)
    listed = await api.client.get("/api/tasks", headers=headers)

    assert created.status_code == 201, created.text
    assert created.json()["user_id"] == account.user_id
    assert listed.status_code == 200, listed.text
    assert [task["user_id"] for task in listed.json()] == [account.user_id]


async def test_session_token_as_bearer_works_without_origin(
    current_better_auth: BetterAuthServer, start_api: StartApi
) -> None:
    api = await start_api(session_settings(current_better_auth))
    account = sign_up(current_better_auth.url)

    created = await api.client.post(
        "/api/tasks", json={"title": "Milk"}, headers=bearer(account.session_token)
    )

    assert created.status_code == 201, created.text
    assert created.json()["user_id"] == account.user_id


async def test_secure_prefixed_cookie_is_read_too(
    current_better_auth: BetterAuthServer, start_api: StartApi
) -> None:
    """An https deployment's browser holds ``__Secure-better-auth.session_token``."""
    api = await start_api(session_settings(current_better_auth))
    account = sign_up(current_better_auth.url)

    response = await api.client.get(
        "/api/tasks", headers=cookie(account.session_token, SECURE_COOKIE_NAME)
    )

    assert response.status_code == 200, response.text


async def test_cookie_is_refused_once_the_cache_time_after_sign_out_has_passed(
    current_better_auth: BetterAuthServer, start_api: StartApi
) -> None:
    ttl = 0.3
    api = await start_api(session_settings(current_better_auth, session_cache_ttl_seconds=ttl))
    account = sign_up(current_better_auth.url)
    headers = cookie(account.session_token)
    assert (await api.client.get("/api/tasks", headers=headers)).status_code == 200

    sign_out(current_better_auth.url, account)
    signed_out_at = time.monotonic()
    status = 200
    while status == 200 and time.monotonic() - signed_out_at < ttl + 2:
        status = (await api.client.get("/api/tasks", headers=headers)).status_code
        await asyncio.sleep(0.05)

    assert status == 401
    assert time.monotonic() - signed_out_at < ttl + 1.0  # the TTL plus one slow poll at most


def _signed_out_token(server: BetterAuthServer) -> str:
    account = sign_up(server.url)
    sign_out(server.url, account)
    return account.session_token


def _tampered_token(server: BetterAuthServer) -> str:
    session_id = sign_up(server.url).session_token.split(".")[0]
    return signed_session_token(session_id, secret="not-the-better-auth-secret-0123456789")


REFUSED_CREDENTIALS: dict[str, Callable[[BetterAuthServer], str]] = {
    "signed-out": _signed_out_token,
    "real-session-wrong-signature": _tampered_token,
    "well-signed-unknown-session": lambda _: signed_session_token(random_session_id()),
    "unsigned-garbage": lambda _: "not-a-session",
}


@pytest.mark.parametrize("credential", REFUSED_CREDENTIALS.values(), ids=REFUSED_CREDENTIALS)
@pytest.mark.parametrize("send", [cookie, bearer], ids=["cookie", "bearer"])
async def test_refuses_session_better_auth_does_not_know(
    current_better_auth: BetterAuthServer,
    start_api: StartApi,
    credential: Callable[[BetterAuthServer], str],
    send: Callable[[str], dict[str, str]],
) -> None:
    api = await start_api(session_settings(current_better_auth))

    response = await api.client.get("/api/tasks", headers=send(credential(current_better_auth)))

    assert response.status_code == 401, response.text
    assert response.json() == {"detail": "Invalid or missing credentials"}
    assert session_verifier(api).lookups == 1


def test_forged_signature_helper_reproduces_a_real_cookie(
    current_better_auth: BetterAuthServer,
) -> None:
    """Guards the forgery cases above: the helper signs exactly like Better Auth."""
    account = sign_up(current_better_auth.url)

    assert signed_session_token(account.session_token.split(".")[0]) == account.session_token


@pytest.mark.parametrize(
    "token",
    ["a" * 2000, "abc\\def.ghi", "abc def", "tok%0d%0aX-Injected: 1", "caf%C3%A9.sig"],
    ids=["too-long", "backslash", "space", "encoded-crlf", "non-ascii"],
)
async def test_malformed_cookie_is_refused_without_asking_better_auth(
    current_better_auth: BetterAuthServer, start_api: StartApi, token: str
) -> None:
    api = await start_api(session_settings(current_better_auth))

    response = await api.client.get(
        "/api/tasks", headers={"Cookie": f"better-auth.session_token={token}"}
    )

    assert response.status_code == 401, response.text
    assert session_verifier(api).lookups == 0


CROSS_SITE_WRITES: dict[str, dict[str, str]] = {
    "foreign-origin": {"Origin": "https://evil.example"},
    "null-origin": {"Origin": "null"},
    "foreign-referer": {"Referer": "https://evil.example/page"},
    "no-origin-no-referer": {},
    "origin-wins-over-allowed-referer": {
        "Origin": "https://evil.example",
        "Referer": f"{APP_ORIGIN}/page",
    },
}


@pytest.mark.parametrize("origin", CROSS_SITE_WRITES.values(), ids=CROSS_SITE_WRITES)
async def test_refuses_cookie_write_from_an_origin_not_allowed(
    current_better_auth: BetterAuthServer, start_api: StartApi, origin: dict[str, str]
) -> None:
    api = await start_api(session_settings(current_better_auth))
    account = sign_up(current_better_auth.url)

    response = await api.client.post(
        "/api/tasks", json={"title": "Forged"}, headers={**cookie(account.session_token), **origin}
    )

    assert response.status_code == 403, response.text
    assert "Origin" in response.json()["detail"]
    assert session_verifier(api).lookups == 0


@pytest.mark.parametrize(
    "origin",
    [{"Origin": APP_ORIGIN}, {"Referer": f"{APP_ORIGIN}/tasks?x=1"}],
    ids=["origin", "referer"],
)
async def test_accepts_cookie_write_from_an_allowed_origin(
    current_better_auth: BetterAuthServer, start_api: StartApi, origin: dict[str, str]
) -> None:
    api = await start_api(session_settings(current_better_auth))
    account = sign_up(current_better_auth.url)

    response = await api.client.post(
        "/api/tasks", json={"title": "Mine"}, headers={**cookie(account.session_token), **origin}
    )

    assert response.status_code == 201, response.text


async def test_refuses_cookie_delete_from_another_origin(
    current_better_auth: BetterAuthServer, start_api: StartApi
) -> None:
    api = await start_api(session_settings(current_better_auth))
    account = sign_up(current_better_auth.url)
    headers = cookie(account.session_token)
    created = await api.client.post("/api/tasks", json={"title": "Keep"}, headers=from_app(headers))

    response = await api.client.delete(
        f"/api/tasks/{created.json()['id']}", headers={**headers, "Origin": "https://evil.example"}
    )

    assert response.status_code == 403, response.text


async def test_bearer_write_is_not_subject_to_the_origin_check(
    current_better_auth: BetterAuthServer, start_api: StartApi
) -> None:
    """No other site can attach an Authorization header, so there is nothing to forge."""
    api = await start_api(session_settings(current_better_auth))
    account = sign_up(current_better_auth.url)

    response = await api.client.post(
        "/api/tasks",
        json={"title": "Scripted"},
        headers={**bearer(account.session_token), "Origin": "https://elsewhere.example"},
    )

    assert response.status_code == 201, response.text


async def test_warm_cache_answers_without_asking_better_auth_again(
    current_better_auth: BetterAuthServer, start_api: StartApi
) -> None:
    api = await start_api(session_settings(current_better_auth, session_cache_ttl_seconds=60))
    account = sign_up(current_better_auth.url)

    for headers in (cookie(account.session_token), bearer(account.session_token)) * 3:
        assert (await api.client.get("/api/tasks", headers=headers)).status_code == 200

    assert session_verifier(api).lookups == 1


async def test_concurrent_requests_with_one_cookie_share_one_lookup(
    current_better_auth: BetterAuthServer, start_api: StartApi
) -> None:
    api = await start_api(session_settings(current_better_auth))
    account = sign_up(current_better_auth.url)
    headers = cookie(account.session_token)

    responses = await asyncio.gather(
        *(api.client.get("/api/tasks", headers=headers) for _ in range(10))
    )

    assert [response.status_code for response in responses] == [200] * 10
    assert session_verifier(api).lookups == 1


async def test_jwt_mode_ignores_the_session_cookie(
    current_better_auth: BetterAuthServer, start_api: StartApi
) -> None:
    api = await start_api(settings_for(current_better_auth, cors_origins=[APP_ORIGIN]))
    account = sign_up(current_better_auth.url)

    response = await api.client.get("/api/tasks", headers=cookie(account.session_token))

    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_jwt_and_session_mode_accepts_a_jwt_and_a_cookie_in_one_app(
    current_better_auth: BetterAuthServer, start_api: StartApi
) -> None:
    api = await start_api(session_settings(current_better_auth, auth_mode="jwt,session"))
    account = sign_up(current_better_auth.url)
    token = fetch_jwt(current_better_auth.url, account)

    by_jwt = await api.client.post("/api/tasks", json={"title": "A"}, headers=bearer(token))
    jwt_lookups = session_verifier(api).lookups
    by_cookie = await api.client.get("/api/tasks", headers=cookie(account.session_token))

    assert by_jwt.status_code == 201, by_jwt.text
    assert jwt_lookups == 0  # a JWT is verified offline, never sent to Better Auth
    assert by_cookie.status_code == 200, by_cookie.text
    assert [task["user_id"] for task in by_cookie.json()] == [account.user_id]


async def test_jwt_and_session_mode_refuses_a_forged_jwt(
    current_better_auth: BetterAuthServer, start_api: StartApi
) -> None:
    api = await start_api(session_settings(current_better_auth, auth_mode="jwt,session"))
    account = sign_up(current_better_auth.url)
    header, payload, _ = fetch_jwt(current_better_auth.url, account).split(".")

    response = await api.client.get("/api/tasks", headers=bearer(f"{header}.{payload}.AAAA"))

    assert response.status_code == 401, response.text
    assert session_verifier(api).lookups == 0
