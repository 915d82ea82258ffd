"""Lost updates: racing PATCHes through the app never silently overwrite each other."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from dependency_injector import providers

from domain.task import Task
from interfaces.container import Container
from interfaces.http.app import create_app
from tests.conftest import SettingsFactory, open_client
from tests.e2e.conftest import Headers, TaskJson
from tests.support.jwks_server import JwksServer
from tests.support.keys import ISSUER
from tests.support.scratch_postgres import scratch_database
from tests.support.uvicorn_server import UvicornServer

RENDEZVOUS_TIMEOUT_SECONDS = 10.0


class RendezvousRepository:
    """The real repository, except that the first ``expected`` writes wait for each other.

    Every racer has read the task (same version) before any of them writes, which is the
    worst interleaving: without compare-and-set in the store, every write would "win".
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.expected = 0
        self.arrived = 0
        self.all_arrived = asyncio.Event()

    def expect(self, racers: int) -> None:
        self.expected, self.arrived = racers, 0
        self.all_arrived.clear()

    async def replace(self, task: Task, expected_version: int) -> bool:
        if self.expected:
            self.arrived += 1
            if self.arrived >= self.expected:
                self.all_arrived.set()
            await asyncio.wait_for(self.all_arrived.wait(), RENDEZVOUS_TIMEOUT_SECONDS)
        result: bool = await self.inner.replace(task, expected_version)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class Race:
    def __init__(self, client: httpx.AsyncClient, rendezvous: RendezvousRepository) -> None:
        self.client, self.rendezvous = client, rendezvous

    async def create(self, headers: Headers) -> TaskJson:
        response = await self.client.post(
            "/api/tasks", json={"title": "original", "description": "original"}, headers=headers
        )
        assert response.status_code == 201, response.text
        task: TaskJson = response.json()
        return task

    async def patch_all(
        self, task_id: int, bodies: list[dict[str, Any]], headers: Headers
    ) -> list[httpx.Response]:
        return await asyncio.gather(
            *(self.client.patch(f"/api/tasks/{task_id}", json=b, headers=headers) for b in bodies)
        )


@pytest.fixture
async def race(make_settings: SettingsFactory, storage_url: str) -> AsyncIterator[Race]:
    app = create_app(make_settings(database_url=storage_url))
    container: Container = app.state.container
    rendezvous = RendezvousRepository(container.task_repository())
    container.task_repository.override(providers.Object(rendezvous))
    async for client in open_client(app):
        yield Race(client, rendezvous)


async def test_of_two_patches_with_the_same_if_match_one_wins_and_the_other_gets_412(
    race: Race, alice: Headers
) -> None:
    task = await race.create(alice)
    race.rendezvous.expect(2)
    headers = {**alice, "If-Match": '"1"'}

    responses = await race.patch_all(
        task["id"], [{"title": "from client A"}, {"title": "from client B"}], headers
    )
    final = await race.client.get(f"/api/tasks/{task['id']}", headers=alice)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200, 412]
    (winner,) = [response for response in responses if response.status_code == 200]
    (loser,) = [response for response in responses if response.status_code == 412]
    assert final.json() == winner.json()
    assert final.headers["ETag"] == winner.headers["ETag"] == loser.headers["ETag"] == '"2"'


async def test_of_many_patches_with_the_same_if_match_exactly_one_wins(
    race: Race, alice: Headers
) -> None:
    task = await race.create(alice)
    headers = {**alice, "If-Match": '"1"'}

    responses = await race.patch_all(
        task["id"], [{"title": f"client {n}"} for n in range(20)], headers
    )
    final = await race.client.get(f"/api/tasks/{task['id']}", headers=alice)

    winners = [response for response in responses if response.status_code == 200]
    assert len(winners) == 1
    assert sorted(r.status_code for r in responses if r not in winners) == [412] * 19
    assert final.json()["title"] == winners[0].json()["title"]


FIELD_CHANGES: list[dict[str, Any]] = [
    {"title": "new title"},
    {"description": "new description"},
    {"completed": True},
]


async def test_concurrent_patches_of_different_fields_without_if_match_lose_none(
    race: Race, alice: Headers
) -> None:
    task = await race.create(alice)
    race.rendezvous.expect(len(FIELD_CHANGES))

    responses = await race.patch_all(task["id"], FIELD_CHANGES, alice)
    final = await race.client.get(f"/api/tasks/{task['id']}", headers=alice)

    assert [response.status_code for response in responses] == [200] * len(FIELD_CHANGES)
    assert final.json() | {"title": "new title", "description": "new description"} == final.json()
    assert final.json()["completed"] is True
    assert final.headers["ETag"] == f'"{1 + len(FIELD_CHANGES)}"'


async def test_unsynchronised_patches_of_different_fields_lose_none(
    race: Race, alice: Headers
) -> None:
    tasks = [await race.create(alice) for _ in range(5)]

    rounds = await asyncio.gather(
        *(race.patch_all(task["id"], FIELD_CHANGES, alice) for task in tasks)
    )
    finals = [
        (await race.client.get(f"/api/tasks/{task['id']}", headers=alice)).json() for task in tasks
    ]

    assert {r.status_code for responses in rounds for r in responses} == {200}
    assert all(
        (final["title"], final["description"], final["completed"])
        == ("new title", "new description", True)
        for final in finals
    )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def served(
    request: pytest.FixtureRequest, jwks_server: JwksServer, tmp_path: Path
) -> AsyncIterator[UvicornServer]:
    """The service as deployed: a uvicorn process on a fresh database, reached over TCP."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'race.db'}"
        else:
            url = stack.enter_context(scratch_database("race")).url
        server = UvicornServer(
            env={
                "DATABASE_URL": url,
                "AUTO_MIGRATE": "true",
                "BETTER_AUTH_URL": ISSUER,
                "JWKS_URL": jwks_server.url,
                "LOG_LEVEL": "WARNING",
            },
            workdir=tmp_path,
        )
        try:
            yield await server.start()
        finally:
            await server.stop()


async def test_over_tcp_two_clients_with_the_same_if_match_get_one_200_and_412s(
    served: UvicornServer, alice: Headers
) -> None:
    async with (
        httpx.AsyncClient(base_url=served.url, timeout=10) as first,
        httpx.AsyncClient(base_url=served.url, timeout=10) as second,
    ):
        created = await first.post("/api/tasks", json={"title": "original"}, headers=alice)
        url = f"/api/tasks/{created.json()['id']}"
        headers = {**alice, "If-Match": created.headers["ETag"]}
        responses = await asyncio.gather(
            *(
                client.patch(url, json={"title": f"client {n}"}, headers=headers)
                for n in range(5)
                for client in (first, second)
            )
        )
        final = await second.get(url, headers=alice)

    winners = [response for response in responses if response.status_code == 200]
    assert len(winners) == 1
    assert sorted(r.status_code for r in responses if r not in winners) == [412] * 9
    assert final.json() == winners[0].json()
