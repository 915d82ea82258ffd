"""A real uvicorn process: acknowledged writes survive kill -9; SIGTERM lets requests finish."""

import asyncio
import json
import signal
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from interfaces.http.app import create_app
from tests.conftest import SettingsFactory, open_client
from tests.support.jwks_server import JwksServer
from tests.support.keys import ISSUER
from tests.support.scratch_postgres import scratch_database
from tests.support.uvicorn_server import UvicornServer

WRITERS = 8
ACKNOWLEDGED_BEFORE_KILL = 40


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def durable_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'durable.db'}"
        return
    with scratch_database("crash") as database:
        yield database.url


ServerFactory = Callable[[], UvicornServer]


@pytest.fixture
async def servers(
    durable_url: str, jwks_server: JwksServer, tmp_path: Path
) -> AsyncIterator[ServerFactory]:
    """Builds servers on one database; every one started is gone when the test ends."""
    started: list[UvicornServer] = []
    env = {
        "DATABASE_URL": durable_url,
        "AUTO_MIGRATE": "true",
        "BETTER_AUTH_URL": ISSUER,
        "JWKS_URL": jwks_server.url,
        "LOG_LEVEL": "WARNING",
    }

    def build() -> UvicornServer:
        server = UvicornServer(env=env, workdir=tmp_path)
        started.append(server)
        return server

    yield build
    for server in started:
        await server.stop()


class Acknowledged(dict[int, str]):
    """Task id -> title of every create the server answered 201; ``enough`` once it has plenty."""

    def __init__(self, plenty: int) -> None:
        super().__init__()
        self.plenty = plenty
        self.enough = asyncio.Event()

    def record(self, task_id: int, title: str) -> None:
        self[task_id] = title
        if len(self) >= self.plenty:
            self.enough.set()


async def _create_until_refused(
    client: httpx.AsyncClient, writer: int, headers: dict[str, str], acknowledged: Acknowledged
) -> None:
    """Create tasks one after another; record each 201 until the server stops answering."""
    for number in range(10_000):
        title = f"writer {writer} task {number}"
        try:
            response = await client.post("/api/tasks", json={"title": title}, headers=headers)
        except httpx.TransportError:
            return
        assert response.status_code == 201, response.text
        acknowledged.record(response.json()["id"], title)


async def test_every_acknowledged_create_survives_kill_9_and_restart(
    servers: ServerFactory, auth_headers: Callable[[str], dict[str, str]]
) -> None:
    headers = auth_headers("user-durable")
    acknowledged = Acknowledged(plenty=ACKNOWLEDGED_BEFORE_KILL)
    first = await servers().start()
    limits = httpx.Limits(max_connections=WRITERS)
    async with httpx.AsyncClient(base_url=first.url, timeout=10, limits=limits) as client:
        writers = [
            asyncio.create_task(_create_until_refused(client, n, headers, acknowledged))
            for n in range(WRITERS)
        ]
        await asyncio.wait_for(acknowledged.enough.wait(), timeout=30)
        first.kill()
        await asyncio.wait_for(asyncio.gather(*writers), timeout=20)
    killed_by = await first.exit_code()

    second = await servers().start()
    async with httpx.AsyncClient(base_url=second.url, timeout=10) as client:
        stored = await client.get("/api/tasks", params={"limit": 1000}, headers=headers)
    titles = {task["id"]: task["title"] for task in stored.json()}

    assert killed_by == -signal.SIGKILL
    assert len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL
    assert {task_id: titles.get(task_id) for task_id in acknowledged} == acknowledged


async def test_sigterm_lets_an_in_flight_bulk_create_finish(
    servers: ServerFactory,
    durable_url: str,
    make_settings: SettingsFactory,
    auth_headers: Callable[[str], dict[str, str]],
) -> None:
    headers = {**auth_headers("user-draining"), "Content-Type": "application/json"}
    body = json.dumps([{"title": f"bulk {n}", "description": "d" * 100} for n in range(1000)])
    half = len(body) // 2
    headers_sent, go_on = asyncio.Event(), asyncio.Event()

    async def slow_body() -> AsyncIterator[bytes]:
        # The request is under way (headers and half the body received) when SIGTERM lands.
        yield body[:half].encode()
        headers_sent.set()
        await go_on.wait()
        yield body[half:].encode()

    server = await servers().start()
    async with httpx.AsyncClient(base_url=server.url, timeout=20) as client:
        in_flight = asyncio.create_task(
            client.post("/api/tasks/bulk", content=slow_body(), headers=headers)
        )
        await headers_sent.wait()
        await asyncio.sleep(0.2)  # let the server parse the request line and headers
        server.terminate()
        await asyncio.sleep(0.2)  # and let it begin shutting down before the body completes
        go_on.set()
        response = await in_flight
    exit_code = await server.exit_code()

    async for client in open_client(create_app(make_settings(database_url=durable_url))):
        stored = await client.get("/api/tasks", params={"limit": 1000}, headers=headers)

    assert response.status_code == 201, response.text
    assert len(response.json()) == 1000
    # uvicorn re-raises the signal it caught once it has drained, so the process ends by it.
    assert exit_code == -signal.SIGTERM
    assert "timeout graceful shutdown exceeded" not in servers_log(server)
    assert len(stored.json()) == 1000


def servers_log(server: UvicornServer) -> str:
    return server.log_path.read_text(errors="replace")
