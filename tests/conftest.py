"""Shared fixtures: signing keys, a loopback JWKS, settings, and apps reached over HTTP."""

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from interfaces.http.app import create_app
from interfaces.settings import Settings
from tests.support.jwks_server import JwksServer
from tests.support.keys import ISSUER, SigningKeyPair, better_auth_claims, generate_key
from tests.support.postgres import (
    PostgresUnavailableError,
    create_database,
    drop_database,
    empty_tables,
    migrate,
    run_blocking,
)

SettingsFactory = Callable[..., Settings]


@pytest.fixture
def signing_key() -> SigningKeyPair:
    return generate_key("EdDSA")


@pytest.fixture
def jwks_server(signing_key: SigningKeyPair) -> Iterator[JwksServer]:
    server = JwksServer().start()
    server.publish(signing_key.public_jwk)
    yield server
    server.stop()


@pytest.fixture
def make_settings(jwks_server: JwksServer) -> SettingsFactory:
    """Settings as a deployment would set them, pointing at the loopback JWKS."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": "memory://",
            "better_auth_url": ISSUER,
            "jwks_url": jwks_server.url,
            "jwks_min_refetch_interval_seconds": 0.2,
            "jwks_fetch_timeout_seconds": 2.0,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return build


@pytest.fixture
def token_for(signing_key: SigningKeyPair) -> Callable[..., str]:
    """A valid Better-Auth-shaped token for a user; claim overrides break it on purpose."""

    def sign(subject: str = "user-a", **overrides: Any) -> str:
        return signing_key.sign(better_auth_claims(subject, **overrides))

    return sign


@pytest.fixture
def auth_headers(token_for: Callable[..., str]) -> Callable[[str], dict[str, str]]:
    def headers(subject: str = "user-a") -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(subject)}"}

    return headers


async def open_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        LifespanManager(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
            base_url="http://testserver",
        ) as client,
    ):
        yield client


@pytest.fixture
async def client(make_settings: SettingsFactory) -> AsyncIterator[httpx.AsyncClient]:
    """The real app on the in-memory store, called over (in-process) HTTP."""
    async for http_client in open_client(create_app(make_settings())):
        yield http_client


# Storage backends. PostgreSQL tests run in one fresh database per test session, created on
# the server TEST_POSTGRES_URL names (default: the local one) and dropped at the end.

STORAGE_BACKENDS = ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of this session's own PostgreSQL database, fresh and migrated to the newest schema.

    An unreachable server FAILS the test, never skips it: a green run must mean the production
    database was exercised. Without a server, deselect explicitly with ``-m "not postgres"``.
    """
    try:
        url = run_blocking(create_database)
    except PostgresUnavailableError as error:
        pytest.fail(
            f"PostgreSQL is unreachable ({error}): start it (`make postgres`), point "
            "TEST_POSTGRES_URL at a server, or deselect these tests with -m 'not postgres'",
            pytrace=False,
        )
    try:
        run_blocking(lambda: migrate(url))
        yield url
    finally:
        run_blocking(lambda: drop_database(url))


@pytest.fixture
def empty_postgres_url(postgres_url: str) -> str:
    """The session's PostgreSQL database with every table emptied, ids starting again at 1."""
    run_blocking(lambda: empty_tables(postgres_url))
    return postgres_url


@pytest.fixture(params=STORAGE_BACKENDS)
def storage_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A ``DATABASE_URL`` for an empty store, once per backend (ids memory, sqlite, postgresql).

    - memory: ``memory://``.
    - sqlite: a file in ``tmp_path`` that does not exist yet; the app creates it and migrates it
      at start (AUTO_MIGRATE defaults to on for SQLite), so app tests exercise the migrations.
    - postgresql: the session database, already migrated, every table emptied for this test.
    """
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tasks.db'}"
    url: str = request.getfixturevalue("empty_postgres_url")
    return url
