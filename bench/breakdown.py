"""Where the time goes: CPU per request of each layer, measured in-process (no HTTP, no wrk).

Calls the ASGI apps directly and times ``process_time`` over thousands of calls, so the numbers
are this process's CPU only (PostgreSQL's own work is not in them) and are far steadier than
wall-clock load figures on a shared machine.
"""

import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import aiosqlite
import asyncpg
import httpx
from asgi_lifespan import LifespanManager
from starlette.types import ASGIApp, Message

from application.paging import TaskQuery
from bench import ceiling_app
from bench.databases import fresh_database
from bench.token_issuer import TokenIssuer
from domain.task import TaskDraft
from infrastructure.auth.jwks import JwksKeySet
from infrastructure.auth.jwt_verifier import JwtTokenVerifier, TokenRules
from infrastructure.persistence.database import Database
from infrastructure.persistence.migrations import upgrade_to_head
from infrastructure.persistence.sql_tasks import SqlTaskRepository
from interfaces.http.app import create_app
from interfaces.settings import DEFAULT_ALGORITHMS, Settings


async def asgi_get(app: ASGIApp, path: str, headers: dict[str, str]) -> int:
    route, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": route, "raw_path": route.encode(), "root_path": "",
        "query_string": query.encode(), "client": ("127.0.0.1", 1), "server": ("t", 80),
        "headers": [(b"host", b"t"), *((k.encode(), v.encode()) for k, v in headers.items())],
    }  # fmt: skip
    status = 0

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def cpu_us(action: Callable[[], Awaitable[object]], calls: int = 1000) -> float:
    """Median over five rounds of CPU microseconds per call."""
    for _ in range(calls // 10):
        await action()
    rounds = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(calls):
            await action()
        rounds.append((time.process_time() - started) / calls * 1e6)
    return statistics.median(rounds)


async def measure(issuer: TokenIssuer, sql_urls: dict[str, str]) -> list[tuple[str, float]]:
    rows: list[tuple[str, float]] = []
    rows.append(
        (
            "ceiling: bare FastAPI health",
            await cpu_us(lambda: asgi_get(ceiling_app.app, "/api/health", {})),
        )
    )
    rows.append(
        (
            "ceiling: bare FastAPI, same 20-task JSON",
            await cpu_us(lambda: asgi_get(ceiling_app.app, "/api/tasks", {})),
        )
    )
    token = issuer.token_for("breakdown")
    algorithms = frozenset(DEFAULT_ALGORITHMS)
    keys = JwksKeySet(issuer.jwks_url, algorithms)
    verifier = JwtTokenVerifier(keys, TokenRules(issuer.issuer, issuer.issuer, algorithms))
    rows.append(
        ("token verification, uncached (EdDSA)", await cpu_us(lambda: verifier.verify(token)))
    )
    await keys.aclose()
    headers = {"authorization": f"Bearer {token}"}
    for name, url in {"memory": "memory://", **sql_urls}.items():
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, database_url=url, better_auth_url=issuer.issuer,
            jwks_url=issuer.jwks_url, auto_migrate=True,
        )  # fmt: skip
        app = create_app(settings)
        async with LifespanManager(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                created = await client.post(
                    "/api/tasks/bulk", headers=headers,
                    json=[{"title": f"Task number {i}"} for i in range(20)],
                )  # fmt: skip
            task_id = created.json()[3]["id"]
            rows += await _app_costs(name, app, headers, task_id)
        if name != "memory":
            rows.append((f"{name}: repository list 20 alone", await _repository_cost(url)))
            rows.append((f"{name}: raw driver, same query", await _raw_driver_cost(url)))
    return rows


async def _app_costs(
    name: str, app: ASGIApp, headers: dict[str, str], task_id: int
) -> list[tuple[str, float]]:
    health = await cpu_us(lambda: asgi_get(app, "/api/health", {}))
    listing = await cpu_us(lambda: asgi_get(app, "/api/tasks?limit=20", headers), 500)
    one = await cpu_us(lambda: asgi_get(app, f"/api/tasks/{task_id}", headers), 500)
    return [
        (f"{name}: our health (middleware)", health),
        (f"{name}: list 20 (auth cached + storage + JSON)", listing),
        (f"{name}: get one", one),
    ]


async def _repository_cost(url: str) -> float:
    database = Database(url)
    await upgrade_to_head(database)
    repository = SqlTaskRepository(database)
    now = datetime.now(UTC)
    await repository.add_many([TaskDraft.new("alone", f"t{i}", "", now) for i in range(20)])
    query = TaskQuery(limit=20)
    cost = await cpu_us(lambda: repository.find_owned("alone", query), 500)
    await database.dispose()
    return cost


_RAW_LIST = "SELECT * FROM tasks WHERE owner_id = {} ORDER BY id LIMIT 20"


async def _raw_driver_cost(url: str) -> float:
    """The same listing straight through the driver: the floor under our storage layer."""
    if url.startswith("sqlite"):
        connection = await aiosqlite.connect(url.split("///", 1)[1])

        async def sqlite_list() -> object:
            cursor = await connection.execute(_RAW_LIST.format("?"), ("alone",))
            rows = await cursor.fetchall()
            await cursor.close()
            return rows

        try:
            return await cpu_us(sqlite_list, 500)
        finally:
            await connection.close()
    pg = await asyncpg.connect(url)
    try:
        statement = await pg.prepare(_RAW_LIST.format("$1"))
        return await cpu_us(lambda: statement.fetch("alone"), 500)
    finally:
        await pg.close()


def main() -> None:
    issuer = TokenIssuer()
    try:
        with tempfile.TemporaryDirectory() as tmp, fresh_database("postgresql", Path(tmp)) as pg:
            urls = {"sqlite": f"sqlite:///{tmp}/breakdown.db", "postgresql": pg}
            rows = asyncio.run(measure(issuer, urls))
    finally:
        issuer.close()
    print("| where | CPU us per request (median) |\n| --- | ---: |")
    for label, value in rows:
        print(f"| {label} | {value:,.0f} |")


if __name__ == "__main__":
    main()
