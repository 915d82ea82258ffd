"""Which database a ``DATABASE_URL`` names, and the async driver URL SQLAlchemy needs for it."""

from enum import StrEnum

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

MEMORY_URL = "memory://"


class StorageKind(StrEnum):
    MEMORY = "memory"
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


_ASYNC_DRIVERS = {StorageKind.SQLITE: "aiosqlite", StorageKind.POSTGRESQL: "asyncpg"}


class UnsupportedDatabaseUrlError(ValueError):
    """The URL names a database or driver this service does not run on."""


def storage_kind(url: str) -> StorageKind:
    if url.strip() == MEMORY_URL:
        return StorageKind.MEMORY
    return StorageKind(_parse(url).get_backend_name())


def async_url(url: str) -> URL:
    """Pin the async driver: ``sqlite://`` -> aiosqlite, ``postgresql://`` -> asyncpg."""
    parsed = _parse(url)
    kind = StorageKind(parsed.get_backend_name())
    if kind is StorageKind.POSTGRESQL:
        parsed = _libpq_ssl_to_asyncpg(parsed)
    return parsed.set(drivername=f"{kind.value}+{_ASYNC_DRIVERS[kind]}")


def _libpq_ssl_to_asyncpg(url: URL) -> URL:
    """Hosted PostgreSQL URLs say ``?sslmode=require`` (libpq); asyncpg calls it ``ssl``.

    Passed through unchanged, ``sslmode`` makes every connection attempt raise ``TypeError``.
    """
    if "sslmode" not in url.query:
        return url
    query = dict(url.query)
    mode = query.pop("sslmode")
    query.setdefault("ssl", mode)
    return url.set(query=query)


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    except ArgumentError as error:
        raise UnsupportedDatabaseUrlError(f"not a database URL: {error}") from None
    backend, driver = parsed.get_backend_name(), parsed.get_driver_name()
    if backend not in {kind.value for kind in _ASYNC_DRIVERS}:
        raise UnsupportedDatabaseUrlError(
            f"unsupported database {backend!r}: use sqlite://, postgresql:// or memory://"
        )
    expected = _ASYNC_DRIVERS[StorageKind(backend)]
    if "+" in parsed.drivername and driver != expected:
        raise UnsupportedDatabaseUrlError(
            f"unsupported driver {driver!r} for {backend}: use {backend}+{expected} or none"
        )
    return parsed
