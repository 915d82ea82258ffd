"""Database faults: an outage answers 503 + Retry-After quickly, and the service heals by itself."""

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Iterator
from pathlib import Path
from typing import Any

import aiosqlite
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from interfaces.container import Container
from interfaces.http.app import create_app
from interfaces.http.errors import ERROR_TABLE
from tests.conftest import SettingsFactory, open_client
from tests.e2e.conftest import Headers
from tests.support.scratch_postgres import ScratchDatabase, scratch_database
from tests.support.tcp_proxy import TcpProxy

# Every timeout the app has is set to this in these tests; an outage must cost about that.
FAULT_TIMEOUT = 1.0
# Pre-ping (one timeout) plus a fresh connect (another), plus slack for two busy CPU cores.
WORST_CASE_SECONDS = 2 * FAULT_TIMEOUT + 1.5


@pytest.fixture(scope="module")
def fault_database() -> Iterator[ScratchDatabase]:
    """A database of its own: the faults injected here never reach other tests' sessions."""
    with scratch_database("faults") as database:
        yield database


@pytest.fixture
def proxy(fault_database: ScratchDatabase) -> Iterator[TcpProxy]:
    relay = TcpProxy(fault_database.host, fault_database.port).start()
    yield relay
    relay.stop()


def _fault_settings(**overrides: Any) -> dict[str, Any]:
    return {
        "auto_migrate": True,
        "db_connect_timeout_seconds": FAULT_TIMEOUT,
        "db_command_timeout_seconds": FAULT_TIMEOUT,
        "db_pool_timeout_seconds": FAULT_TIMEOUT,
        **overrides,
    }


@pytest.fixture
async def proxied_api(
    make_settings: SettingsFactory, fault_database: ScratchDatabase, proxy: TcpProxy
) -> AsyncIterator[httpx.AsyncClient]:
    """The app talking to PostgreSQL through the cuttable relay."""
    url = fault_database.url_via(proxy.port)
    async for client in open_client(create_app(make_settings(**_fault_settings(database_url=url)))):
        yield client


async def _timed(request: Awaitable[httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await asyncio.wait_for(request, timeout=30)
    return response, time.monotonic() - started


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json() == {"detail": "Storage is unavailable; retry shortly"}
    assert int(response.headers["Retry-After"]) > 0


def test_every_503_in_the_error_table_carries_retry_after() -> None:
    unavailable = [answer for answer in ERROR_TABLE.values() if answer.status == 503]

    assert unavailable
    assert all(int((answer.headers or {})["Retry-After"]) > 0 for answer in unavailable)


@pytest.mark.postgres
@pytest.mark.parametrize("cut", ["refuse", "blackhole"])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("GET", "/api/tasks", None), ("POST", "/api/tasks", {"title": "during the outage"})],
)
async def test_answers_503_with_retry_after_quickly_while_postgres_is_unreachable(
    proxied_api: httpx.AsyncClient,
    proxy: TcpProxy,
    alice: Headers,
    cut: str,
    method: str,
    path: str,
    body: dict[str, str] | None,
) -> None:
    assert (await proxied_api.get("/api/tasks", headers=alice)).status_code == 200
    getattr(proxy, cut)()

    response, elapsed = await _timed(proxied_api.request(method, path, json=body, headers=alice))

    _assert_unavailable(response)
    assert elapsed < WORST_CASE_SECONDS


@pytest.mark.postgres
@pytest.mark.parametrize("cut", ["refuse", "blackhole"])
async def test_recovers_by_itself_when_postgres_comes_back(
    proxied_api: httpx.AsyncClient, proxy: TcpProxy, alice: Headers, cut: str
) -> None:
    created = (await proxied_api.post("/api/tasks", json={"title": "kept"}, headers=alice)).json()
    getattr(proxy, cut)()
    outage = await asyncio.gather(
        *(proxied_api.get(f"/api/tasks/{created['id']}", headers=alice) for _ in range(5))
    )
    proxy.restore()

    after = await proxied_api.get(f"/api/tasks/{created['id']}", headers=alice)

    assert [response.status_code for response in outage] == [503] * 5
    assert after.status_code == 200
    assert after.json() == created


@pytest.mark.postgres
async def test_a_connection_killed_by_the_server_is_absorbed(
    proxied_api: httpx.AsyncClient, fault_database: ScratchDatabase, alice: Headers
) -> None:
    created = await proxied_api.post("/api/tasks", json={"title": "survives"}, headers=alice)
    killed = await fault_database.terminate_sessions()

    response = await proxied_api.get(f"/api/tasks/{created.json()['id']}", headers=alice)

    assert killed >= 1
    assert response.status_code == 200
    assert response.json() == created.json()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def one_connection_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'pool.db'}"
        return
    with scratch_database("pool") as database:
        yield database.url


async def test_answers_503_quickly_when_every_pooled_connection_is_busy(
    make_settings: SettingsFactory, one_connection_url: str, alice: Headers
) -> None:
    settings = make_settings(
        **_fault_settings(
            database_url=one_connection_url,
            db_pool_size=1,
            db_max_overflow=0,
            db_pool_timeout_seconds=0.5,
        )
    )
    app = create_app(settings)
    async for client in open_client(app):
        engine = _container(app).database().engine
        async with engine.connect() as held:
            await held.execute(text("SELECT 1"))
            response, elapsed = await _timed(client.get("/api/tasks", headers=alice))
        released = await client.get("/api/tasks", headers=alice)

    _assert_unavailable(response)
    assert 0.4 < elapsed < 2.0
    assert released.status_code == 200


def _container(app: FastAPI) -> Container:
    container: Container = app.state.container
    return container


_SIDE_WRITER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)
for round_ in range(int(sys.argv[2])):
    connection.execute("BEGIN IMMEDIATE")
    connection.execute(
        "INSERT INTO tasks (owner_id, title, title_folded, description, completed,"
        " created_at, updated_at, version) VALUES ('side-writer', ?, ?, '', 0,"
        " '2025-01-01 00:00:00', '2025-01-01 00:00:00', 1)",
        (f"side {round_}", f"side {round_}"),
    )
    if round_ == 0:
        print("locked", flush=True)
    time.sleep(0.05)  # hold the write lock while the app's writers pile up behind it
    connection.execute("COMMIT")
"""


async def test_sqlite_writers_queue_instead_of_failing_with_database_locked(
    make_settings: SettingsFactory, tmp_path: Path, alice: Headers
) -> None:
    path = tmp_path / "busy.db"
    creates, side_rounds = 50, 20
    app = create_app(make_settings(database_url=f"sqlite:///{path}"))
    async for client in open_client(app):
        side = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _SIDE_WRITER,
            str(path),
            str(side_rounds),
            stdout=asyncio.subprocess.PIPE,
        )
        assert side.stdout is not None
        assert await asyncio.wait_for(side.stdout.readline(), 10) == b"locked\n"
        responses = await asyncio.gather(
            *(
                client.post("/api/tasks", json={"title": f"app {n}"}, headers=alice)
                for n in range(creates)
            )
        )
        assert await asyncio.wait_for(side.wait(), 20) == 0
        listed = await client.get("/api/tasks", params={"limit": 1000}, headers=alice)

    assert [response.status_code for response in responses] == [201] * creates
    assert sorted(task["title"] for task in listed.json()) == sorted(
        f"app {n}" for n in range(creates)
    )
    assert await _count_rows(path, "side-writer") == side_rounds


async def _count_rows(path: Path, owner: str) -> int:
    async with aiosqlite.connect(path) as connection:
        cursor = await connection.execute("SELECT count(*) FROM tasks WHERE owner_id = ?", (owner,))
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])
