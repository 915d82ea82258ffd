"""Schema migrations: Alembic's upgrade run on the service's own engine, one process at a time."""

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection

from infrastructure.persistence.database import Database
from infrastructure.persistence.urls import StorageKind

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

# Any constant 64-bit key works as long as every process of this service uses the same one.
_POSTGRES_LOCK_KEY = 0x7461736B735F6462  # "tasks_db"

# Alembic keeps the running migration in process globals (``alembic.context``, ``alembic.op``),
# so two upgrades in one process (two apps, or tests on two databases) must take turns.
_ALEMBIC_IN_USE = threading.Lock()
_ALEMBIC_POLL_SECONDS = 0.01


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config that needs no ``alembic.ini``; ``env.py`` migrates ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@asynccontextmanager
async def migration_lock(database: Database) -> AsyncIterator[AsyncConnection]:
    """One transaction holding the service-wide migration lock, committed when the block ends.

    Two processes starting together would both see "no schema" and both create it; the lock
    makes the second wait, and by the time it gets the lock the first has committed, so its
    upgrade finds nothing to do. PostgreSQL: a transaction-scoped advisory lock (DDL is
    transactional there, so a failed migration leaves nothing behind). SQLite: ``BEGIN
    IMMEDIATE`` takes the database's write lock up front; waiters queue for ``busy_timeout``.
    """
    async with database.write() as connection:
        if database.kind is StorageKind.POSTGRESQL:
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _POSTGRES_LOCK_KEY}
            )
        elif database.kind is StorageKind.SQLITE:
            await connection.exec_driver_sql("BEGIN IMMEDIATE")
        yield connection


async def upgrade_to_head(database: Database) -> None:
    """Apply every migration the database has not seen yet; safe from several processes at once.

    Alembic is synchronous: ``run_sync`` runs it on the async connection, so its queries do
    not block the event loop.
    """
    async with _alembic_turn(), migration_lock(database) as connection:
        await connection.run_sync(_upgrade_to_head)


async def is_up_to_date(database: Database) -> bool:
    """Whether the database is at the newest migration (False for an empty database)."""
    async with database.read() as connection:
        current = await connection.run_sync(_current_heads)
    return current == set(ScriptDirectory.from_config(alembic_config()).get_heads())


@asynccontextmanager
async def _alembic_turn() -> AsyncIterator[None]:
    """Wait for this process's other upgrade to finish, without blocking the event loop.

    Polling (rather than waiting in a thread) keeps cancellation safe: a cancelled waiter
    never ends up holding the lock.
    """
    while not _ALEMBIC_IN_USE.acquire(blocking=False):  # noqa: ASYNC110 (no awaitable form)
        await asyncio.sleep(_ALEMBIC_POLL_SECONDS)
    try:
        yield
    finally:
        _ALEMBIC_IN_USE.release()


def _upgrade_to_head(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


def _current_heads(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())
