"""E2E fixtures: the app on each storage backend, two users, and small task helpers."""

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from interfaces.http.app import create_app
from tests.conftest import SettingsFactory, open_client

Headers = dict[str, str]
TaskJson = dict[str, Any]
CreateTask = Callable[..., Awaitable[TaskJson]]


@pytest.fixture(params=["memory", "sqlite"])
def storage_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """Placeholder until tests/conftest.py provides ``storage_url`` for every backend."""
    if request.param == "memory":
        return "memory://"
    return f"sqlite:///{tmp_path / 'tasks.db'}"


@pytest.fixture
async def api(
    make_settings: SettingsFactory, storage_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The real app on an empty store of each backend, called over (in-process) HTTP."""
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
    """Create a task through the API (asserting 201) and return its JSON."""

    async def create(headers: Headers, title: str = "Buy milk", **fields: Any) -> TaskJson:
        response = await api.post("/api/tasks", json={"title": title, **fields}, headers=headers)
        assert response.status_code == 201, response.text
        task: TaskJson = response.json()
        return task

    return create


def parse_utc(value: str) -> datetime:
    """An ISO-8601 timestamp that must carry a zero UTC offset."""
    moment = datetime.fromisoformat(value)
    assert moment.utcoffset() == timedelta(0), value
    return moment


def ids_of(tasks: list[TaskJson]) -> list[int]:
    return [task["id"] for task in tasks]
