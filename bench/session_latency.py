"""AUTH_MODE=session latency against a real Better Auth: warm cache vs a call per request.

Run: ``.venv/bin/python -m bench.session_latency [rounds]`` (needs Node.js; starts its own
Better Auth on loopback). Reports medians and p95 of one ``GET /api/tasks`` through the whole
app in-process (ASGI, no network between client and API), and of ``verify()`` alone.
"""

import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

import httpx
from asgi_lifespan import LifespanManager

from infrastructure.auth.better_auth_session import BetterAuthSessionVerifier, SessionPolicy
from interfaces.container import Container
from interfaces.http.app import create_app
from interfaces.settings import Settings
from tests.support.better_auth import BetterAuthServer, fetch_jwt, sign_up


def _summary(samples_ns: list[int]) -> str:
    ordered = sorted(samples_ns)
    p50 = statistics.median(ordered) / 1000
    p95 = ordered[int(len(ordered) * 0.95) - 1] / 1000
    return f"median {p50:8.0f} us   p95 {p95:8.0f} us"


async def _time(rounds: int, call: Callable[[], Awaitable[Any]]) -> list[int]:
    await call()  # warm-up: connection pool, first cache fill
    samples = []
    for _ in range(rounds):
        started = time.perf_counter_ns()
        await call()
        samples.append(time.perf_counter_ns() - started)
    return samples


async def _through_app(
    settings: Settings, headers: dict[str, str], rounds: int
) -> tuple[list[int], int]:
    """Samples, and how many lookups reached Better Auth (warm-up included)."""
    app = create_app(settings)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client,
    ):

        async def call() -> None:
            response = await client.get("/api/tasks", headers=headers)
            assert response.status_code == 200, response.text

        samples = await _time(rounds, call)
        container = cast(Container, app.state.container)
        lookups = container.session_verifier().lookups if settings.session_enabled else 0
        return samples, lookups


async def _verifier_only(url: str, token: str, ttl: float, rounds: int) -> list[int]:
    verifier = BetterAuthSessionVerifier(url, SessionPolicy(cache_ttl=ttl))
    try:
        return await _time(rounds, lambda: verifier.verify(token))
    finally:
        await verifier.aclose()


async def main(rounds: int) -> None:
    with BetterAuthServer() as server:
        account = sign_up(server.url)
        jwt = fetch_jwt(server.url, account)
        base: dict[str, Any] = {"database_url": "memory://", "better_auth_url": server.url}
        cookie = account.cookie_headers
        cases = {
            "jwt mode, bearer JWT (offline)": (
                Settings(_env_file=None, **base),  # type: ignore[call-arg]
                {"Authorization": f"Bearer {jwt}"},
            ),
            "session mode, cookie, warm cache": (
                Settings(_env_file=None, auth_mode="session", **base),  # type: ignore[call-arg]
                cookie,
            ),
            "session mode, cookie, cold (TTL 0)": (
                Settings(  # type: ignore[call-arg]
                    _env_file=None, auth_mode="session", session_cache_ttl_seconds=0, **base
                ),
                cookie,
            ),
        }
        print(f"GET /api/tasks in-process, {rounds} sequential requests each")
        for name, (settings, headers) in cases.items():
            samples, lookups = await _through_app(settings, headers, rounds)
            print(f"  {name:38} {_summary(samples)}   calls to Better Auth: {lookups}")
        url = f"{server.url}/api/auth/get-session"
        print("BetterAuthSessionVerifier.verify() alone")
        for name, ttl in [("warm cache", 60.0), ("cold (TTL 0)", 0.0)]:
            samples = await _verifier_only(url, account.session_token, ttl, rounds)
            print(f"  {name:38} {_summary(samples)}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 500))
