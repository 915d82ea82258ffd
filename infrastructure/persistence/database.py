"""Database: one async engine per process, tuned per backend, and storage-fault translation."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
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
        self._pool = pool or PoolOptions()
        self.engine = _create_engine(url, self.kind, self._pool)
        # PostgreSQL connections idle in autocommit, so a read is one round trip (no BEGIN
        # and ROLLBACK around a lone SELECT) and so is the pool's pre-ping; writes switch to
        # a real READ COMMITTED transaction. On SQLite mode switches would cost thread hops.
        self._writer = (
            self.engine.execution_options(isolation_level="READ COMMITTED")
            if self.kind is StorageKind.POSTGRESQL
            else self.engine
        )
        self._writer_lock: asyncio.Lock | None = None
        self._writer_lock_loop: asyncio.AbstractEventLoop | None = None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        with translate_storage_faults():
            async with self.engine.connect() as connection:
                yield connection

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        async with self._writer_turn():
            with translate_storage_faults():
                async with self._writer.begin() as connection:
                    yield connection

    @asynccontextmanager
    async def _writer_turn(self) -> AsyncIterator[None]:
        """SQLite: this process's writers take turns here rather than in SQLite's lock.

        SQLite admits one writer at a time; writers that contend inside SQLite are parked by
        its busy handler, which sleeps in growing steps (up to 100 ms), so bursts of writes
        crawl. Queueing in-process hands the write lock straight to the next writer. The
        busy timeout still covers other processes. Waiting longer than the pool timeout is
        "storage unavailable", like waiting for a connection.
        """
        if self.kind is not StorageKind.SQLITE:
            yield
            return
        lock = self._lock_for_running_loop()
        try:
            async with asyncio.timeout(self._pool.timeout_seconds):
                await lock.acquire()
        except TimeoutError:
            raise StorageUnavailableError("writer queue timeout") from None
        try:
            yield
        finally:
            lock.release()

    def _lock_for_running_loop(self) -> asyncio.Lock:
        # An asyncio.Lock belongs to one event loop; tests may drive one Database from several.
        loop = asyncio.get_running_loop()
        if self._writer_lock is None or self._writer_lock_loop is not loop:
            self._writer_lock = asyncio.Lock()
            self._writer_lock_loop = loop
        return self._writer_lock

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
        isolation_level="AUTOCOMMIT",
        connect_args={
            "timeout": pool.connect_timeout_seconds,
            "command_timeout": pool.command_timeout_seconds,
            # Every query is per owner, and owners' sizes are skewed (one user with 100,000
            # tasks among thousands with a few). Plans built for the actual values misjudge
            # that skew and walk the primary key across the whole table (0.2 s instead of
            # 3 ms for a search at a million rows); the generic plan always takes the owner
            # index, and skips re-planning each execution of a prepared statement.
            "server_settings": {"plan_cache_mode": "force_generic_plan"},
        },
    )


def _create_sqlite_engine(url: str, pool: PoolOptions) -> AsyncEngine:
    # The rendered URL spells ":memory:" escaped (%3A); ask the parsed URL instead.
    in_memory = make_url(url).database in (None, "", ":memory:")
    options: dict[str, Any] = {
        "connect_args": {"timeout": pool.sqlite_busy_timeout_ms / 1000},
        # Every borrowed connection ends its transaction (commit, or rollback on close) before
        # it goes back; the pool's own extra rollback would be one more thread hop per query.
        "pool_reset_on_return": None,
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
