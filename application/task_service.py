"""TaskService: the use cases on one user's tasks."""

from collections.abc import Sequence
from dataclasses import dataclass

from application.errors import ConcurrentUpdateError, InvalidQueryError
from application.idempotency import IdempotencyCompletion
from application.paging import TaskQuery
from application.ports import Clock, TaskRepository
from domain.errors import InvalidTaskError, TaskNotFoundError, VersionMismatchError
from domain.rules import normalize_search_text
from domain.task import Task, TaskChanges, TaskDraft, TaskId, UserId

# Compare-and-set retries before giving up on a task that keeps changing under us: each round
# one contender wins, so this many concurrent writers to one task all get through.
_MAX_WRITE_ATTEMPTS = 32
MAX_BULK_ITEMS = 1000


@dataclass(frozen=True, slots=True)
class NewTask:
    """What a user supplies to create a task; the rest (id, owner, times) is never theirs to set."""

    title: str
    description: str = ""


class TaskService:
    """Use cases for a user's tasks.

    - Reads and writes of one task load it first: missing -> ``TaskNotFoundError``,
      someone else's -> ``NotTaskOwnerError`` (in that order).
    - Listings filter by owner in the repository, never after the fact.
    - Writes are compare-and-set on the task's version: with ``expected_version`` a stale
      caller gets ``VersionMismatchError``; without it, a concurrent change is re-read and
      re-applied, so no update is silently lost.
    """

    def __init__(self, repository: TaskRepository, clock: Clock) -> None:
        self._repository = repository
        self._clock = clock

    async def list_tasks(self, user_id: UserId, query: TaskQuery) -> list[Task]:
        return await self._repository.find_owned(user_id, query)

    async def search(self, user_id: UserId, text: str, query: TaskQuery) -> list[Task]:
        """Tasks whose title contains ``text``, ignoring case for every Unicode letter."""
        try:
            key = normalize_search_text(text)
        except InvalidTaskError as error:
            # The text is a query parameter, not task data: report it where the caller sent it.
            raise InvalidQueryError(error.field, error.message) from error
        return await self._repository.find_owned(
            user_id,
            TaskQuery(
                completed=query.completed,
                search_key=key,
                skip=query.skip,
                limit=query.limit,
                after=query.after,
            ),
        )

    async def get(self, user_id: UserId, task_id: TaskId) -> Task:
        return await self._load_owned(user_id, task_id)

    async def create(
        self,
        user_id: UserId,
        new_task: NewTask,
        idempotency: IdempotencyCompletion | None = None,
    ) -> Task:
        draft = TaskDraft.new(user_id, new_task.title, new_task.description, self._clock.now())
        if idempotency is not None:
            return (await self._repository.add_many([draft], idempotency))[0]
        return await self._repository.add(draft)

    async def create_many(
        self,
        user_id: UserId,
        new_tasks: Sequence[NewTask],
        idempotency: IdempotencyCompletion | None = None,
    ) -> list[Task]:
        """Create every task or none: all items are validated before anything is stored.

        ``idempotency`` (see ``IdempotentRequests``) stores the answer with the tasks.
        """
        if not 1 <= len(new_tasks) <= MAX_BULK_ITEMS:
            raise InvalidTaskError("items", f"must hold between 1 and {MAX_BULK_ITEMS} tasks")
        now = self._clock.now()
        drafts = []
        for index, new_task in enumerate(new_tasks):
            try:
                drafts.append(TaskDraft.new(user_id, new_task.title, new_task.description, now))
            except InvalidTaskError as error:
                raise InvalidTaskError(f"items[{index}].{error.field}", error.message) from error
        return await self._repository.add_many(drafts, idempotency)

    async def update(
        self,
        user_id: UserId,
        task_id: TaskId,
        changes: TaskChanges,
        expected_version: int | None = None,
    ) -> Task:
        for _ in range(_MAX_WRITE_ATTEMPTS):
            current = await self._load_owned(user_id, task_id)
            _check_version(current, expected_version)
            if changes.is_empty():
                # Nothing to change: no write, so the version and ETag stay as they are.
                return current
            updated = current.apply(changes, self._clock.now())
            if await self._repository.replace(updated, expected_version=current.version):
                return updated
        raise ConcurrentUpdateError(f"task {task_id} kept changing")

    async def delete(
        self, user_id: UserId, task_id: TaskId, expected_version: int | None = None
    ) -> None:
        for _ in range(_MAX_WRITE_ATTEMPTS):
            current = await self._load_owned(user_id, task_id)
            _check_version(current, expected_version)
            if await self._repository.remove(task_id, expected_version=current.version):
                return
        raise ConcurrentUpdateError(f"task {task_id} kept changing")

    async def _load_owned(self, user_id: UserId, task_id: TaskId) -> Task:
        task = await self._repository.get(task_id)
        if task is None:
            raise TaskNotFoundError(task_id)
        task.ensure_owned_by(user_id)
        return task


def _check_version(task: Task, expected_version: int | None) -> None:
    if expected_version is not None and task.version != expected_version:
        raise VersionMismatchError(task.id, task.version)
