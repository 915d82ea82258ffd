"""GET /api/ready: 200 only while the database answers and signing keys are at hand."""

import asyncio
import shutil
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from interfaces.container import Container
from interfaces.http.app import create_app
from tests.conftest import SettingsFactory, open_client
from tests.support.jwks_server import JwksServer

BOTH_OK = {"database": "ok", "signing_keys": "ok"}


async def ready_within(client: httpx.AsyncClient, seconds: float) -> httpx.Response:
    """Poll until 200: keys are refetched at most once a second while none are held."""
    deadline = time.monotonic() + seconds
    while True:
        response = await client.get("/api/ready")
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        await asyncio.sleep(0.05)


def assert_not_ready(response: httpx.Response, checks: dict[str, str]) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert response.json() == {"detail": "Not ready: a dependency is unavailable", "checks": checks}


@pytest.fixture
async def sqlite_app(
    make_settings: SettingsFactory, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, Container, Path]]:
    directory = tmp_path / "data"
    directory.mkdir()
    app = create_app(make_settings(database_url=f"sqlite:///{directory / 'tasks.db'}"))
    async for client in open_client(app):
        yield client, app.state.container, directory


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
async def test_ready_when_database_answers_and_keys_are_fetchable(
    make_settings: SettingsFactory, tmp_path: Path, backend: str
) -> None:
    url = "memory://" if backend == "memory" else f"sqlite:///{tmp_path / 'tasks.db'}"
    async for client in open_client(create_app(make_settings(database_url=url))):
        response = await client.get("/api/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": BOTH_OK}


async def test_not_ready_while_jwks_is_unreachable_then_ready_when_it_is_back(
    make_settings: SettingsFactory, jwks_server: JwksServer
) -> None:
    async for client in open_client(create_app(make_settings())):
        jwks_server.stop()
        down = await client.get("/api/ready")
        jwks_server.start()
        back = await ready_within(client, 3.0)

    assert_not_ready(down, {"database": "ok", "signing_keys": "unavailable"})
    assert back.status_code == 200


async def test_stays_ready_on_cached_keys_while_jwks_is_down(
    client: httpx.AsyncClient, jwks_server: JwksServer
) -> None:
    assert (await client.get("/api/ready")).status_code == 200
    jwks_server.stop()

    assert (await client.get("/api/ready")).status_code == 200


async def test_a_hanging_jwks_counts_as_down_after_the_readiness_timeout(
    make_settings: SettingsFactory, jwks_server: JwksServer
) -> None:
    jwks_server.mode, jwks_server.hang_seconds = "hang", 2.0
    settings = make_settings(readiness_timeout_seconds=0.2, jwks_fetch_timeout_seconds=1.0)
    async for client in open_client(create_app(settings)):
        started = time.monotonic()
        response = await client.get("/api/ready")
        elapsed = time.monotonic() - started

    assert_not_ready(response, {"database": "ok", "signing_keys": "unavailable"})
    assert elapsed < 0.9


async def test_not_ready_while_database_is_unreachable_then_ready_when_it_is_back(
    sqlite_app: tuple[httpx.AsyncClient, Container, Path],
) -> None:
    client, container, directory = sqlite_app
    assert (await client.get("/api/ready")).status_code == 200

    # The file's directory disappears and pooled connections go, as when a volume is lost.
    shutil.rmtree(directory)
    await container.database().engine.dispose()
    down = await client.get("/api/ready")
    directory.mkdir()
    back = await client.get("/api/ready")

    assert_not_ready(down, {"database": "unavailable", "signing_keys": "ok"})
    assert back.status_code == 200


async def test_health_stays_cheap_and_200_while_dependencies_are_down(
    make_settings: SettingsFactory, jwks_server: JwksServer
) -> None:
    jwks_server.stop()
    async for client in open_client(create_app(make_settings())):
        response = await client.get("/api/health")

    assert response.status_code == 200
    assert jwks_server.requests == 0
