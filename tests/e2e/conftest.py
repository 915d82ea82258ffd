"""E2E fixtures: the app on every storage backend, signed-in users, and small task helpers.

Two ways to get the app:

- ``api``: a fresh app per test on an empty store of each backend (``storage_url``), with
  ``alice``/``bob`` headers signed by the per-test key. For tests that need a pristine app.
- ``shared_api``: one app per backend for the whole session, with ``user``/``other_user``, who
  are new users in every test. Building and migrating an app per test would eat most of the
  e2e budget on three backends; tests stay independent because nobody else's tasks are ever
  visible to a fresh user. Modules using it run on the session event loop
  (``pytestmark = SESSION_LOOP``), the loop the shared app lives on.
"""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio

from interfaces.http.app import create_app
from interfaces.settings import Settings
from tests.conftest import STORAGE_BACKENDS, SettingsFactory, open_client
from tests.support.jwks_server import JwksServer
from tests.support.keys import ISSUER, SigningKeyPair, better_auth_claims, generate_key
from tests.support.scratch_postgres import scratch_database

Headers = dict[str, str]
TaskJson = dict[str, Any]
CreateTask = Callable[..., Awaitable[TaskJson]]
AddTask = Callable[..., Awaitable[TaskJson]]
AddTasks = Callable[..., Awaitable[list[TaskJson]]]

SESSION_LOOP = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
async def api(make_settings: SettingsFactory, storage_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A fresh app on an empty store of each backend, called over (in-process) HTTP."""
    async for http_client in open_client(create_app(make_settings(database_url=storage_url))):
        yield http_client


@pytest.fixture
def alice(auth_headers: Callable[[str], Headers]) -> Headers:
    return auth_headers("user-alice")


@pytest.fixture
def bob(auth_headers: Callable[[str], Headers]) -> Headers:
    return auth_headers("user-bob")


@pytest.fixture
def create_task(api: httpx.AsyncClient) -> CreateTask:
    """Create a task through ``api`` (asserting 201) and return its JSON."""

    async def create(headers: Headers, title: str = "Buy milk", **fields: Any) -> TaskJson:
        response = await api.post("/api/tasks", json={"title": title, **fields}, headers=headers)
        assert response.status_code == 201, response.text
        task: TaskJson = response.json()
        return task

    return create


@dataclass(frozen=True)
class Caller:
    """A signed-in user: the token's subject and the headers carrying the token."""

    id: str
    headers: Headers


@pytest.fixture(scope="session")
def shared_signing_key() -> SigningKeyPair:
    return generate_key("EdDSA")


@pytest.fixture(scope="session")
def shared_jwks(shared_signing_key: SigningKeyPair) -> Iterator[JwksServer]:
    """A JWKS no test stops or breaks: the shared apps depend on it."""
    server = JwksServer().start()
    server.publish(shared_signing_key.public_jwk)
    yield server
    server.stop()


@pytest.fixture(scope="session", params=STORAGE_BACKENDS)
def shared_storage_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A DATABASE_URL for a store of each backend, empty at first and kept for the session.

    Like ``storage_url`` (same backends and ids), but session-wide; PostgreSQL gets a scratch
    database of its own, so no other test's table reset can interfere with the shared app.
    """
    if request.param == "memory":
        yield "memory://"
    elif request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'tasks.db'}"
    else:
        with scratch_database("e2e") as database:
            yield database.url


def e2e_settings(database_url: str, jwks_url: str, **overrides: Any) -> Settings:
    """Settings as a deployment sets them, with short JWKS timeouts and the schema migrated."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "better_auth_url": ISSUER,
        "jwks_url": jwks_url,
        "auto_migrate": True,
        "jwks_min_refetch_interval_seconds": 0.2,
        "jwks_fetch_timeout_seconds": 2.0,
        **overrides,
    }
    return Settings(_env_file=None, **values)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def shared_api(
    shared_storage_url: str, shared_jwks: JwksServer
) -> AsyncIterator[httpx.AsyncClient]:
    """The real app on each backend for the whole session, called over (in-process) HTTP."""
    app = create_app(e2e_settings(shared_storage_url, shared_jwks.url))
    async for http_client in open_client(app):
        yield http_client


@pytest.fixture
def new_caller(shared_signing_key: SigningKeyPair) -> Callable[[str], Caller]:
    """A user no other test uses, with a valid token for the shared apps."""

    def sign_in(name: str) -> Caller:
        subject = f"{name}-{uuid.uuid4().hex[:12]}"
        token = shared_signing_key.sign(better_auth_claims(subject))
        return Caller(subject, {"Authorization": f"Bearer {token}"})

    return sign_in


@pytest.fixture
def user(new_caller: Callable[[str], Caller]) -> Caller:
    return new_caller("user")


@pytest.fixture
def other_user(new_caller: Callable[[str], Caller]) -> Caller:
    return new_caller("other")


@pytest.fixture
def add_task(shared_api: httpx.AsyncClient) -> AddTask:
    """Create a task through ``shared_api`` (asserting 201) and return its JSON."""

    async def create(caller: Caller, title: str = "Buy milk", **fields: Any) -> TaskJson:
        body = {"title": title, **fields}
        response = await shared_api.post("/api/tasks", json=body, headers=caller.headers)
        assert response.status_code == 201, response.text
        task: TaskJson = response.json()
        return task

    return create


@pytest.fixture
def add_tasks(shared_api: httpx.AsyncClient) -> AddTasks:
    """Create tasks with these titles in one bulk call (asserting 201); returns them in order."""

    async def create(caller: Caller, titles: list[str]) -> list[TaskJson]:
        items = [{"title": title} for title in titles]
        response = await shared_api.post("/api/tasks/bulk", json=items, headers=caller.headers)
        assert response.status_code == 201, response.text
        tasks: list[TaskJson] = response.json()
        return tasks

    return create


async def owned_tasks(api: httpx.AsyncClient, caller: Caller) -> list[TaskJson]:
    """Every task the caller owns (up to 1000)."""
    response = await api.get("/api/tasks?limit=1000", headers=caller.headers)
    assert response.status_code == 200, response.text
    tasks: list[TaskJson] = response.json()
    return tasks


def parse_utc(value: str) -> datetime:
    """An ISO-8601 timestamp that must carry a zero UTC offset."""
    moment = datetime.fromisoformat(value)
    assert moment.utcoffset() == timedelta(0), value
    return moment


def ids_of(tasks: list[TaskJson]) -> list[int]:
    return [task["id"] for task in tasks]
