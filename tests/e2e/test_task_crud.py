"""Create, read, update and delete one task over HTTP, with ETag preconditions."""

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import SESSION_LOOP, AddTask, Caller, owned_tasks, parse_utc

pytestmark = SESSION_LOOP

TASK_FIELDS = {"id", "title", "description", "completed", "user_id", "created_at", "updated_at"}


async def test_create_returns_201_with_the_task_owned_by_the_token_subject(
    shared_api: httpx.AsyncClient, user: Caller
) -> None:
    response = await shared_api.post(
        "/api/tasks",
        json={"title": "Buy milk", "description": "2 litres"},
        headers=user.headers,
    )

    assert response.status_code == 201
    task = response.json()
    assert set(task) == TASK_FIELDS
    assert task["title"] == "Buy milk"
    assert task["description"] == "2 litres"
    assert task["completed"] is False
    assert task["user_id"] == user.id
    assert isinstance(task["id"], int)
    assert task["id"] >= 1


async def test_create_sends_etag_and_location_of_the_new_task(
    shared_api: httpx.AsyncClient, user: Caller
) -> None:
    response = await shared_api.post("/api/tasks", json={"title": "Buy milk"}, headers=user.headers)

    assert response.headers["Location"] == f"/api/tasks/{response.json()['id']}"
    fetched = await shared_api.get(response.headers["Location"], headers=user.headers)
    assert fetched.headers["ETag"] == response.headers["ETag"]


async def test_create_defaults_description_to_empty(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask
) -> None:
    task = await add_task(user)

    assert task["description"] == ""


async def test_create_trims_the_title(add_task: AddTask, user: Caller) -> None:
    task = await add_task(user, "  Buy milk \n")

    assert task["title"] == "Buy milk"


async def test_create_stamps_equal_utc_timestamps(add_task: AddTask, user: Caller) -> None:
    task = await add_task(user)

    assert parse_utc(task["created_at"]) == parse_utc(task["updated_at"])


@pytest.mark.parametrize("length", [1, 255])
async def test_create_accepts_titles_at_the_length_bounds(
    add_task: AddTask, user: Caller, length: int
) -> None:
    task = await add_task(user, "t" * length)

    assert len(task["title"]) == length


async def test_create_keeps_unicode_text_intact(add_task: AddTask, user: Caller) -> None:
    task = await add_task(user, "Café ☕ 日本語 🚀", description="línea 1\n\tlínea 2 ")

    assert task["title"] == "Café ☕ 日本語 🚀"
    assert task["description"] == "línea 1\n\tlínea 2 "


async def test_get_returns_the_task_with_its_etag(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask
) -> None:
    created = await add_task(user)

    response = await shared_api.get(f"/api/tasks/{created['id']}", headers=user.headers)

    assert response.status_code == 200
    assert response.json() == created
    assert response.headers["ETag"]


async def test_get_returns_404_when_no_such_task(
    shared_api: httpx.AsyncClient, user: Caller
) -> None:
    response = await shared_api.get("/api/tasks/424242", headers=user.headers)

    assert response.status_code == 404
    assert response.json() == {"detail": "Task not found"}


async def test_get_returns_304_without_body_when_if_none_match_is_current(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask
) -> None:
    created = await add_task(user)
    first = await shared_api.get(f"/api/tasks/{created['id']}", headers=user.headers)

    response = await shared_api.get(
        f"/api/tasks/{created['id']}",
        headers={**user.headers, "If-None-Match": first.headers["ETag"]},
    )

    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["ETag"] == first.headers["ETag"]


