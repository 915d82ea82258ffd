"""TaskService writes: create, atomic bulk create, partial update and delete, with versions."""

from datetime import timedelta

import pytest

from application.paging import TaskQuery
from application.task_service import MAX_BULK_ITEMS, NewTask, TaskService
from domain.errors import (
    InvalidTaskError,
    NotTaskOwnerError,
    TaskNotFoundError,
    VersionMismatchError,
)
from domain.task import Task, TaskChanges
from infrastructure.persistence.memory import InMemoryTaskRepository
from tests.fakes import StepClock
from tests.unit.application.support import add_titles


async def stored(repository: InMemoryTaskRepository, task: Task) -> Task | None:
    return await repository.get(task.id)


async def test_create_sets_owner_and_both_timestamps_from_the_clock(
    service: TaskService, clock: StepClock
) -> None:
    now = clock.peek()

    task = await service.create("alice", NewTask(title="  Buy milk ", description="2 litres"))

    assert (task.owner_id, task.title, task.description, task.completed, task.version) == (
        "alice",
        "Buy milk",
        "2 litres",
        False,
        1,
    )
    assert task.created_at == task.updated_at == now


async def test_create_stores_the_task_it_returns(
    service: TaskService, repository: InMemoryTaskRepository
) -> None:
    task = await service.create("alice", NewTask(title="Buy milk"))

    assert await stored(repository, task) == task


async def test_create_gives_each_task_a_new_increasing_id(service: TaskService) -> None:
    first = await service.create("alice", NewTask(title="one"))
    second = await service.create("bob", NewTask(title="two"))

    assert second.id > first.id


@pytest.mark.parametrize(
    ("new_task", "field"),
    [
        (NewTask(title=""), "title"),
        (NewTask(title="   "), "title"),
        (NewTask(title="x" * 256), "title"),
        (NewTask(title="a\x00b"), "title"),
        (NewTask(title="ok", description="x" * 10_001), "description"),
        (NewTask(title="ok", description="a\x00b"), "description"),
    ],
    ids=["empty", "blank", "long-title", "nul-title", "long-description", "nul-description"],
)
async def test_create_refuses_invalid_task_and_stores_nothing(
    service: TaskService, new_task: NewTask, field: str
) -> None:
    with pytest.raises(InvalidTaskError) as caught:
        await service.create("alice", new_task)

    assert caught.value.field == field
    assert await service.list_tasks("alice", TaskQuery()) == []


async def test_create_refuses_an_empty_owner(service: TaskService) -> None:
    with pytest.raises(InvalidTaskError) as caught:
        await service.create("", NewTask(title="Buy milk"))

    assert caught.value.field == "owner"


async def test_create_many_stores_every_item_in_order_with_one_timestamp(
    service: TaskService, clock: StepClock
) -> None:
    now = clock.peek()

    tasks = await service.create_many(
        "alice", [NewTask(title="one"), NewTask(title=" two ", description="2"), NewTask("three")]
    )

    assert [(task.title, task.description) for task in tasks] == [
        ("one", ""),
        ("two", "2"),
        ("three", ""),
    ]
    assert {(task.owner_id, task.created_at, task.updated_at) for task in tasks} == {
        ("alice", now, now)
    }
    assert await service.list_tasks("alice", TaskQuery()) == tasks


@pytest.mark.parametrize("size", [1, MAX_BULK_ITEMS], ids=["one", "maximum"])
async def test_create_many_accepts_sizes_at_the_bounds(service: TaskService, size: int) -> None:
    tasks = await service.create_many("alice", [NewTask(title=f"t{n}") for n in range(size)])

    assert len(tasks) == size
    assert len({task.id for task in tasks}) == size


@pytest.mark.parametrize("size", [0, MAX_BULK_ITEMS + 1], ids=["empty", "one-too-many"])
async def test_create_many_refuses_sizes_out_of_bounds(service: TaskService, size: int) -> None:
    with pytest.raises(InvalidTaskError) as caught:
        await service.create_many("alice", [NewTask(title=f"t{n}") for n in range(size)])

    assert caught.value.field == "items"
    assert await service.list_tasks("alice", TaskQuery(limit=1000)) == []


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([NewTask(title="   "), NewTask(title="ok")], "items[0].title"),
        ([NewTask(title="ok"), NewTask(title="ok"), NewTask(title="")], "items[2].title"),
        (
            [NewTask(title="ok"), NewTask(title="ok", description="x" * 10_001)],
            "items[1].description",
        ),
        ([NewTask(title="ok"), NewTask(title="a\x00b"), NewTask(title="")], "items[1].title"),
    ],
    ids=["first-blank", "last-empty", "middle-long-description", "first-bad-item-is-named"],
)
async def test_create_many_names_the_bad_item_and_stores_nothing(
    service: TaskService, items: list[NewTask], field: str
) -> None:
    with pytest.raises(InvalidTaskError) as caught:
        await service.create_many("alice", items)

    assert caught.value.field == field
    assert await service.list_tasks("alice", TaskQuery()) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (TaskChanges(title=" Buy bread "), ("Buy bread", "2 litres", False)),
        (TaskChanges(description=""), ("Buy milk", "", False)),
        (TaskChanges(completed=True), ("Buy milk", "2 litres", True)),
        (
            TaskChanges(title="Buy bread", description="1 loaf", completed=True),
            ("Buy bread", "1 loaf", True),
        ),
    ],
    ids=["title", "description", "completed", "everything"],
)
async def test_update_changes_only_the_given_fields_and_stores_them(
    service: TaskService,
    repository: InMemoryTaskRepository,
    changes: TaskChanges,
    expected: tuple[str, str, bool],
) -> None:
    task = await service.create("alice", NewTask(title="Buy milk", description="2 litres"))

    updated = await service.update("alice", task.id, changes)

    assert (updated.title, updated.description, updated.completed) == expected
    assert await stored(repository, task) == updated


