"""TaskService under a concurrent writer: changes between load and write are never lost."""

from datetime import UTC, datetime

import pytest

from application.errors import ConcurrentUpdateError
from application.paging import TaskQuery
from application.task_service import NewTask, TaskService
from domain.errors import TaskNotFoundError, VersionMismatchError
from domain.task import Task, TaskChanges, TaskId
from infrastructure.persistence.memory import InMemoryTaskRepository

# The other writer's clock is far behind ours: its stamps must not make ours go backwards.
OTHER_WRITER_NOW = datetime(2000, 1, 1, tzinfo=UTC)


class InterferingRepository(InMemoryTaskRepository):
    """Lets another writer change (or delete) the task just before each of the next
    ``times`` writes, i.e. after the service has loaded it: the race a real database has."""

    def __init__(self) -> None:
        super().__init__()
        self.times = 0
        self.interference: TaskChanges | None = None
        self.writes = 0

    def interfere(self, times: int, interference: TaskChanges | None) -> None:
        """``interference=None`` deletes the task instead of changing it."""
        self.times = times
        self.interference = interference

    async def replace(self, task: Task, expected_version: int) -> bool:
        await self._other_writer(task.id)
        return await super().replace(task, expected_version)

    async def remove(self, task_id: TaskId, expected_version: int) -> bool:
        await self._other_writer(task_id)
        return await super().remove(task_id, expected_version)

    async def _other_writer(self, task_id: TaskId) -> None:
        self.writes += 1
        if self.times <= 0:
            return
        self.times -= 1
        current = await self.get(task_id)
        assert current is not None
        if self.interference is None:
            assert await super().remove(task_id, current.version)
        else:
            changed = current.apply(self.interference, OTHER_WRITER_NOW)
            assert await super().replace(changed, current.version)


@pytest.fixture
def repository() -> InterferingRepository:
    return InterferingRepository()


@pytest.fixture
async def task(service: TaskService) -> Task:
    return await service.create("alice", NewTask(title="Buy milk", description="2 litres"))


async def test_update_reapplies_changes_on_top_of_a_concurrent_change(
    service: TaskService, repository: InterferingRepository, task: Task
) -> None:
    repository.interfere(1, TaskChanges(completed=True))

    updated = await service.update("alice", task.id, TaskChanges(title="Buy bread"))

    assert (updated.title, updated.description, updated.completed) == (
        "Buy bread",
        "2 litres",
        True,
    )
    assert updated.version == 3
    assert await repository.get(task.id) == updated
    assert repository.writes == 2


async def test_update_keeps_the_concurrent_value_of_a_field_it_does_not_change(
    service: TaskService, repository: InterferingRepository, task: Task
) -> None:
    repository.interfere(3, TaskChanges(description="changed elsewhere"))

    updated = await service.update("alice", task.id, TaskChanges(completed=True))

    assert (updated.description, updated.completed, updated.version) == (
        "changed elsewhere",
        True,
        5,
    )


async def test_update_after_a_concurrent_change_still_advances_updated_at(
    service: TaskService, repository: InterferingRepository, task: Task
) -> None:
    repository.interfere(1, TaskChanges(completed=True))

    updated = await service.update("alice", task.id, TaskChanges(title="Buy bread"))

    assert updated.updated_at > task.updated_at


async def test_update_with_expected_version_refuses_after_a_concurrent_change(
    service: TaskService, repository: InterferingRepository, task: Task
) -> None:
    repository.interfere(1, TaskChanges(completed=True))

    with pytest.raises(VersionMismatchError) as caught:
        await service.update("alice", task.id, TaskChanges(title="Buy bread"), expected_version=1)

    assert caught.value.current_version == 2
    current = await repository.get(task.id)
    assert current is not None
    assert (current.title, current.completed) == ("Buy milk", True)


async def test_update_raises_concurrent_update_error_when_the_task_keeps_changing(
    service: TaskService, repository: InterferingRepository, task: Task
) -> None:
    repository.interfere(1_000, TaskChanges(description="again"))

    with pytest.raises(ConcurrentUpdateError):
        await service.update("alice", task.id, TaskChanges(title="Buy bread"))

    current = await repository.get(task.id)
    assert current is not None
    assert current.title == "Buy milk"
    assert 1 < repository.writes < 1_000


async def test_update_of_a_task_deleted_concurrently_raises_not_found(
    service: TaskService, repository: InterferingRepository, task: Task
) -> None:
    repository.interfere(1, None)

    with pytest.raises(TaskNotFoundError):
        await service.update("alice", task.id, TaskChanges(title="Buy bread"))

    assert await service.list_tasks("alice", TaskQuery()) == []


async def test_delete_retries_after_a_concurrent_change(
    service: TaskService, repository: InterferingRepository, task: Task
) -> None:
    repository.interfere(1, TaskChanges(completed=True))

    await service.delete("alice", task.id)

    assert await repository.get(task.id) is None
    assert repository.writes == 2


async def test_delete_with_expected_version_refuses_after_a_concurrent_change(
    service: TaskService, repository: InterferingRepository, task: Task
) -> None:
    repository.interfere(1, TaskChanges(completed=True))

    with pytest.raises(VersionMismatchError):
        await service.delete("alice", task.id, expected_version=1)

    current = await repository.get(task.id)
    assert current is not None
    assert (current.completed, current.version) == (True, 2)


async def test_delete_raises_concurrent_update_error_when_the_task_keeps_changing(
    service: TaskService, repository: InterferingRepository, task: Task
) -> None:
    repository.interfere(1_000, TaskChanges(completed=True))

    with pytest.raises(ConcurrentUpdateError):
        await service.delete("alice", task.id)

    assert await repository.get(task.id) is not None


async def test_delete_of_a_task_deleted_concurrently_raises_not_found(
    service: TaskService, repository: InterferingRepository, task: Task
) -> None:
    repository.interfere(1, None)

    with pytest.raises(TaskNotFoundError):
        await service.delete("alice", task.id)
