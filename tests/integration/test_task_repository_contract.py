"""The TaskRepository contract, run unchanged against memory, SQLite and PostgreSQL."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import DBAPIError

from application.paging import TaskQuery
from application.ports import TaskRepository
from application.task_service import NewTask, TaskService
from domain.errors import InvalidTaskError
from domain.rules import normalize_search_text
from domain.task import Task, TaskDraft
from infrastructure.clock import SystemClock
from infrastructure.persistence.database import Database
from infrastructure.persistence.memory import InMemoryTaskRepository
from infrastructure.persistence.migrations import upgrade_to_head
from infrastructure.persistence.sql_tasks import SqlTaskRepository
from infrastructure.persistence.urls import StorageKind, storage_kind

SQL_BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
NOW = datetime(2025, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
ALICE = "user-alice"
BOB = "user-bob"


@pytest.fixture
async def repository(storage_url: str) -> AsyncIterator[TaskRepository]:
    """An empty repository of each backend (``storage_url`` is parametrized in conftest)."""
    if storage_kind(storage_url) is StorageKind.MEMORY:
        yield InMemoryTaskRepository()
        return
    database = Database(storage_url)
    if database.kind is StorageKind.SQLITE:
        await upgrade_to_head(database)  # PostgreSQL's session database is migrated already
    yield SqlTaskRepository(database)
    await database.dispose()


def draft(title: str = "Buy milk", owner: str = ALICE, at: datetime = NOW) -> TaskDraft:
    return TaskDraft.new(owner, title, "", at)


async def add_titles(repository: TaskRepository, *titles: str, owner: str = ALICE) -> list[Task]:
    return [await repository.add(draft(title, owner)) for title in titles]


async def owned(repository: TaskRepository, owner: str = ALICE, **query: object) -> list[Task]:
    return await repository.find_owned(owner, TaskQuery(**query))  # type: ignore[arg-type]


# --- add / get ------------------------------------------------------------------------------


async def test_add_returns_the_draft_with_an_id_and_version_1(repository: TaskRepository) -> None:
    new = TaskDraft.new(ALICE, "Buy milk", "two litres", NOW)

    task = await repository.add(new)

    assert task == Task.from_draft(task.id, new)
    assert task.version == 1


async def test_get_returns_the_task_as_added(repository: TaskRepository) -> None:
    task = await repository.add(draft())

    assert await repository.get(task.id) == task


async def test_get_returns_none_for_an_unknown_id(repository: TaskRepository) -> None:
    await repository.add(draft())

    assert await repository.get(987_654) is None


async def test_ids_are_never_reused_after_the_newest_task_is_removed(
    repository: TaskRepository,
) -> None:
    first, second = await add_titles(repository, "one", "two")
    assert await repository.remove(second.id, expected_version=1)

    third = await repository.add(draft("three"))

    assert third.id > second.id > first.id


async def test_add_many_returns_tasks_in_draft_order_with_increasing_ids(
    repository: TaskRepository,
) -> None:
    titles = [f"task {index}" for index in range(20)]

    tasks = await repository.add_many([draft(title) for title in titles])

    assert [task.title for task in tasks] == titles
    assert [task.id for task in tasks] == sorted({task.id for task in tasks})
    assert await owned(repository) == tasks


async def test_fifty_concurrent_adds_are_all_stored_with_distinct_ids(
    repository: TaskRepository,
) -> None:
    tasks = await asyncio.gather(*(repository.add(draft(f"task {i}")) for i in range(50)))

    ids = {task.id for task in tasks}
    assert len(ids) == 50
    assert {task.id for task in await owned(repository)} == ids


# --- timestamps -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2025, 3, 4, 5, 6, 7, 123456, tzinfo=UTC),
        datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
        datetime(2038, 1, 19, 3, 14, 8, tzinfo=UTC),
    ],
    ids=["ordinary", "leap-day-last-microsecond", "one-microsecond", "after-2038"],
)
async def test_timestamps_come_back_as_the_same_utc_instant_to_the_microsecond(
    repository: TaskRepository, moment: datetime
) -> None:
    task = await repository.add(draft(at=moment))

    stored = await repository.get(task.id)

    assert stored is not None
    for value in (stored.created_at, stored.updated_at):
        assert value == moment
        assert value.utcoffset() == timedelta(0)
        assert value.microsecond == moment.microsecond


async def test_a_timestamp_with_another_offset_comes_back_as_the_same_instant(
    repository: TaskRepository,
) -> None:
    local = datetime(2025, 6, 1, 9, 30, 0, 654321, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    task = await repository.add(draft(at=local))

    stored = await repository.get(task.id)

    assert stored is not None
    assert stored.created_at == local
    assert stored.created_at.utcoffset() is not None


# --- listing: owner, order, filters, paging -------------------------------------------------


async def test_find_owned_returns_only_the_owners_tasks_in_ascending_id_order(
    repository: TaskRepository,
) -> None:
    mine = await add_titles(repository, "a", "b")
    await add_titles(repository, "not mine", owner=BOB)
    mine += await add_titles(repository, "c")

    assert await owned(repository) == mine


async def test_find_owned_keeps_id_order_after_an_older_task_changes(
    repository: TaskRepository,
) -> None:
    tasks = await add_titles(repository, "a", "b", "c")
    changed = replace(tasks[0], title="a, changed", version=2, updated_at=NOW + timedelta(hours=1))
    assert await repository.replace(changed, expected_version=1)

    assert [task.id for task in await owned(repository)] == [task.id for task in tasks]


async def test_find_owned_returns_nothing_for_a_user_without_tasks(
    repository: TaskRepository,
) -> None:
    await add_titles(repository, "a")

    assert await owned(repository, owner="user-nobody") == []


@pytest.mark.parametrize(
    ("completed", "expected_titles"),
    [(True, ["done"]), (False, ["open 1", "open 2"]), (None, ["open 1", "done", "open 2"])],
)
async def test_completed_filter_selects_by_completion(
    repository: TaskRepository, completed: bool | None, expected_titles: list[str]
) -> None:
    _, done, _ = await add_titles(repository, "open 1", "done", "open 2")
    assert await repository.replace(replace(done, completed=True, version=2), expected_version=1)
    await add_titles(repository, "bob's done", owner=BOB)

    found = await owned(repository, completed=completed)

    assert [task.title for task in found] == expected_titles


@pytest.mark.parametrize(
    ("skip", "limit", "after_index", "expected_indexes"),
    [
        (0, 1, None, [0]),
        (0, 100, None, [0, 1, 2, 3, 4]),
        (2, 2, None, [2, 3]),
        (4, 10, None, [4]),
        (5, 10, None, []),
        (1000, 10, None, []),
        (0, 2, 1, [2, 3]),
        (0, 100, 4, []),
        (1, 2, 0, [2, 3]),
    ],
    ids=[
        "limit-1",
        "everything",
        "skip-and-limit",
        "last-page-short",
        "skip-to-end",
        "skip-past-end",
        "after-keyset",
        "after-last",
        "after-and-skip",
    ],
)
async def test_paging_returns_the_requested_slice(
    repository: TaskRepository,
    skip: int,
    limit: int,
    after_index: int | None,
    expected_indexes: list[int],
) -> None:
    tasks = await add_titles(repository, *"abcde")
    after = None if after_index is None else tasks[after_index].id

    found = await owned(repository, skip=skip, limit=limit, after=after)

    assert found == [tasks[index] for index in expected_indexes]


async def test_after_an_id_beyond_every_task_returns_nothing(repository: TaskRepository) -> None:
    await add_titles(repository, "a")

    assert await owned(repository, after=2**63 - 1) == []


# --- search ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "text", "matches"),
    [
        ("Buy MILK today", "milk", True),
        ("école du soir", "ÉCOLE", True),
        ("ÉCOLE DU SOIR", "école", True),
        ("Straße fegen", "STRASSE", True),
        ("STRASSE FEGEN", "straße", True),
        ("Οδυσσεύς", "ΟΔΥΣΣΕΎΣ", True),
        ("ΣΟΦΙΑ", "σοφια", True),
        ("Ünïcödé", "ÜNÏCÖDÉ", True),
        ("100% done", "0% d", True),
        ("1000 done", "0% d", False),
        ("nothing special", "%", False),
        ("snake_case", "e_c", True),
        ("snakeXcase", "e_c", False),
        ("C:\\temp", "\\t", True),
        ("C:temp", "\\t", False),
        ("back\\slash", "\\", True),
        ("no slash", "\\", False),
        ("Buy milk", "bread", False),
        ("Buy milk", "", True),
    ],
)
async def test_search_matches_a_case_insensitive_literal_substring(
    repository: TaskRepository, title: str, text: str, matches: bool
) -> None:
    task = await repository.add(draft(title))

    found = await owned(repository, search_key=normalize_search_text(text))

    assert found == ([task] if matches else [])


async def test_search_never_returns_another_users_task(repository: TaskRepository) -> None:
    await add_titles(repository, "milk for bob", owner=BOB)
    mine = await add_titles(repository, "milk for alice")

    assert await owned(repository, search_key="milk") == mine


async def test_search_combines_with_the_completed_filter_and_paging(
    repository: TaskRepository,
) -> None:
    tasks = await add_titles(repository, "milk 1", "milk 2", "bread", "milk 3", "milk 4")
    for task in tasks[1:]:
        assert await repository.replace(replace(task, completed=True, version=2), 1)

    found = await owned(repository, search_key="milk", completed=True, skip=1, limit=1)

    assert found == [replace(tasks[3], completed=True, version=2)]


# --- replace / remove: compare-and-set ------------------------------------------------------


async def test_replace_stores_the_new_values_when_the_version_matches(
    repository: TaskRepository,
) -> None:
    task = await repository.add(draft())
    changed = replace(
        task,
        title="Buy oat milk",
        description="the barista one",
        completed=True,
        updated_at=NOW + timedelta(minutes=5, microseconds=7),
        version=2,
    )

    assert await repository.replace(changed, expected_version=1) is True
    assert await repository.get(task.id) == changed
    assert await owned(repository, search_key="oat") == [changed]


@pytest.mark.parametrize("stale_version", [0, 2, 99])
async def test_replace_returns_false_and_changes_nothing_on_a_stale_version(
    repository: TaskRepository, stale_version: int
) -> None:
    task = await repository.add(draft())

    applied = await repository.replace(replace(task, title="lost", version=3), stale_version)

    assert applied is False
    assert await repository.get(task.id) == task


async def test_replace_with_the_version_before_the_last_change_returns_false(
    repository: TaskRepository,
) -> None:
    task = await repository.add(draft())
    assert await repository.replace(replace(task, title="first", version=2), expected_version=1)

    assert await repository.replace(replace(task, title="second", version=2), 1) is False
    stored = await repository.get(task.id)
    assert stored is not None
    assert stored.title == "first"


async def test_replace_returns_false_for_a_missing_task(repository: TaskRepository) -> None:
    task = await repository.add(draft())
    assert await repository.remove(task.id, expected_version=1)

    assert await repository.replace(replace(task, version=2), expected_version=1) is False
    assert await repository.get(task.id) is None


async def test_replace_never_changes_the_owner_or_creation_time(
    repository: TaskRepository,
) -> None:
    task = await repository.add(draft())
    hijack = replace(
        task, owner_id=BOB, created_at=NOW - timedelta(days=1), title="mine now", version=2
    )

    assert await repository.replace(hijack, expected_version=1)

    stored = await repository.get(task.id)
    assert stored is not None
    assert (stored.owner_id, stored.created_at, stored.title) == (ALICE, NOW, "mine now")
    assert await owned(repository, owner=BOB) == []


async def test_remove_deletes_the_task_when_the_version_matches(
    repository: TaskRepository,
) -> None:
    keep, gone = await add_titles(repository, "keep", "gone")

    assert await repository.remove(gone.id, expected_version=1) is True

    assert await repository.get(gone.id) is None
    assert await owned(repository) == [keep]


async def test_remove_returns_false_and_keeps_the_task_on_a_stale_version(
    repository: TaskRepository,
) -> None:
    task = await repository.add(draft())
    assert await repository.replace(replace(task, title="changed", version=2), 1)

    assert await repository.remove(task.id, expected_version=1) is False
    assert await repository.get(task.id) is not None


async def test_remove_returns_false_for_a_missing_task(repository: TaskRepository) -> None:
    assert await repository.remove(123_456, expected_version=1) is False


# --- atomic bulk ----------------------------------------------------------------------------


async def test_bulk_create_stores_nothing_when_one_item_is_invalid(
    repository: TaskRepository,
) -> None:
    service = TaskService(repository, SystemClock())
    items = [NewTask("fine"), NewTask("also fine"), NewTask("   "), NewTask("never stored")]

    with pytest.raises(InvalidTaskError, match=r"items\[2\]\.title"):
        await service.create_many(ALICE, items)

    assert await owned(repository) == []


def _without_owner(draft: TaskDraft) -> TaskDraft:
    """A row the database refuses (owner_id is NOT NULL); the domain would never build it."""
    return replace(draft, owner_id=None)  # type: ignore[arg-type]


def _title_too_long(draft: TaskDraft) -> TaskDraft:
    """A row PostgreSQL refuses (title is VARCHAR(255)); the domain would never build it."""
    return replace(draft, title="x" * 256)


@pytest.mark.parametrize("storage_url", SQL_BACKENDS, indirect=True)
@pytest.mark.parametrize("count", [3, 1500], ids=["3-rows", "1500-rows-several-statements"])
async def test_add_many_stores_nothing_when_the_database_refuses_the_last_row(
    repository: TaskRepository, count: int
) -> None:
    drafts = [draft(f"task {index}") for index in range(count)]
    drafts[-1] = _without_owner(drafts[-1])

    with pytest.raises(DBAPIError):
        await repository.add_many(drafts)

    assert await owned(repository, limit=1000) == []


@pytest.mark.parametrize(
    "storage_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
async def test_add_many_stores_nothing_when_postgresql_refuses_a_middle_row(
    repository: TaskRepository,
) -> None:
    drafts = [draft(f"task {index}") for index in range(5)]
    drafts[2] = _title_too_long(drafts[2])

    with pytest.raises(DBAPIError):
        await repository.add_many(drafts)

    assert await owned(repository) == []
