"""DATABASE_URL forms: which store they name and the async driver URL each becomes."""

import pytest

from infrastructure.persistence.urls import (
    StorageKind,
    UnsupportedDatabaseUrlError,
    async_url,
    storage_kind,
)


@pytest.mark.parametrize(
    ("url", "driver_url"),
    [
        ("postgresql://u:p@db:5432/tasks", "postgresql+asyncpg://u:p@db:5432/tasks"),
        ("postgresql+asyncpg://u:p@db/tasks", "postgresql+asyncpg://u:p@db/tasks"),
        ("postgres://u:p@db/tasks", "postgresql+asyncpg://u:p@db/tasks"),
        ("postgresql://u@db/tasks?sslmode=require", "postgresql+asyncpg://u@db/tasks?ssl=require"),
        (
            "postgresql://u@db/t?ssl=verify-full&sslmode=x",
            "postgresql+asyncpg://u@db/t?ssl=verify-full",
        ),
        ("sqlite:///./app.db", "sqlite+aiosqlite:///./app.db"),
        ("sqlite+aiosqlite:////var/lib/tasks.db", "sqlite+aiosqlite:////var/lib/tasks.db"),
    ],
)
def test_async_url_pins_the_async_driver(url: str, driver_url: str) -> None:
    assert async_url(url).render_as_string(hide_password=False) == driver_url


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("memory://", StorageKind.MEMORY),
        ("sqlite://", StorageKind.SQLITE),
        ("postgresql+asyncpg://u@db/tasks", StorageKind.POSTGRESQL),
        ("postgres://u@db/tasks", StorageKind.POSTGRESQL),
    ],
)
def test_storage_kind_names_the_backend(url: str, kind: StorageKind) -> None:
    assert storage_kind(url) is kind


@pytest.mark.parametrize(
    "url", ["mysql://u@db/tasks", "postgresql+psycopg2://u@db/tasks", "sqlite+pysqlite:///x.db"]
)
def test_unsupported_databases_and_drivers_are_refused(url: str) -> None:
    with pytest.raises(UnsupportedDatabaseUrlError):
        async_url(url)
