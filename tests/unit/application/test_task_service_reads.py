"""TaskService reads: listing, search, and getting one task (404 before 403)."""

import pytest

from application.errors import InvalidQueryError
from application.paging import TaskQuery
from application.task_service import TaskService
from domain.errors import NotTaskOwnerError, TaskNotFoundError
from domain.task import Task
from tests.unit.application.support import add_titles


def titles(tasks: list[Task]) -> list[str]:
    return [task.title for task in tasks]


async def test_list_returns_only_the_callers_tasks_in_id_order(service: TaskService) -> None:
    await add_titles(service, "alice", "a1")
    await add_titles(service, "bob", "b1")
    await add_titles(service, "alice", "a2", "a3")

    tasks = await service.list_tasks("alice", TaskQuery())

    assert titles(tasks) == ["a1", "a2", "a3"]
    assert [task.id for task in tasks] == sorted(task.id for task in tasks)


async def test_list_is_empty_for_a_user_without_tasks(service: TaskService) -> None:
    await add_titles(service, "alice", "a1")

    assert await service.list_tasks("bob", TaskQuery()) == []


@pytest.mark.parametrize(
    ("completed", "expected"),
    [(None, ["open", "done", "open too"]), (True, ["done"]), (False, ["open", "open too"])],
    ids=["any", "completed", "open"],
)
async def test_list_filters_by_completed(
    service: TaskService, completed: bool | None, expected: list[str]
) -> None:
    await add_titles(service, "alice", "open", "done", "open too", completed=frozenset({"done"}))
    await add_titles(service, "bob", "done", completed=frozenset({"done"}))

    tasks = await service.list_tasks("alice", TaskQuery(completed=completed))

    assert titles(tasks) == expected


@pytest.mark.parametrize(
    ("skip", "limit", "expected"),
    [
        (0, 2, ["t1", "t2"]),
        (2, 2, ["t3", "t4"]),
        (4, 2, ["t5"]),
        (5, 2, []),
        (1, 1000, ["t2", "t3", "t4", "t5"]),
        (2**63 - 1, 1, []),
    ],
    ids=[
        "first-page",
        "second-page",
        "last-partial-page",
        "past-the-end",
        "large-limit",
        "max-skip",
    ],
)
async def test_list_applies_skip_and_limit(
    service: TaskService, skip: int, limit: int, expected: list[str]
) -> None:
    await add_titles(service, "alice", "t1", "t2", "t3", "t4", "t5")

    tasks = await service.list_tasks("alice", TaskQuery(skip=skip, limit=limit))

    assert titles(tasks) == expected


async def test_list_after_returns_only_later_ids(service: TaskService) -> None:
    _, second, _, _ = await add_titles(service, "alice", "t1", "t2", "t3", "t4")

    tasks = await service.list_tasks("alice", TaskQuery(after=second.id))

    assert titles(tasks) == ["t3", "t4"]


async def test_list_after_an_id_of_another_user_still_pages_own_tasks(
    service: TaskService,
) -> None:
    await add_titles(service, "alice", "a1")
    (foreign,) = await add_titles(service, "bob", "b1")
    await add_titles(service, "alice", "a2")

    tasks = await service.list_tasks("alice", TaskQuery(after=foreign.id))

    assert titles(tasks) == ["a2"]


async def test_list_combines_after_skip_limit_and_completed(service: TaskService) -> None:
    tasks = await add_titles(
        service, "alice", "t1", "t2", "t3", "t4", "t5", "t6", completed=frozenset({"t4"})
    )

    page = await service.list_tasks(
        "alice", TaskQuery(completed=False, after=tasks[0].id, skip=1, limit=2)
    )

    assert titles(page) == ["t3", "t5"]


