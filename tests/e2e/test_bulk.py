"""POST /api/tasks/bulk: many tasks at once, all of them or none."""

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import SESSION_LOOP, Caller, ids_of, owned_tasks, parse_utc

pytestmark = SESSION_LOOP


async def test_bulk_returns_201_with_every_task_in_request_order(
    shared_api: httpx.AsyncClient, user: Caller
) -> None:
    items = [{"title": "one"}, {"title": "two", "description": "2"}, {"title": " three "}]

    response = await shared_api.post("/api/tasks/bulk", json=items, headers=user.headers)

    assert response.status_code == 201
    tasks = response.json()
    assert [(t["title"], t["description"]) for t in tasks] == [
        ("one", ""),
        ("two", "2"),
        ("three", ""),
    ]
    assert ids_of(tasks) == sorted(set(ids_of(tasks)))
    assert {task["user_id"] for task in tasks} == {user.id}
    assert {task["completed"] for task in tasks} == {False}
    for task in tasks:
        assert parse_utc(task["created_at"]) == parse_utc(task["updated_at"])


async def test_bulk_tasks_are_stored(shared_api: httpx.AsyncClient, user: Caller) -> None:
    created = (
        await shared_api.post(
            "/api/tasks/bulk", json=[{"title": "a"}, {"title": "b"}], headers=user.headers
        )
    ).json()

    listed = (await shared_api.get("/api/tasks", headers=user.headers)).json()

    assert listed == created


async def test_bulk_accepts_1000_items(shared_api: httpx.AsyncClient, user: Caller) -> None:
    items = [{"title": f"task {n}"} for n in range(1000)]

    response = await shared_api.post("/api/tasks/bulk", json=items, headers=user.headers)

    assert response.status_code == 201
    assert len(response.json()) == 1000
    assert len((await shared_api.get("/api/tasks?limit=1000", headers=user.headers)).json()) == 1000


@pytest.mark.parametrize(
    ("bad_item", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "t" * 256}, "title"),
        ({"title": "nul\x00"}, "title"),
        ({"title": "ok", "description": "d" * 10_001}, "description"),
        ({"title": "ok", "description": "\x00"}, "description"),
        ({"title": "ok", "user_id": "someone-else"}, "user_id"),
        ({"title": "ok", "completed": True}, "completed"),
        ({"description": "no title"}, "title"),
        ({"title": None}, "title"),
    ],
)
async def test_bulk_returns_422_naming_the_item_and_stores_nothing_when_one_item_is_invalid(
    shared_api: httpx.AsyncClient, user: Caller, bad_item: dict[str, Any], field: str
) -> None:
    items = [{"title": "good 1"}, bad_item, {"title": "good 2"}]

    response = await shared_api.post("/api/tasks/bulk", json=items, headers=user.headers)

    assert response.status_code == 422
    assert ["body", 1, field] in [error["loc"] for error in response.json()["detail"]]
    assert await owned_tasks(shared_api, user) == []


@pytest.mark.parametrize("body", [[], {"title": "not a list"}, None, "title", [["nested"]]])
async def test_bulk_returns_422_and_stores_nothing_when_the_body_is_not_a_list_of_tasks(
    shared_api: httpx.AsyncClient, user: Caller, body: Any
) -> None:
    response = await shared_api.post("/api/tasks/bulk", json=body, headers=user.headers)

    assert response.status_code == 422
    assert "detail" in response.json()
    assert await owned_tasks(shared_api, user) == []


async def test_bulk_returns_422_and_stores_nothing_over_1000_items(
    shared_api: httpx.AsyncClient, user: Caller
) -> None:
    items = [{"title": f"task {n}"} for n in range(1001)]

    response = await shared_api.post("/api/tasks/bulk", json=items, headers=user.headers)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]
    assert await owned_tasks(shared_api, user) == []