async def test_get_returns_200_when_if_none_match_is_stale(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask
) -> None:
    created = await add_task(user)
    stale = (await shared_api.get(f"/api/tasks/{created['id']}", headers=user.headers)).headers[
        "ETag"
    ]
    await shared_api.patch(
        f"/api/tasks/{created['id']}", json={"completed": True}, headers=user.headers
    )

    response = await shared_api.get(
        f"/api/tasks/{created['id']}", headers={**user.headers, "If-None-Match": stale}
    )

    assert response.status_code == 200
    assert response.json()["completed"] is True
    assert response.headers["ETag"] != stale


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "Buy oat milk"},
        {"description": "organic"},
        {"description": ""},
        {"completed": True},
        {"title": "Call mum", "description": "Sunday", "completed": True},
    ],
)
async def test_patch_changes_exactly_the_fields_sent(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask, changes: dict[str, Any]
) -> None:
    created = await add_task(user, "Buy milk", description="2 litres")

    response = await shared_api.patch(
        f"/api/tasks/{created['id']}", json=changes, headers=user.headers
    )

    assert response.status_code == 200
    expected = {**created, **changes}
    updated = response.json()
    assert {k: v for k, v in updated.items() if k != "updated_at"} == {
        k: v for k, v in expected.items() if k != "updated_at"
    }
    assert (
        await shared_api.get(f"/api/tasks/{created['id']}", headers=user.headers)
    ).json() == updated


async def test_patch_without_fields_changes_nothing(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask
) -> None:
    created = await add_task(user)
    url = f"/api/tasks/{created['id']}"
    etag = (await shared_api.get(url, headers=user.headers)).headers["ETag"]

    response = await shared_api.patch(url, json={}, headers=user.headers)

    assert response.status_code == 200
    assert response.json() == created
    assert (await shared_api.get(url, headers=user.headers)).headers["ETag"] == etag


async def test_patch_can_reopen_a_completed_task(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask
) -> None:
    created = await add_task(user)
    url = f"/api/tasks/{created['id']}"
    await shared_api.patch(url, json={"completed": True}, headers=user.headers)

    response = await shared_api.patch(url, json={"completed": False}, headers=user.headers)

    assert response.json()["completed"] is False


async def test_patch_advances_updated_at_and_keeps_created_at_and_owner(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask
) -> None:
    created = await add_task(user)

    updated = (
        await shared_api.patch(
            f"/api/tasks/{created['id']}", json={"completed": True}, headers=user.headers
        )
    ).json()

    assert parse_utc(updated["updated_at"]) > parse_utc(created["updated_at"])
    assert updated["created_at"] == created["created_at"]
    assert updated["user_id"] == created["user_id"]
    assert updated["id"] == created["id"]


async def test_patch_sends_a_new_etag(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask
) -> None:
    created = await add_task(user)
    before = (await shared_api.get(f"/api/tasks/{created['id']}", headers=user.headers)).headers[
        "ETag"
    ]

    response = await shared_api.patch(
        f"/api/tasks/{created['id']}", json={"title": "x"}, headers=user.headers
    )

    assert response.headers["ETag"] != before
    after = await shared_api.get(f"/api/tasks/{created['id']}", headers=user.headers)
    assert after.headers["ETag"] == response.headers["ETag"]


async def test_patch_returns_404_when_no_such_task(
    shared_api: httpx.AsyncClient, user: Caller
) -> None:
    response = await shared_api.patch(
        "/api/tasks/424242", json={"completed": True}, headers=user.headers
    )

    assert response.status_code == 404
    assert response.json() == {"detail": "Task not found"}


@pytest.mark.parametrize(
    "changes",
    [
        {"title": None},
        {"title": ""},
        {"title": "   "},
        {"title": "\t\n"},
        {"title": "t" * 256},
        {"description": None},
        {"description": "d" * 10_001},
        {"completed": None},
        {"completed": "maybe"},
        {"title": 123},
    ],
)
async def test_patch_returns_422_and_changes_nothing_when_a_value_is_invalid(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask, changes: dict[str, Any]
) -> None:
    created = await add_task(user)
    url = f"/api/tasks/{created['id']}"

    response = await shared_api.patch(url, json=changes, headers=user.headers)

    assert response.status_code == 422
    field = next(iter(changes))
    assert any(error["loc"][-1] == field for error in response.json()["detail"])
    assert (await shared_api.get(url, headers=user.headers)).json() == created


