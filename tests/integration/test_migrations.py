"""Alembic migrations: they build exactly the models' schema, once, and the app applies them."""

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlmodel import SQLModel

from domain.task import TaskDraft
from infrastructure.persistence.database import Database
from infrastructure.persistence.migrations import (
    alembic_config,
    is_up_to_date,
    migration_lock,
    upgrade_to_head,
)
from infrastructure.persistence.sql_tasks import SqlTaskRepository
from interfaces.http.app import create_app
from tests.conftest import SettingsFactory, open_client
from tests.support.postgres import PostgresUnavailableError, fresh_database

ROOT = Path(__file__).resolve().parents[2]
SQL_BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
UNREACHABLE_POSTGRES = "postgresql://postgres@127.0.0.1:1/nothing_here"


@pytest.fixture(params=SQL_BACKENDS)
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database that has never seen a migration, of each SQL backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    try:
        with fresh_database("tasks_migrations") as url:
            yield url
    except PostgresUnavailableError as error:
        pytest.fail(f"PostgreSQL is unreachable ({error}); see tests/conftest.py", pytrace=False)


@pytest.fixture
async def database(fresh_database_url: str) -> AsyncIterator[Database]:
    database = Database(fresh_database_url)
    yield database
    await database.dispose()


def _schema_differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def schema_differences(database: Database) -> list[Any]:
    async with database.read() as connection:
        return await connection.run_sync(_schema_differences)


async def table_names(database: Database) -> set[str]:
    async with database.read() as connection:
        return await connection.run_sync(_table_names)


async def run_alembic(url: str, *arguments: str) -> asyncio.subprocess.Process:
    """``alembic`` as ``make migrate`` runs it, in its own process."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "alembic",
        "-c",
        str(ROOT / "alembic.ini"),
        *arguments,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def finish(process: asyncio.subprocess.Process) -> str:
    """Wait for the process; return what it wrote to stderr (where Alembic logs)."""
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    return stderr.decode()


# --- the schema -----------------------------------------------------------------------------


async def test_a_fresh_database_has_no_schema_until_migrated(database: Database) -> None:
    assert await table_names(database) == set()
    assert await is_up_to_date(database) is False


async def test_migrated_schema_equals_the_models(database: Database) -> None:
    await upgrade_to_head(database)

    assert await schema_differences(database) == []
    assert await table_names(database) == {"tasks", "idempotency_keys", "alembic_version"}
    assert await is_up_to_date(database) is True


async def test_upgrading_an_up_to_date_database_changes_nothing(database: Database) -> None:
    await upgrade_to_head(database)
    repository = SqlTaskRepository(database)
    task = await repository.add(TaskDraft.new("user-a", "kept", "", datetime.now(UTC)))

    await upgrade_to_head(database)

    assert await repository.get(task.id) == task
    assert await is_up_to_date(database) is True


async def test_downgrade_to_base_removes_the_schema_and_upgrade_restores_it(
    database: Database,
) -> None:
    await upgrade_to_head(database)

    async with migration_lock(database) as connection:
        await connection.run_sync(lambda sync: command.downgrade(alembic_config(sync), "base"))
    assert await table_names(database) == {"alembic_version"}

    await upgrade_to_head(database)
    assert await schema_differences(database) == []


# --- several processes at once --------------------------------------------------------------


async def test_an_upgrade_waits_while_another_process_holds_the_migration_lock(
    fresh_database_url: str, database: Database
) -> None:
    other_process = Database(fresh_database_url)
    try:
        async with migration_lock(database):
            upgrade = asyncio.create_task(upgrade_to_head(other_process))
            await asyncio.sleep(0.3)
            assert not upgrade.done()
        await asyncio.wait_for(upgrade, timeout=10)
    finally:
        await other_process.dispose()

    assert await is_up_to_date(database) is True


async def test_concurrent_migrate_commands_apply_the_migration_exactly_once(
    fresh_database_url: str, database: Database
) -> None:
    processes = [await run_alembic(fresh_database_url, "upgrade", "head") for _ in range(2)]

    logs = "".join([await finish(process) for process in processes])

    assert [process.returncode for process in processes] == [0, 0], logs
    assert logs.count("Running upgrade  -> ") == 1, logs
    assert await schema_differences(database) == []


async def test_migrate_command_refuses_the_memory_store() -> None:
    process = await run_alembic("memory://", "upgrade", "head")

    stderr = await finish(process)

    assert process.returncode != 0
    assert "memory://" in stderr


# --- at start -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("database_url", "auto_migrate", "migrates"),
    [
        ("sqlite:///./app.db", None, True),
        ("sqlite:///./app.db", False, False),
        ("postgresql://u@db.example/tasks", None, False),
        ("postgresql+asyncpg://u@db.example/tasks", True, True),
        ("memory://", True, False),
    ],
)
def test_auto_migrate_defaults_to_on_for_sqlite_only(
    make_settings: SettingsFactory, database_url: str, auto_migrate: bool | None, migrates: bool
) -> None:
    settings = make_settings(database_url=database_url, auto_migrate=auto_migrate)

    assert settings.migrate_at_start is migrates


@pytest.mark.parametrize(
    ("fresh_database_url", "auto_migrate", "migrated"),
    [
        ("sqlite", None, True),
        ("sqlite", False, False),
        pytest.param("postgresql", None, False, marks=pytest.mark.postgres),
        pytest.param("postgresql", True, True, marks=pytest.mark.postgres),
    ],
    indirect=["fresh_database_url"],
)
async def test_app_start_migrates_only_when_auto_migrate_says_so_and_serves_either_way(
    make_settings: SettingsFactory,
    fresh_database_url: str,
    database: Database,
    auto_migrate: bool | None,
    migrated: bool,
) -> None:
    settings = make_settings(database_url=fresh_database_url, auto_migrate=auto_migrate)

    async for client in open_client(create_app(settings)):
        assert (await client.get("/api/health")).status_code == 200

    assert await is_up_to_date(database) is migrated


@pytest.mark.parametrize("migrated_before", [True, False])
@pytest.mark.parametrize(
    "fresh_database_url",
    [pytest.param("postgresql", marks=pytest.mark.postgres)],
    indirect=True,
)
async def test_app_start_without_auto_migrate_warns_only_when_the_schema_is_behind(
    make_settings: SettingsFactory,
    fresh_database_url: str,
    database: Database,
    migrated_before: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if migrated_before:
        await upgrade_to_head(database)
    caplog.set_level(logging.WARNING, logger="interfaces.startup")

    async for _ in open_client(create_app(make_settings(database_url=fresh_database_url))):
        pass

    warned = any("make migrate" in record.getMessage() for record in caplog.records)
    assert warned is not migrated_before


async def test_app_starts_and_serves_while_postgresql_is_unreachable(
    make_settings: SettingsFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="interfaces.startup")
    settings = make_settings(database_url=UNREACHABLE_POSTGRES, db_connect_timeout_seconds=1.0)

    async for client in open_client(create_app(settings)):
        assert (await client.get("/api/health")).status_code == 200

    assert any("unreachable" in record.getMessage() for record in caplog.records)
