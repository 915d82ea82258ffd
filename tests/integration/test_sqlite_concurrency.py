"""SQLite under concurrent writers: they queue for the write lock instead of failing."""

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from application.errors import StorageUnavailableError
from application.paging import MAX_LIMIT, TaskQuery
from domain.task import TaskDraft
from infrastructure.persistence.database import Database, PoolOptions
from infrastructure.persistence.migrations import upgrade_to_head
from infrastructure.persistence.sql_tasks import SqlTaskRepository

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def draft(title: str, owner: str = "user-a") -> TaskDraft:
    return TaskDraft.new(owner, title, "", NOW)


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'tasks.db'}"
    database = Database(url)
    await upgrade_to_head(database)
    await database.dispose()
    return url


@pytest.fixture
async def open_database(sqlite_url: str) -> AsyncIterator[Callable[..., Database]]:
    """Open engines on the same file, as separate worker processes would."""
    opened: list[Database] = []

    def open_one(busy_timeout_ms: int = 5000) -> Database:
        database = Database(sqlite_url, PoolOptions(sqlite_busy_timeout_ms=busy_timeout_ms))
        opened.append(database)
        return database

    yield open_one
    for database in opened:
        await database.dispose()


@asynccontextmanager
async def write_lock_held(database: Database) -> AsyncIterator[None]:
    """Hold SQLite's single write lock, as a writer in the middle of a transaction does."""
    async with database.write() as connection:
        await connection.exec_driver_sql("BEGIN IMMEDIATE")
        yield


async def count_tasks(database: Database, owner: str = "user-a") -> int:
    tasks = await SqlTaskRepository(database).find_owned(owner, TaskQuery(limit=MAX_LIMIT))
    return len(tasks)


async def test_a_writer_waits_for_the_write_lock_and_then_succeeds(
    open_database: Callable[..., Database],
) -> None:
    holder, writer = open_database(), open_database()

    async with write_lock_held(holder):
        pending = asyncio.create_task(SqlTaskRepository(writer).add(draft("queued")))
        await asyncio.sleep(0.3)
        assert not pending.done()

    task = await asyncio.wait_for(pending, timeout=5)
    assert task.title == "queued"
    assert await count_tasks(writer) == 1


async def test_a_writer_gives_up_with_storage_unavailable_after_the_busy_timeout(
    open_database: Callable[..., Database],
) -> None:
    holder, writer = open_database(), open_database(busy_timeout_ms=200)

    async with write_lock_held(holder):
        started = time.monotonic()
        with pytest.raises(StorageUnavailableError):
            await SqlTaskRepository(writer).add(draft("too late"))
        waited = time.monotonic() - started

    assert 0.15 <= waited < 3
    assert await count_tasks(writer) == 0


async def test_readers_are_not_blocked_by_a_writer_in_progress(
    open_database: Callable[..., Database],
) -> None:
    holder, reader = open_database(), open_database(busy_timeout_ms=100)
    await SqlTaskRepository(reader).add(draft("committed"))

    async with write_lock_held(holder):
        assert await count_tasks(reader) == 1


async def test_concurrent_writers_on_separate_engines_all_succeed(
    open_database: Callable[..., Database],
) -> None:
    repositories = [SqlTaskRepository(open_database()) for _ in range(3)]

    created = await asyncio.gather(
        *(
            repository.add_many([draft(f"{index}-{n}-a"), draft(f"{index}-{n}-b")])
            for index, repository in enumerate(repositories)
            for n in range(20)
        )
    )

    ids = {task.id for batch in created for task in batch}
    assert len(ids) == 3 * 20 * 2
    assert await count_tasks(open_database()) == len(ids)


_WRITER_PROCESS = """
import asyncio, sys
from datetime import UTC, datetime
from domain.task import TaskDraft
from infrastructure.persistence.database import Database
from infrastructure.persistence.sql_tasks import SqlTaskRepository

async def main(url, name, count):
    database = Database(url)
    repository = SqlTaskRepository(database)
    now = datetime.now(UTC)
    await asyncio.gather(
        *(repository.add(TaskDraft.new("user-a", f"{name}-{i}", "", now)) for i in range(count))
    )
    await database.dispose()

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""


async def test_writers_in_separate_processes_all_succeed(
    sqlite_url: str, open_database: Callable[..., Database]
) -> None:
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _WRITER_PROCESS,
            sqlite_url,
            f"worker{index}",
            "40",
            cwd=ROOT,
            stderr=asyncio.subprocess.PIPE,
        )
        for index in range(3)
    ]

    errors = [await asyncio.wait_for(process.communicate(), timeout=60) for process in processes]

    assert [process.returncode for process in processes] == [0, 0, 0], errors
    assert await count_tasks(open_database()) == 120