async def test_patch_returns_412_and_changes_nothing_when_if_match_is_stale(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask
) -> None:
    created = await add_task(user)
    url = f"/api/tasks/{created['id']}"
    stale = (await shared_api.get(url, headers=user.headers)).headers["ETag"]
    current = (await shared_api.patch(url, json={"title": "first"}, headers=user.headers)).json()

    response = await shared_api.patch(
        url, json={"title": "second"}, headers={**user.headers, "If-Match": stale}
    )

    assert response.status_code == 412
    assert "detail" in response.json()
    assert (await shared_api.get(url, headers=user.headers)).json() == current


@pytest.mark.parametrize("if_match", ['"999"', "garbage", '"1", "2", "3"'])
async def test_patch_returns_412_when_if_match_names_no_current_version(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask, if_match: str
) -> None:
    created = await add_task(user)
    url = f"/api/tasks/{created['id']}"
    await shared_api.patch(url, json={"title": "v2"}, headers=user.headers)
    await shared_api.patch(url, json={"title": "v3"}, headers=user.headers)
    await shared_api.patch(url, json={"title": "v4"}, headers=user.headers)

    response = await shared_api.patch(
        url, json={"completed": True}, headers={**user.headers, "If-Match": if_match}
    )

    assert response.status_code == 412


async def test_patch_applies_when_if_match_is_current(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask
) -> None:
    created = await add_task(user)
    url = f"/api/tasks/{created['id']}"
    current = (await shared_api.get(url, headers=user.headers)).headers["ETag"]

    response = await shared_api.patch(
        url, json={"completed": True}, headers={**user.headers, "If-Match": current}
    )

    assert response.status_code == 200
    assert response.json()["completed"] is True


async def test_patch_applies_when_if_match_is_a_wildcard(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask
) -> None:
    created = await add_task(user)

    response = await shared_api.patch(
        f"/api/tasks/{created['id']}",
        json={"completed": True},
        headers={**user.headers, "If-Match": "*"},
    )

    assert response.status_code == 200


async def test_delete_returns_204_and_the_task_is_gone(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask
) -> None:
    created = await add_task(user)
    url = f"/api/tasks/{created['id']}"

    response = await shared_api.delete(url, headers=user.headers)

    assert response.status_code == 204
    assert response.content == b""
    assert (await shared_api.get(url, headers=user.headers)).status_code == 404
    assert await owned_tasks(shared_api, user) == []


async def test_delete_returns_404_when_already_deleted(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask
) -> None:
    created = await add_task(user)
    await shared_api.delete(f"/api/tasks/{created['id']}", headers=user.headers)

    response = await shared_api.delete(f"/api/tasks/{created['id']}", headers=user.headers)

    assert response.status_code == 404
    assert response.json() == {"detail": "Task not found"}


async def test_delete_returns_412_and_keeps_the_task_when_if_match_is_stale(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask
) -> None:
    created = await add_task(user)
    url = f"/api/tasks/{created['id']}"
    stale = (await shared_api.get(url, headers=user.headers)).headers["ETag"]
    current = (await shared_api.patch(url, json={"completed": True}, headers=user.headers)).json()

    response = await shared_api.delete(url, headers={**user.headers, "If-Match": stale})

    assert response.status_code == 412
    assert (await shared_api.get(url, headers=user.headers)).json() == current


async def test_delete_applies_when_if_match_is_current(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask
) -> None:
    created = await add_task(user)
    url = f"/api/tasks/{created['id']}"
    current = (await shared_api.get(url, headers=user.headers)).headers["ETag"]

    response = await shared_api.delete(url, headers={**user.headers, "If-Match": current})

    assert response.status_code == 204
    assert (await shared_api.get(url, headers=user.headers)).status_code == 404


async def test_ids_are_never_reused_after_a_delete(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask
) -> None:
    first = await add_task(user, "one")
    second = await add_task(user, "two")
    await shared_api.delete(f"/api/tasks/{second['id']}", headers=user.headers)

    third = await add_task(user, "three")

    assert third["id"] > second["id"] > first["id"]