async def test_update_bumps_version_and_takes_updated_at_from_the_clock(
    service: TaskService, clock: StepClock
) -> None:
    task = await service.create("alice", NewTask(title="Buy milk"))
    now = clock.peek()

    updated = await service.update("alice", task.id, TaskChanges(completed=True))

    assert (updated.version, updated.updated_at) == (2, now)
    assert (updated.id, updated.owner_id, updated.created_at) == (
        task.id,
        task.owner_id,
        task.created_at,
    )


@pytest.mark.parametrize(
    "step", [timedelta(0), timedelta(seconds=-30)], ids=["frozen-clock", "clock-steps-back"]
)
async def test_update_advances_updated_at_when_the_clock_does_not(
    repository: InMemoryTaskRepository, step: timedelta
) -> None:
    service = TaskService(repository, StepClock(step=step))
    task = await service.create("alice", NewTask(title="Buy milk"))

    first = await service.update("alice", task.id, TaskChanges(completed=True))
    second = await service.update("alice", task.id, TaskChanges(completed=False))

    assert task.updated_at < first.updated_at < second.updated_at


async def test_update_succeeds_when_expected_version_is_current(service: TaskService) -> None:
    task = await service.create("alice", NewTask(title="Buy milk"))

    updated = await service.update(
        "alice", task.id, TaskChanges(completed=True), expected_version=1
    )

    assert (updated.completed, updated.version) == (True, 2)


@pytest.mark.parametrize("expected_version", [1, 3, 0], ids=["stale", "future", "zero"])
async def test_update_with_another_expected_version_changes_nothing(
    service: TaskService, repository: InMemoryTaskRepository, expected_version: int
) -> None:
    task = await service.create("alice", NewTask(title="Buy milk"))
    current = await service.update("alice", task.id, TaskChanges(title="Buy bread"))

    with pytest.raises(VersionMismatchError) as caught:
        await service.update(
            "alice", task.id, TaskChanges(completed=True), expected_version=expected_version
        )

    assert (caught.value.task_id, caught.value.current_version) == (task.id, 2)
    assert await stored(repository, task) == current


@pytest.mark.parametrize(
    "changes",
    [TaskChanges(title=" "), TaskChanges(title="ok", description="x" * 10_001)],
    ids=["blank-title", "long-description-with-valid-title"],
)
async def test_update_refuses_invalid_changes_and_changes_nothing(
    service: TaskService, repository: InMemoryTaskRepository, changes: TaskChanges
) -> None:
    task = await service.create("alice", NewTask(title="Buy milk"))

    with pytest.raises(InvalidTaskError):
        await service.update("alice", task.id, changes)

    assert await stored(repository, task) == task


async def test_update_raises_not_found_for_a_missing_task(service: TaskService) -> None:
    with pytest.raises(TaskNotFoundError):
        await service.update("alice", 1, TaskChanges(completed=True))


async def test_update_raises_not_owner_and_changes_nothing(
    service: TaskService, repository: InMemoryTaskRepository
) -> None:
    (task,) = await add_titles(service, "alice", "Buy milk")

    with pytest.raises(NotTaskOwnerError):
        await service.update("bob", task.id, TaskChanges(title="mine now"))

    assert await stored(repository, task) == task


async def test_update_checks_ownership_before_the_version(service: TaskService) -> None:
    (task,) = await add_titles(service, "alice", "Buy milk")

    with pytest.raises(NotTaskOwnerError):
        await service.update("bob", task.id, TaskChanges(completed=True), expected_version=99)


@pytest.mark.parametrize("expected_version", [None, 2], ids=["unconditional", "current-version"])
async def test_delete_removes_the_task(
    service: TaskService, repository: InMemoryTaskRepository, expected_version: int | None
) -> None:
    (task, kept) = await add_titles(service, "alice", "Buy milk", "Buy bread")
    await service.update("alice", task.id, TaskChanges(completed=True))

    await service.delete("alice", task.id, expected_version=expected_version)

    assert await stored(repository, task) is None
    assert await service.list_tasks("alice", TaskQuery()) == [kept]


@pytest.mark.parametrize("expected_version", [1, 3], ids=["stale", "future"])
async def test_delete_with_another_expected_version_keeps_the_task(
    service: TaskService, repository: InMemoryTaskRepository, expected_version: int
) -> None:
    (task,) = await add_titles(service, "alice", "Buy milk")
    current = await service.update("alice", task.id, TaskChanges(completed=True))

    with pytest.raises(VersionMismatchError) as caught:
        await service.delete("alice", task.id, expected_version=expected_version)

    assert caught.value.current_version == 2
    assert await stored(repository, task) == current


async def test_delete_raises_not_owner_and_keeps_the_task(
    service: TaskService, repository: InMemoryTaskRepository
) -> None:
    (task,) = await add_titles(service, "alice", "Buy milk")

    with pytest.raises(NotTaskOwnerError):
        await service.delete("bob", task.id)

    assert await stored(repository, task) == task


async def test_delete_twice_raises_not_found_the_second_time(service: TaskService) -> None:
    (task,) = await add_titles(service, "alice", "Buy milk")
    await service.delete("alice", task.id)

    with pytest.raises(TaskNotFoundError):
        await service.delete("alice", task.id)


async def test_empty_update_changes_neither_version_nor_updated_at(
    service: TaskService,
) -> None:
    created = await service.create("alice", NewTask(title="Stay"))

    unchanged = await service.update("alice", created.id, TaskChanges())

    assert unchanged == created
