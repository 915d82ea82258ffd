"""Alembic environment: migrates the service's database (DATABASE_URL) on its async engine."""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import infrastructure.persistence.tables  # noqa: F401  (registers the tables on the metadata)
from infrastructure.persistence.database import Database, PoolOptions
from infrastructure.persistence.migrations import migration_lock
from infrastructure.persistence.urls import StorageKind
from interfaces.settings import Settings

config = context.config
target_metadata = SQLModel.metadata

# Only the command line has an ini file; the service keeps its own logging set-up.
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: "batch" mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


# A migration may rewrite a big table: the service's per-statement limit does not apply here.
_MIGRATION_STATEMENT_TIMEOUT_SECONDS = 24 * 3600.0


async def run_with_own_engine(settings: Settings) -> None:
    """The command line's path: the same engine set-up and migration lock as the service."""
    pool = PoolOptions(
        size=1,
        max_overflow=0,
        connect_timeout_seconds=settings.db_connect_timeout_seconds,
        command_timeout_seconds=_MIGRATION_STATEMENT_TIMEOUT_SECONDS,
    )
    database = Database(settings.database_url, pool)
    try:
        async with migration_lock(database) as connection:
            await connection.run_sync(run_migrations)
    finally:
        await database.dispose()


def service_settings() -> Settings:
    settings = Settings()
    if settings.storage is StorageKind.MEMORY:
        raise SystemExit("DATABASE_URL is memory://: there is no schema to migrate")
    return settings


if context.is_offline_mode():
    raise SystemExit("offline (--sql) mode is not supported: run against a database")

connection = config.attributes.get("connection")
if connection is not None:
    # The service's runner (infrastructure/persistence/migrations.py) passes its connection.
    run_migrations(connection)
else:
    asyncio.run(run_with_own_engine(service_settings()))
