"""No user ever reads, changes or lists another user's tasks; two apps never share a store."""

from typing import Any

import httpx
import pytest
import pytest_asyncio

from interfaces.http.app import create_app
from tests.conftest import open_client
from tests.e2e.conftest import SESSION_LOOP, AddTask, Caller, e2e_settings, ids_of
from tests.support.jwks_server import JwksServer

pytestmark = SESSION_LOOP

FORBIDDEN = {"detail": "Not allowed to access this task"}


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("GET", None),
        ("PATCH", {"completed": True}),
        ("PATCH", {"title": "hijacked"}),
        ("DELETE", None),
    ],
)
async def test_returns_403_and_leaves_the_task_alone_when_it_belongs_to_another_user(
    shared_api: httpx.AsyncClient,
    user: Caller,
    other_user: Caller,
    add_task: AddTask,
    method: str,
    body: dict[str, Any] | None,
) -> None:
    created = await add_task(user)
    url = f"/api/tasks/{created['id']}"

    response = await shared_api.request(method, url, json=body, headers=other_user.headers)

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert (await shared_api.get(url, headers=user.headers)).json() == created


async def test_returns_403_not_412_when_another_user_sends_the_current_etag(
    shared_api: httpx.AsyncClient, user: Caller, other_user: Caller, add_task: AddTask
) -> None:
    created = await add_task(user)
    url = f"/api/tasks/{created['id']}"
    etag = (await shared_api.get(url, headers=user.headers)).headers["ETag"]

    response = await shared_api.delete(url, headers={**other_user.headers, "If-Match": etag})

    assert response.status_code == 403
    assert (await shared_api.get(url, headers=user.headers)).status_code == 200


async def test_returns_403_without_etag_when_another_user_sends_if_none_match(
    shared_api: httpx.AsyncClient, user: Caller, other_user: Caller, add_task: AddTask
) -> None:
    created = await add_task(user)
    url = f"/api/tasks/{created['id']}"
    etag = (await shared_api.get(url, headers=user.headers)).headers["ETag"]

    response = await shared_api.get(url, headers={**other_user.headers, "If-None-Match": etag})

    assert response.status_code == 403
    assert "ETag" not in response.headers


@pytest_asyncio.fixture(loop_scope="session")
async def interleaved(
    shared_api: httpx.AsyncClient, user: Caller, other_user: Caller
) -> dict[str, list[int]]:
    """Both users own "milk" tasks with interleaved ids, odd ones completed; ids per user."""
    owned: dict[str, list[int]] = {user.id: [], other_user.id: []}
    for n in range(6):
        for caller in (user, other_user):
            response = await shared_api.post(
                "/api/tasks", json={"title": f"milk {n}"}, headers=caller.headers
            )
            task_id = response.json()["id"]
            owned[caller.id].append(task_id)
            if n % 2:
                await shared_api.patch(
                    f"/api/tasks/{task_id}", json={"completed": True}, headers=caller.headers
                )
    return owned


@pytest.mark.parametrize(
    "path",
    [
        "/api/tasks",
        "/api/tasks?completed=true",
        "/api/tasks?completed=false",
        "/api/tasks?limit=2",
        "/api/tasks?skip=1&limit=3",
        "/api/tasks?after=1",
        "/api/tasks/search?q=milk",
        "/api/tasks/search?q=MILK&completed=true",
        "/api/tasks/search?q=milk&skip=2&limit=2",
    ],
)
async def test_listings_only_ever_show_the_callers_own_tasks(
    shared_api: httpx.AsyncClient, other_user: Caller, interleaved: dict[str, list[int]], path: str
) -> None:
    response = await shared_api.get(path, headers=other_user.headers)

    tasks = response.json()
    assert tasks
    assert {task["user_id"] for task in tasks} == {other_user.id}
    assert set(ids_of(tasks)) <= set(interleaved[other_user.id])


async def test_paging_through_one_users_tasks_sees_all_of_them_and_nothing_else(
    shared_api: httpx.AsyncClient, user: Caller, interleaved: dict[str, list[int]]
) -> None:
    first = await shared_api.get("/api/tasks?limit=4", headers=user.headers)
    second = await shared_api.get(
        f"/api/tasks?limit=4&after={first.headers['X-Next-After']}", headers=user.headers
    )

    assert ids_of(first.json()) + ids_of(second.json()) == interleaved[user.id]


async def test_two_apps_in_one_process_keep_separate_stores(
    shared_jwks: JwksServer, user: Caller
) -> None:
    first_app = create_app(e2e_settings("memory://", shared_jwks.url))
    second_app = create_app(e2e_settings("memory://", shared_jwks.url))

    async for first in open_client(first_app):
        async for second in open_client(second_app):
            created = await first.post(
                "/api/tasks", json={"title": "only here"}, headers=user.headers
            )
            task_id = created.json()["id"]

            assert (await second.get("/api/tasks", headers=user.headers)).json() == []
            assert (
                await second.get(f"/api/tasks/{task_id}", headers=user.headers)
            ).status_code == 404
            assert (await first.get("/api/tasks", headers=user.headers)).json() == [created.json()]
