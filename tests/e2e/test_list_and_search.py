"""Listing, filtering, paging and searching one user's tasks over HTTP."""

import httpx
import pytest

from tests.e2e.conftest import SESSION_LOOP, AddTask, AddTasks, Caller, ids_of

pytestmark = SESSION_LOOP


async def test_list_is_empty_for_a_new_user(shared_api: httpx.AsyncClient, user: Caller) -> None:
    response = await shared_api.get("/api/tasks", headers=user.headers)

    assert response.status_code == 200
    assert response.json() == []
    assert "X-Next-After" not in response.headers


async def test_list_returns_own_tasks_in_id_order(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask
) -> None:
    created = [await add_task(user, title) for title in ("c", "a", "b")]

    response = await shared_api.get("/api/tasks", headers=user.headers)

    assert response.json() == created
    assert ids_of(created) == sorted(ids_of(created))


@pytest.mark.parametrize(
    ("completed", "expected_titles"), [("true", ["done"]), ("false", ["open"])]
)
async def test_list_filters_by_completed(
    shared_api: httpx.AsyncClient,
    user: Caller,
    add_task: AddTask,
    completed: str,
    expected_titles: list[str],
) -> None:
    done = await add_task(user, "done")
    await add_task(user, "open")
    await shared_api.patch(
        f"/api/tasks/{done['id']}", json={"completed": True}, headers=user.headers
    )

    response = await shared_api.get(f"/api/tasks?completed={completed}", headers=user.headers)

    assert [task["title"] for task in response.json()] == expected_titles


async def test_list_limit_defaults_to_100_and_a_full_page_names_the_next_cursor(
    shared_api: httpx.AsyncClient, user: Caller, add_tasks: AddTasks
) -> None:
    created = await add_tasks(user, [f"task {n}" for n in range(101)])

    response = await shared_api.get("/api/tasks", headers=user.headers)

    page = response.json()
    assert ids_of(page) == ids_of(created)[:100]
    assert response.headers["X-Next-After"] == str(page[-1]["id"])


@pytest.mark.parametrize(
    ("skip", "limit", "expected"),
    [(0, 2, [0, 1]), (2, 2, [2, 3]), (4, 2, [4]), (5, 1, []), (1, 1000, [1, 2, 3, 4])],
)
async def test_list_pages_with_skip_and_limit(
    shared_api: httpx.AsyncClient,
    user: Caller,
    add_tasks: AddTasks,
    skip: int,
    limit: int,
    expected: list[int],
) -> None:
    created = await add_tasks(user, ["a", "b", "c", "d", "e"])

    response = await shared_api.get(f"/api/tasks?skip={skip}&limit={limit}", headers=user.headers)

    assert ids_of(response.json()) == [created[index]["id"] for index in expected]


async def test_list_walks_every_task_exactly_once_following_the_next_cursor(
    shared_api: httpx.AsyncClient, user: Caller, add_tasks: AddTasks
) -> None:
    created = await add_tasks(user, [f"task {n}" for n in range(7)])
    seen: list[int] = []
    url = "/api/tasks?limit=3"

    for _ in range(10):
        response = await shared_api.get(url, headers=user.headers)
        seen += ids_of(response.json())
        cursor = response.headers.get("X-Next-After")
        if cursor is None:
            break
        url = f"/api/tasks?limit=3&after={cursor}"

    assert seen == ids_of(created)


async def test_list_sends_no_next_cursor_on_a_partial_page(
    shared_api: httpx.AsyncClient, user: Caller, add_tasks: AddTasks
) -> None:
    await add_tasks(user, ["a", "b"])

    response = await shared_api.get("/api/tasks?limit=3", headers=user.headers)

    assert len(response.json()) == 2
    assert "X-Next-After" not in response.headers


async def test_list_after_combines_with_the_completed_filter(
    shared_api: httpx.AsyncClient, user: Caller, add_tasks: AddTasks
) -> None:
    created = await add_tasks(user, ["a", "b", "c", "d"])
    for task in created[1:]:
        await shared_api.patch(
            f"/api/tasks/{task['id']}", json={"completed": True}, headers=user.headers
        )

    response = await shared_api.get(
        f"/api/tasks?completed=true&after={created[1]['id']}", headers=user.headers
    )

    assert ids_of(response.json()) == ids_of(created[2:])


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=1001",
        "limit=-1",
        "limit=abc",
        "skip=-1",
        "skip=1.5",
        "after=-1",
        "completed=maybe",
    ],
)
async def test_list_returns_422_when_paging_is_out_of_bounds(
    shared_api: httpx.AsyncClient, user: Caller, query: str
) -> None:
    response = await shared_api.get(f"/api/tasks?{query}", headers=user.headers)

    assert response.status_code == 422
    name = query.split("=")[0]
    assert [error["loc"] for error in response.json()["detail"]] == [["query", name]]


