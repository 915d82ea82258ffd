"""Fixtures: real Better Auth servers (current and previous minor) and our app pointed at them.

Node.js is required: without it these tests fail, so CI cannot go green by skipping them.
Developers without Node opt out explicitly with ``SKIP_BETTER_AUTH=1``.
"""

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack

import httpx
import pytest
from asgi_lifespan import LifespanManager

from interfaces.http.app import create_app
from interfaces.settings import Settings
from tests.e2e.better_auth.harness import VERSION_IDS, VERSIONS, ApiUnderTest, StartApi
from tests.support.better_auth import CURRENT_DIR, PREVIOUS_DIR, BetterAuthServer, node_available

OPT_OUT_VARIABLE = "SKIP_BETTER_AUTH"


@pytest.fixture(scope="session", autouse=True)
def _node_or_explicit_opt_out() -> None:
    """Skip only when asked to; a machine without Node.js otherwise fails loudly."""
    if os.environ.get(OPT_OUT_VARIABLE) == "1":
        pytest.skip(f"{OPT_OUT_VARIABLE}=1: real Better Auth interop tests not run")
    if not node_available():
        pytest.fail(
            "node and npm are needed for the Better Auth interop tests (Node.js 20+); "
            f"install them, or set {OPT_OUT_VARIABLE}=1 to skip these tests locally",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def current_better_auth() -> Iterator[BetterAuthServer]:
    """The pinned Better Auth version, shared by the whole session (installed on first use)."""
    with BetterAuthServer(CURRENT_DIR) as server:
        yield server


@pytest.fixture(scope="session")
def previous_better_auth() -> Iterator[BetterAuthServer]:
    """The previous Better Auth minor, for the compatibility matrix."""
    with BetterAuthServer(PREVIOUS_DIR) as server:
        yield server


@pytest.fixture(scope="session", params=list(VERSIONS), ids=VERSION_IDS)
def better_auth(request: pytest.FixtureRequest) -> BetterAuthServer:
    """Each supported Better Auth version in turn (the core interop matrix)."""
    server: BetterAuthServer = request.getfixturevalue(f"{request.param}_better_auth")
    return server


@pytest.fixture
async def start_api() -> AsyncIterator[StartApi]:
    """Start our app (lifespan included) with given settings; all are shut down after the test.

    In process over ASGI, but its JWKS fetches to Better Auth are real loopback HTTP.
    """
    async with AsyncExitStack() as stack:

        async def start(settings: Settings) -> ApiUnderTest:
            app = create_app(settings)
            await stack.enter_async_context(LifespanManager(app))
            client = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                    base_url="http://testserver",
                )
            )
            return ApiUnderTest(app=app, client=client)

        yield start