async def test_list_walks_every_task_once_by_keyset_paging(service: TaskService) -> None:
    created = await add_titles(service, "alice", *(f"t{number}" for number in range(7)))
    seen: list[Task] = []
    after: int | None = None
    while page := await service.list_tasks("alice", TaskQuery(after=after, limit=3)):
        seen.extend(page)
        after = page[-1].id

    assert seen == created


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("milk", ["Buy milk", "MILK shake", "milkman"]),
        ("MILK", ["Buy milk", "MILK shake", "milkman"]),
        ("Milk Shake", ["MILK shake"]),
        ("buy", ["Buy milk", "Buy bread"]),
        ("bread", ["Buy bread"]),
        ("cheese", []),
        ("", ["Buy milk", "MILK shake", "milkman", "Buy bread"]),
        (" ", ["Buy milk", "MILK shake", "Buy bread"]),
    ],
    ids=["lower", "upper", "mixed-case-phrase", "prefix", "single", "none", "empty", "space"],
)
async def test_search_matches_title_substrings_ignoring_case(
    service: TaskService, text: str, expected: list[str]
) -> None:
    await add_titles(service, "alice", "Buy milk", "MILK shake", "milkman", "Buy bread")

    assert titles(await service.search("alice", text, TaskQuery())) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("%", ["50% off"]),
        ("50%", ["50% off"]),
        ("_", ["snake_case"]),
        ("e_c", ["snake_case"]),
        ("\\", ["back\\slash"]),
        ("k\\s", ["back\\slash"]),
        ("[a-z]", ["[a-z] class"]),
        ("*", []),
    ],
    ids=[
        "percent",
        "percent-in-text",
        "underscore",
        "underscore-in-text",
        "backslash",
        "backslash-in-text",
        "brackets",
        "star",
    ],
)
async def test_search_treats_wildcard_characters_literally(
    service: TaskService, text: str, expected: list[str]
) -> None:
    await add_titles(
        service,
        "alice",
        "50% off",
        "50 off",
        "snake_case",
        "snakeXcase",
        "back\\slash",
        "backslash",
        "[a-z] class",
        "b class",
    )

    assert titles(await service.search("alice", text, TaskQuery())) == expected


@pytest.mark.parametrize(
    ("stored", "text"),
    [
        ("Straße fegen", "STRASSE"),
        ("STRASSE FEGEN", "straße"),
        ("ÉCOLE primaire", "école"),
        ("école primaire", "ÉCOLE"),
        ("ΟΔΟΣ Αθηνάς", "οδος"),
        ("οδος αθηνάς", "ΟΔΟΣ"),
        ("Ünïcödé", "üNÏcÖdÉ"),
        ("日本語のタスク", "日本語"),
    ],
    ids=[
        "sharp-s-by-ss",
        "ss-by-sharp-s",
        "accented-upper-by-lower",
        "accented-lower-by-upper",
        "greek-capital-by-final-sigma",
        "greek-final-by-capital-sigma",
        "diaereses",
        "cjk",
    ],
)
async def test_search_folds_non_ascii_case(service: TaskService, stored: str, text: str) -> None:
    await add_titles(service, "alice", stored, "unrelated")

    assert titles(await service.search("alice", text, TaskQuery())) == [stored]


async def test_search_never_returns_another_users_tasks(service: TaskService) -> None:
    await add_titles(service, "bob", "Buy milk")
    await add_titles(service, "alice", "Buy bread")

    assert await service.search("alice", "milk", TaskQuery()) == []


async def test_search_applies_completed_filter_and_paging(service: TaskService) -> None:
    tasks = await add_titles(
        service,
        "alice",
        "milk 1",
        "bread",
        "milk 2",
        "milk 3",
        "milk 4",
        completed=frozenset({"milk 3"}),
    )

    page = await service.search(
        "alice", "MILK", TaskQuery(completed=False, after=tasks[0].id, limit=2)
    )

    assert titles(page) == ["milk 2", "milk 4"]


@pytest.mark.parametrize("text", ["milk\x00", "x" * 1001], ids=["nul", "1001-characters"])
async def test_search_refuses_invalid_text(service: TaskService, text: str) -> None:
    with pytest.raises(InvalidQueryError) as caught:
        await service.search("alice", text, TaskQuery())

    assert caught.value.field == "q"


async def test_get_returns_the_callers_task(service: TaskService) -> None:
    (task,) = await add_titles(service, "alice", "Buy milk")

    assert await service.get("alice", task.id) == task


@pytest.mark.parametrize("user_id", ["alice", "bob"])
async def test_get_raises_not_found_for_a_missing_id_whoever_asks(
    service: TaskService, user_id: str
) -> None:
    (task,) = await add_titles(service, "alice", "Buy milk")

    with pytest.raises(TaskNotFoundError) as caught:
        await service.get(user_id, task.id + 1)

    assert caught.value.task_id == task.id + 1


async def test_get_raises_not_found_for_a_deleted_task_of_another_user(
    service: TaskService,
) -> None:
    (task,) = await add_titles(service, "alice", "Buy milk")
    await service.delete("alice", task.id)

    with pytest.raises(TaskNotFoundError):
        await service.get("bob", task.id)


async def test_get_raises_not_owner_for_another_users_task(service: TaskService) -> None:
    (task,) = await add_titles(service, "alice", "Buy milk")

    with pytest.raises(NotTaskOwnerError) as caught:
        await service.get("bob", task.id)

    assert caught.value.task_id == task.id
