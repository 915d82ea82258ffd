"""Idempotency-Key on POST /api/tasks and /api/tasks/bulk: a retry replays, never creates twice."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from fastapi import FastAPI

from application.errors import StorageUnavailableError
from application.idempotency import IdempotencyCompletion
from domain.task import Task, TaskDraft
from interfaces.container import Container
from interfaces.http.app import create_app
from tests.conftest import SettingsFactory, open_client
from tests.e2e.conftest import Headers

TTL_SECONDS = 3600.0
ENDPOINTS = [
    pytest.param("/api/tasks", {"title": "Buy milk", "description": "2 litres"}, id="single"),
    pytest.param("/api/tasks/bulk", [{"title": "Buy milk"}, {"title": "Call Sam"}], id="bulk"),
]


class MovableClock:
    """The app's clock, moved forward by the test to make keys expire."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def now(self) -> datetime:
        return self.at


class GatedRepository:
    """The real repository, except that ``add_many`` waits for ``gate`` (or fails once)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.gate = asyncio.Event()
        self.gate.set()
        self.entered = asyncio.Event()
        self.fail_next = False

    async def add_many(
        self, drafts: list[TaskDraft], idempotency: IdempotencyCompletion | None = None
    ) -> list[Task]:
        self.entered.set()
        await self.gate.wait()
        if self.fail_next:
            self.fail_next = False
            raise StorageUnavailableError("injected")
        tasks: list[Task] = await self.inner.add_many(drafts, idempotency)
        return tasks

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class Rig:
    def __init__(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        self.app, self.client = app, client

    @property
    def container(self) -> Container:
        container: Container = self.app.state.container
        return container

    async def post(self, path: str, body: Any, headers: Headers, key: str | None) -> httpx.Response:
        extra = {} if key is None else {"Idempotency-Key": key}
        return await self.client.post(path, json=body, headers={**headers, **extra})

    async def count(self, headers: Headers) -> int:
        response = await self.client.get("/api/tasks", params={"limit": 1000}, headers=headers)
        assert response.status_code == 200, response.text
        return len(response.json())


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def repository_gate() -> list[GatedRepository]:
    return []


@pytest.fixture
async def rig(
    make_settings: SettingsFactory,
    storage_url: str,
    clock: MovableClock,
    repository_gate: list[GatedRepository],
) -> AsyncIterator[Rig]:
    """The app on each backend, its clock and repository in the test's hands."""
    app = create_app(make_settings(database_url=storage_url, idempotency_ttl_seconds=TTL_SECONDS))
    container: Container = app.state.container
    container.clock.override(providers.Object(clock))
    gated = GatedRepository(container.task_repository())
    container.task_repository.override(providers.Object(gated))
    repository_gate.append(gated)
    async for client in open_client(app):
        yield Rig(app, client)


@pytest.fixture
def gated(rig: Rig, repository_gate: list[GatedRepository]) -> GatedRepository:
    return repository_gate[0]


@pytest.mark.parametrize(("path", "body"), ENDPOINTS)
async def test_a_retry_with_the_same_key_replays_the_first_answer_and_creates_nothing(
    rig: Rig, alice: Headers, path: str, body: Any
) -> None:
    first = await rig.post(path, body, alice, key="retry-1")
    before = await rig.count(alice)

    again = await rig.post(path, body, alice, key="retry-1")

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert {name: again.headers.get(name) for name in ("ETag", "Location")} == {
        name: first.headers.get(name) for name in ("ETag", "Location")
    }
    assert await rig.count(alice) == before == (len(body) if isinstance(body, list) else 1)


async def test_the_replay_is_the_first_answer_even_after_the_task_changed(
    rig: Rig, alice: Headers
) -> None:
    first = await rig.post("/api/tasks", {"title": "Buy milk"}, alice, key="k")
    await rig.client.patch(
        f"/api/tasks/{first.json()['id']}", json={"completed": True}, headers=alice
    )

    again = await rig.post("/api/tasks", {"title": "Buy milk"}, alice, key="k")

    assert again.json() == first.json()
    assert again.json()["completed"] is False


async def test_key_order_and_spacing_of_the_body_do_not_change_the_request(
    rig: Rig, alice: Headers
) -> None:
    headers = {**alice, "Idempotency-Key": "same", "Content-Type": "application/json"}
    first = await rig.client.post(
        "/api/tasks", content=b'{"title":"a","description":"b"}', headers=headers
    )

    again = await rig.client.post(
        "/api/tasks", content=b'{ "description" : "b",\n  "title" : "a" }', headers=headers
    )

    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first.content


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(("/api/tasks", {"title": "a"}), ("/api/tasks", {"title": "b"}), id="title"),
        pytest.param(
            ("/api/tasks", {"title": "a"}),
            ("/api/tasks", {"title": "a", "description": ""}),
            id="extra-field",
        ),
        pytest.param(
            ("/api/tasks/bulk", [{"title": "a"}]),
            ("/api/tasks/bulk", [{"title": "a"}, {"title": "a"}]),
            id="bulk-items",
        ),
        pytest.param(
            ("/api/tasks", {"title": "a"}), ("/api/tasks/bulk", [{"title": "a"}]), id="endpoint"
        ),
    ],
)
async def test_returns_422_and_creates_nothing_when_a_key_is_reused_for_another_request(
    rig: Rig, alice: Headers, first: tuple[str, Any], second: tuple[str, Any]
) -> None:
    await rig.post(*first, alice, key="reused")

    response = await rig.post(*second, alice, key="reused")

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert await rig.count(alice) == 1


