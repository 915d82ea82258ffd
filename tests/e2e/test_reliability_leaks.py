"""Nothing leaks: no internals in a 500, no credential in any log line, no hint of others' tasks."""

import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from fastapi import FastAPI
from sqlalchemy import text

from interfaces.container import Container
from interfaces.http.app import create_app
from tests.conftest import SettingsFactory, open_client
from tests.e2e.conftest import CreateTask, Headers
from tests.support.keys import SigningKeyPair, better_auth_claims, generate_key
from tests.support.scratch_postgres import ScratchDatabase, scratch_database

INTERNAL_ERROR = {"detail": "Internal Server Error"}
SECRET_SQL = 'SELECT password FROM "secrets" WHERE id = 42'

ENDPOINTS = [
    ("GET", "/api/tasks", None),
    ("GET", "/api/tasks/search?q=milk", None),
    ("GET", "/api/tasks/1", None),
    ("POST", "/api/tasks", {"title": "x"}),
    ("POST", "/api/tasks/bulk", [{"title": "x"}]),
    ("PATCH", "/api/tasks/1", {"completed": True}),
    ("DELETE", "/api/tasks/1", None),
]


class ExplodingRepository:
    """A ``TaskRepository`` whose every call fails like a bug deep in a driver would."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        async def explode(*_: Any, **__: Any) -> Any:
            raise RuntimeError(f"driver bug while running {SECRET_SQL}")

        return explode


def _container(app: FastAPI) -> Container:
    container: Container = app.state.container
    return container


def _log_text(records: list[logging.LogRecord]) -> str:
    """Everything a formatter could write: messages, tracebacks and every extra attribute."""
    formatter = logging.Formatter()
    parts = []
    for record in records:
        parts.append(formatter.format(record))
        parts.extend(repr(value) for value in vars(record).values())
    return "\n".join(parts)


@pytest.fixture
def caplog_everything(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
async def test_unexpected_error_answers_a_bare_500_and_logs_the_traceback(
    make_settings: SettingsFactory,
    alice: Headers,
    caplog_everything: pytest.LogCaptureFixture,
    method: str,
    path: str,
    body: Any,
) -> None:
    app = create_app(make_settings())
    _container(app).task_repository.override(providers.Object(ExplodingRepository()))
    async for client in open_client(app):
        response = await client.request(method, path, json=body, headers=alice)

    assert response.status_code == 500
    assert response.json() == INTERNAL_ERROR
    assert "password" not in response.text
    failures = [record for record in caplog_everything.records if record.exc_info]
    assert any(SECRET_SQL in _log_text([record]) for record in failures)
    assert "Traceback" in _log_text(failures)


@pytest.fixture
def broken_schema_database() -> Iterator[ScratchDatabase]:
    with scratch_database("leaks") as database:
        yield database


@pytest.mark.postgres
async def test_a_real_sql_error_reaches_the_log_but_not_the_client(
    make_settings: SettingsFactory,
    broken_schema_database: ScratchDatabase,
    alice: Headers,
    caplog_everything: pytest.LogCaptureFixture,
) -> None:
    app = create_app(make_settings(database_url=broken_schema_database.url, auto_migrate=True))
    async for client in open_client(app):
        async with _container(app).database().write() as connection:
            await connection.execute(text("DROP TABLE tasks"))
        response = await client.get("/api/tasks", headers=alice)

    assert response.status_code == 500
    assert response.json() == INTERNAL_ERROR
    assert "UndefinedTable" in _log_text(caplog_everything.records)


@pytest.fixture
def foreign_key() -> SigningKeyPair:
    return generate_key("EdDSA")


async def test_no_token_or_authorization_header_is_ever_logged(
    api: httpx.AsyncClient,
    token_for: Callable[..., str],
    foreign_key: SigningKeyPair,
    caplog_everything: pytest.LogCaptureFixture,
) -> None:
    valid = token_for("user-logged")
    tokens = {
        "valid": valid,
        "expired": token_for("user-logged", exp=1_000, iat=500),
        "wrong_audience": token_for("user-logged", aud="https://elsewhere.example"),
        "foreign_key": foreign_key.sign(better_auth_claims("user-logged")),
        "tampered": valid[:-6] + ("AAAAAA" if not valid.endswith("AAAAAA") else "BBBBBB"),
        "garbage": "not-a-jwt-but-a-secret-b7f3c9d2e1",
    }
    for token in tokens.values():
        headers = {"Authorization": f"Bearer {token}"}
        await api.get("/api/tasks", headers=headers)
        await api.post("/api/tasks", json={"title": "logged?"}, headers=headers)
        await api.get("/api/tasks/999999", headers=headers)

    logged = _log_text(caplog_everything.records)
    assert caplog_everything.records, "nothing was logged: the check below would be vacuous"
    for token in tokens.values():
        for fragment in {token, *token.split(".")} - {""}:
            if len(fragment) >= 16:
                assert fragment not in logged
    assert "Bearer" not in logged


async def test_every_foreign_task_gets_the_same_403_answer(
    api: httpx.AsyncClient, alice: Headers, bob: Headers, create_task: CreateTask
) -> None:
    tasks = [
        await create_task(alice, title=f"alice secret {n}", description="x" * n) for n in range(3)
    ]

    answers = {
        _comparable(await api.request(method, f"/api/tasks/{task['id']}", json=body, headers=bob))
        for task in tasks
        for method, body in (("GET", None), ("PATCH", {"completed": True}), ("DELETE", None))
    }

    assert len(answers) == 1
    ((status, body, _),) = answers
    assert status == 403
    assert "alice" not in body


async def test_every_missing_task_gets_the_same_404_answer(
    api: httpx.AsyncClient, alice: Headers, bob: Headers, create_task: CreateTask
) -> None:
    deleted = await create_task(alice)
    await api.delete(f"/api/tasks/{deleted['id']}", headers=alice)
    missing_ids = [deleted["id"], deleted["id"] + 1, 10**6, 2**63 - 1]

    answers = {
        _comparable(await api.request(method, f"/api/tasks/{task_id}", json=body, headers=who))
        for task_id in missing_ids
        for who in (alice, bob)
        for method, body in (("GET", None), ("PATCH", {"completed": True}), ("DELETE", None))
    }

    assert len(answers) == 1
    assert next(iter(answers))[0] == 404


def _comparable(response: httpx.Response) -> tuple[int, str, frozenset[tuple[str, str]]]:
    """Status, body and headers, minus those that differ on every answer by design."""
    varying = {"x-request-id", "date"}
    headers = frozenset(
        (name, value) for name, value in response.headers.items() if name not in varying
    )
    return response.status_code, response.text, headers
