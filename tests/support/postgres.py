"""The PostgreSQL server the tests use: fresh databases created and dropped, tables emptied."""

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

import asyncpg
from sqlalchemy.engine import make_url

from infrastructure.persistence.database import Database
from infrastructure.persistence.migrations import upgrade_to_head

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CONNECT_TIMEOUT_SECONDS = 5.0

T = TypeVar("T")


class PostgresUnavailableError(RuntimeError):
    """The test server cannot be reached or refuses to create a database."""


def admin_url() -> str:
    """A URL with the right to create databases: ``TEST_POSTGRES_URL``, or the local server."""
    return os.environ.get("TEST_POSTGRES_URL") or DEFAULT_ADMIN_URL


def database_url(name: str, admin: str | None = None) -> str:
    """The URL of database ``name`` on the admin URL's server, as ``DATABASE_URL`` takes it."""
    parsed = make_url(admin or admin_url()).set(drivername="postgresql", database=name)
    return parsed.render_as_string(hide_password=False)


def run_blocking(make_coroutine: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion from synchronous code, on a private event loop.

    A thread of its own keeps it clear of any event loop pytest-asyncio is running, so the
    callers (sync fixtures) work whether a test or an async fixture asked for them.
    """

    async def run() -> T:
        return await make_coroutine()

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(asyncio.run, run()).result()


async def create_database(prefix: str = "tasks_test") -> str:
    """Create an empty database with a random name on the test server; return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    await _admin_execute(f'CREATE DATABASE "{name}"')
    return database_url(name)


async def drop_database(url: str) -> None:
    """Drop the database (its leftover sessions too); a missing one is not an error."""
    name = make_url(url).database
    await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def empty_tables(url: str) -> None:
    """Delete every row of every table (the migration history aside) and restart ids at 1.

    What a test sees afterwards equals a freshly migrated database, for the tasks table and
    for any table a later migration adds.
    """
    connection = await _connect(url)
    try:
        # A session left holding a lock would otherwise hang the test until pytest's timeout.
        await connection.execute("SET lock_timeout = '10s'")
        tables = await connection.fetch(
            "SELECT quote_ident(tablename) AS name FROM pg_tables"
            " WHERE schemaname = current_schema() AND tablename <> 'alembic_version'"
        )
        sequences = await connection.fetch(
            "SELECT quote_ident(sequencename) AS name FROM pg_sequences"
            " WHERE schemaname = current_schema()"
        )
        # DELETE, not TRUNCATE: on tables this small it is several times faster.
        statements = [f"DELETE FROM {row['name']}" for row in tables]  # noqa: S608 (quote_ident)
        statements += [f"ALTER SEQUENCE {row['name']} RESTART" for row in sequences]
        if statements:
            await connection.execute("; ".join(statements))
    finally:
        await connection.close()


async def _admin_execute(statement: str) -> None:
    connection = await _connect(admin_url())
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _connect(url: str) -> asyncpg.Connection:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        return await asyncpg.connect(dsn, timeout=CONNECT_TIMEOUT_SECONDS)
    except (OSError, TimeoutError, asyncpg.PostgresError) as error:
        host = make_url(url).render_as_string(hide_password=True)
        raise PostgresUnavailableError(f"{host}: {type(error).__name__}: {error}") from error


async def migrate(url: str) -> None:
    """Bring a database to the newest schema the way the service does at start."""
    database = Database(url)
    try:
        await upgrade_to_head(database)
    finally:
        await database.dispose()


@contextmanager
def fresh_database(prefix: str = "tasks_test") -> Iterator[str]:
    """An empty database for one test (created and dropped around it), for schema tests."""
    url = run_blocking(lambda: create_database(prefix))
    try:
        yield url
    finally:
        run_blocking(lambda: drop_database(url))