async def test_keys_belong_to_one_user(rig: Rig, alice: Headers, bob: Headers) -> None:
    await rig.post("/api/tasks", {"title": "alice's"}, alice, key="shared-key")

    bobs = await rig.post("/api/tasks", {"title": "bob's"}, bob, key="shared-key")
    bobs_again = await rig.post("/api/tasks", {"title": "alice's"}, bob, key="shared-key")

    assert bobs.status_code == 201
    assert "Idempotent-Replayed" not in bobs.headers
    assert bobs.json()["user_id"] == "user-bob"
    assert bobs_again.status_code == 422
    assert await rig.count(bob) == 1


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"a b", id="space"),
        pytest.param(b"tab\tinside", id="tab"),
        pytest.param("caf\u00e9".encode("latin-1"), id="latin-1"),
        pytest.param("\u00e9t\u00e9".encode(), id="utf-8"),
        pytest.param(b"\x7f", id="del"),
        pytest.param(b"k" * 256, id="256-chars"),
    ],
)
async def test_returns_422_for_a_key_that_is_not_1_to_255_visible_ascii_characters(
    rig: Rig, alice: Headers, key: bytes
) -> None:
    headers = [*((name.encode(), value.encode()) for name, value in alice.items())]
    response = await rig.client.post(
        "/api/tasks", json={"title": "a"}, headers=[*headers, (b"Idempotency-Key", key)]
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert await rig.count(alice) == 0


@pytest.mark.parametrize("key", ["k" * 255, "!", "~", "A-Za-z0-9_.:/+=@", "0" * 36])
async def test_accepts_any_key_of_1_to_255_visible_ascii_characters(
    rig: Rig, alice: Headers, key: str
) -> None:
    first = await rig.post("/api/tasks", {"title": "a"}, alice, key=key)
    again = await rig.post("/api/tasks", {"title": "a"}, alice, key=key)

    assert first.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize(("path", "body"), ENDPOINTS)
async def test_returns_409_with_retry_after_while_the_first_request_is_in_progress(
    rig: Rig, gated: GatedRepository, alice: Headers, path: str, body: Any
) -> None:
    gated.gate.clear()
    first = asyncio.create_task(rig.post(path, body, alice, key="slow"))
    await asyncio.wait_for(gated.entered.wait(), timeout=10)

    during = await rig.post(path, body, alice, key="slow")
    gated.gate.set()
    finished = await first
    after = await rig.post(path, body, alice, key="slow")

    assert during.status_code == 409
    assert int(during.headers["Retry-After"]) >= 1
    assert finished.status_code == 201
    assert after.content == finished.content
    assert after.headers["Idempotent-Replayed"] == "true"


async def test_a_failed_create_frees_the_key_for_the_retry(
    rig: Rig, gated: GatedRepository, alice: Headers
) -> None:
    gated.fail_next = True
    failed = await rig.post("/api/tasks", {"title": "a"}, alice, key="flaky")

    retried = await rig.post("/api/tasks", {"title": "a"}, alice, key="flaky")

    assert failed.status_code == 503
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried.headers
    assert await rig.count(alice) == 1


async def test_concurrent_retries_with_one_key_create_exactly_once(
    rig: Rig, alice: Headers
) -> None:
    body = [{"title": f"item {n}"} for n in range(50)]

    responses = await asyncio.gather(
        *(rig.post("/api/tasks/bulk", body, alice, key="storm") for _ in range(10))
    )

    fresh = [
        r for r in responses if r.status_code == 201 and "Idempotent-Replayed" not in r.headers
    ]
    replayed = [r for r in responses if r.headers.get("Idempotent-Replayed") == "true"]
    in_progress = [r for r in responses if r.status_code == 409]
    assert len(fresh) == 1
    assert len(fresh) + len(replayed) + len(in_progress) == 10
    assert all(r.content == fresh[0].content for r in replayed)
    assert await rig.count(alice) == 50


async def test_an_expired_key_runs_the_request_again(
    rig: Rig, clock: MovableClock, alice: Headers
) -> None:
    first = await rig.post("/api/tasks", {"title": "a"}, alice, key="old")
    clock.at += timedelta(seconds=TTL_SECONDS + 1)

    reused = await rig.post("/api/tasks", {"title": "b"}, alice, key="old")

    assert first.status_code == reused.status_code == 201
    assert "Idempotent-Replayed" not in reused.headers
    assert reused.json()["title"] == "b"


async def test_a_key_is_still_replayed_just_before_it_expires(
    rig: Rig, clock: MovableClock, alice: Headers
) -> None:
    first = await rig.post("/api/tasks", {"title": "a"}, alice, key="young")
    clock.at += timedelta(seconds=TTL_SECONDS - 1)

    again = await rig.post("/api/tasks", {"title": "a"}, alice, key="young")

    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first.content


async def test_requests_without_a_key_are_never_deduplicated(rig: Rig, alice: Headers) -> None:
    for _ in range(3):
        assert (await rig.post("/api/tasks", {"title": "a"}, alice, key=None)).status_code == 201

    assert await rig.count(alice) == 3


def test_the_key_header_is_documented_on_both_creates(
    make_settings: SettingsFactory,
) -> None:
    schema = create_app(make_settings()).openapi()

    for path in ("/api/tasks", "/api/tasks/bulk"):
        parameters = schema["paths"][path]["post"]["parameters"]
        assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in parameters)
        assert "409" in schema["paths"][path]["post"]["responses"]


async def test_browsers_may_read_the_replay_header(rig: Rig, alice: Headers) -> None:
    origin = {"Origin": "http://localhost:3000"}
    await rig.post("/api/tasks", {"title": "a"}, {**alice, **origin}, key="cors")

    again = await rig.post("/api/tasks", {"title": "a"}, {**alice, **origin}, key="cors")

    exposed = again.headers["Access-Control-Expose-Headers"].lower().split(", ")
    assert "idempotent-replayed" in exposed
