"""Database: one async engine per process, tuned per backend, and storage-fault translation."""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from application.errors import StorageUnavailableError
from infrastructure.persistence.urls import StorageKind, async_url, storage_kind


@dataclass(frozen=True, slots=True)
class PoolOptions:
    """Connection pool sizing; a short timeout turns pool exhaustion into a quick 503."""

    size: int = 10
    max_overflow: int = 10
    timeout_seconds: float = 5.0
    connect_timeout_seconds: float = 5.0
    # Bounds every PostgreSQL round trip (the pre-ping included), so a server that stops
    # answering without closing the connection costs this long, not a hung request.
    command_timeout_seconds: float = 30.0
    sqlite_busy_timeout_ms: int = 5000


class Database:
    """Owns the engine; repositories borrow connections through ``read()`` and ``write()``.

    Building it opens nothing: the first query connects. Faults that mean "the database cannot
    be reached" leave as ``StorageUnavailableError``; any other error is a bug and propagates.
    """

    def __init__(self, url: str, pool: PoolOptions | None = None) -> None:
        self.kind = storage_kind(url)
        self.engine = _create_engine(url, self.kind, pool or PoolOptions())

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        with translate_storage_faults():
            async with self.engine.connect() as connection:
                yield connection

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with translate_storage_faults():
            async with self.engine.begin() as connection:
                yield connection

    async def ping(self) -> None:
        async with self.read() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


@contextmanager
def translate_storage_faults() -> Iterator[None]:
    """Map "database unreachable" driver and pool errors to the application's error."""
    try:
        yield
    except (OperationalError, InterfaceError, PoolTimeoutError, OSError) as error:
        raise StorageUnavailableError(type(error).__name__) from error
    except DBAPIError as error:
        if error.connection_invalidated:
            raise StorageUnavailableError(type(error).__name__) from error
        raise


def _create_engine(url: str, kind: StorageKind, pool: PoolOptions) -> AsyncEngine:
    driver_url = async_url(url)
    if kind is StorageKind.SQLITE:
        return _create_sqlite_engine(driver_url.render_as_string(hide_password=False), pool)
    return create_async_engine(
        driver_url,
        pool_size=pool.size,
        max_overflow=pool.max_overflow,
        pool_timeout=pool.timeout_seconds,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={
            "timeout": pool.connect_timeout_seconds,
            "command_timeout": pool.command_timeout_seconds,
        },
    )


def _create_sqlite_engine(url: str, pool: PoolOptions) -> AsyncEngine:
    in_memory = url.endswith(":memory:") or url.rstrip("/").endswith("+aiosqlite:")
    options: dict[str, Any] = {
        "connect_args": {"timeout": pool.sqlite_busy_timeout_ms / 1000},
    }
    if in_memory:
        # One shared connection, or every connection would see its own empty database.
        options["poolclass"] = StaticPool
    else:
        # No overflow: every SQLite connection is a thread in aiosqlite, and overflow
        # connections would be opened and closed (with their PRAGMAs) under every burst.
        options.update(
            pool_size=pool.size + pool.max_overflow,
            max_overflow=0,
            pool_timeout=pool.timeout_seconds,
        )
    engine = create_async_engine(url, **options)

    @event.listens_for(engine.sync_engine, "connect")
    def _tune(dbapi_connection: DBAPIConnection, _: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        # WAL lets readers run beside the writer; NORMAL sync is durable across app crashes
        # (only an OS crash can drop the last commits); busy_timeout makes writers queue.
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            f"PRAGMA busy_timeout={pool.sqlite_busy_timeout_ms}",
            "PRAGMA foreign_keys=ON",
        ):
            cursor.execute(pragma)
        cursor.close()

    return engine
