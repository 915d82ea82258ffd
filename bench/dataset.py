"""Bulk-loading a large task table straight into the database (COPY / executemany), not via HTTP."""

import asyncio
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import asyncpg

from infrastructure.persistence.database import Database
from infrastructure.persistence.migrations import upgrade_to_head

HEAVY_USER = "heavy-user"
COMMON_WORD = "zebra"
RARE_WORD = "needle"
_WORDS = [COMMON_WORD, *(f"word{i}" for i in range(99))]
_COLUMNS = [
    "owner_id", "title", "title_folded", "description", "completed",
    "created_at", "updated_at", "version",
]  # fmt: skip


def _rows(users: int, per_user: int, heavy: int, start: datetime) -> Iterator[tuple[object, ...]]:
    """Users' tasks interleaved the way real traffic writes them; the heavy user has ``heavy``."""
    plan = [(f"scale-user-{u}", per_user) for u in range(users)] + [(HEAVY_USER, heavy)]
    longest = max(count for _, count in plan)
    serial = 0
    for index in range(longest):
        for owner, count in plan:
            if index >= count:
                continue
            serial += 1
            word = RARE_WORD if owner == HEAVY_USER and index % 10_000 == 7 else _WORDS[index % 100]
            title = f"Task {index} {word}"
            moment = start + timedelta(microseconds=serial)
            yield (owner, title, title.casefold(), "", index % 3 == 0, moment, moment, 1)


async def load(url: str, users: int, per_user: int, heavy: int) -> int:
    """Create the schema through the migrations, then load; returns the rows loaded."""
    database = Database(url)
    await upgrade_to_head(database)
    await database.dispose()
    rows = list(_rows(users, per_user, heavy, datetime(2026, 1, 1, tzinfo=UTC)))
    if url.startswith("sqlite"):
        await asyncio.to_thread(_load_sqlite, url.split("///", 1)[1], rows)
    else:
        await _load_postgres(url, rows)
    return len(rows)


def _load_sqlite(path: str, rows: list[tuple[object, ...]]) -> None:
    connection = sqlite3.connect(path)
    try:
        with connection:
            connection.executemany(
                f"INSERT INTO tasks ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * 8)})",  # noqa: S608
                [(*row[:5], _sqlite_time(row[5]), _sqlite_time(row[6]), row[7]) for row in rows],
            )
        connection.execute("ANALYZE")
    finally:
        connection.close()


def _sqlite_time(moment: object) -> str:
    # The exact text SQLAlchemy writes for a UTC datetime on SQLite.
    assert isinstance(moment, datetime)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


async def nth_task_id(url: str, owner: str, position: int) -> int:
    """The id of the owner's task at ``position`` in id order (for deep-page scenarios)."""
    query = "SELECT id FROM tasks WHERE owner_id = {} ORDER BY id LIMIT 1 OFFSET {}"
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.split("///", 1)[1])
        try:
            row = connection.execute(query.format("?", "?"), (owner, position)).fetchone()
        finally:
            connection.close()
        return int(row[0])
    pg = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        return int(await pg.fetchval(query.format("$1", "$2"), owner, position))
    finally:
        await pg.close()


async def _load_postgres(url: str, rows: list[tuple[object, ...]]) -> None:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await connection.copy_records_to_table("tasks", records=rows, columns=_COLUMNS)
        await connection.execute("ANALYZE tasks")
    finally:
        await connection.close()