@pytest.mark.parametrize("limit", [1, 1000])
async def test_list_accepts_limits_at_the_bounds(
    shared_api: httpx.AsyncClient, user: Caller, limit: int
) -> None:
    response = await shared_api.get(f"/api/tasks?limit={limit}", headers=user.headers)

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("title", "query"),
    [
        ("Buy MILK", "milk"),
        ("buy milk", "MILK"),
        ("École du soir", "ÉCOLE"),
        ("ÉCOLE", "école"),
        ("Straße fegen", "STRASSE"),
        ("ПРИВЕТ мир", "привет"),
        ("ΣΊΣΥΦΟΣ", "σίσυφος"),
        ("Ǆemal", "ǆ"),
    ],
)
async def test_search_ignores_case_for_every_unicode_letter(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask, title: str, query: str
) -> None:
    wanted = await add_task(user, title)
    await add_task(user, "unrelated")

    response = await shared_api.get("/api/tasks/search", params={"q": query}, headers=user.headers)

    assert response.status_code == 200
    assert response.json() == [wanted]


@pytest.mark.parametrize(
    ("query", "expected"),
    [("%", ["100% done"]), ("_", ["snake_case"]), ("\\", ["C:\\temp"]), ("[a]", ["[a] list"])],
)
async def test_search_treats_wildcard_characters_literally(
    shared_api: httpx.AsyncClient,
    user: Caller,
    add_tasks: AddTasks,
    query: str,
    expected: list[str],
) -> None:
    await add_tasks(
        user,
        ["100% done", "100 done", "snake_case", "snakeXcase", "C:\\temp", "[a] list", "a list"],
    )

    response = await shared_api.get("/api/tasks/search", params={"q": query}, headers=user.headers)

    assert [task["title"] for task in response.json()] == expected


async def test_search_matches_anywhere_in_the_title_in_id_order(
    shared_api: httpx.AsyncClient, user: Caller, add_tasks: AddTasks
) -> None:
    created = await add_tasks(user, ["milk first", "no match", "then milk", "a milky way"])

    response = await shared_api.get("/api/tasks/search?q=milk", headers=user.headers)

    assert ids_of(response.json()) == [created[0]["id"], created[2]["id"], created[3]["id"]]


async def test_search_does_not_look_in_descriptions(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask
) -> None:
    await add_task(user, "groceries", description="milk")

    response = await shared_api.get("/api/tasks/search?q=milk", headers=user.headers)

    assert response.json() == []


async def test_search_combines_with_the_completed_filter_and_limit(
    shared_api: httpx.AsyncClient, user: Caller, add_tasks: AddTasks
) -> None:
    created = await add_tasks(user, ["milk 1", "milk 2", "milk 3", "bread"])
    for task in created:
        await shared_api.patch(
            f"/api/tasks/{task['id']}", json={"completed": True}, headers=user.headers
        )

    response = await shared_api.get(
        "/api/tasks/search?q=milk&completed=true&limit=2", headers=user.headers
    )

    assert ids_of(response.json()) == ids_of(created[:2])
    assert response.headers["X-Next-After"] == str(created[1]["id"])


async def test_search_route_is_not_taken_for_a_task_id(
    shared_api: httpx.AsyncClient, user: Caller
) -> None:
    response = await shared_api.get("/api/tasks/search?q=anything", headers=user.headers)

    assert response.status_code == 200
    assert response.json() == []


async def test_search_accepts_a_query_of_1000_characters(
    shared_api: httpx.AsyncClient, user: Caller
) -> None:
    response = await shared_api.get(
        "/api/tasks/search", params={"q": "q" * 1000}, headers=user.headers
    )

    assert response.status_code == 200


@pytest.mark.parametrize("params", [{"q": "q" * 1001}, {}, {"q": ""}, {"q": "a\x00b"}])
async def test_search_returns_422_when_the_query_text_is_invalid(
    shared_api: httpx.AsyncClient, user: Caller, params: dict[str, str]
) -> None:
    response = await shared_api.get("/api/tasks/search", params=params, headers=user.headers)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "q"]
