"""InMemoryTaskRepository: the ``memory://`` store and the fake used by use-case tests."""

import threading
from collections.abc import Sequence
from dataclasses import replace

from application.idempotency import IdempotencyCompletion
from application.paging import TaskQuery
from domain.task import Task, TaskDraft, TaskId, UserId
from infrastructure.persistence.memory_idempotency import InMemoryIdempotencyStore


class InMemoryTaskRepository:
    """Keeps tasks in a dict; it follows the same contract as the SQL repository.

    Every method finishes without awaiting, so on one event loop each call is atomic; the lock
    only matters if the repository is shared across threads.
    """

    def __init__(self, idempotency_store: InMemoryIdempotencyStore | None = None) -> None:
        self._tasks: dict[TaskId, Task] = {}
        self._last_id = 0
        self._lock = threading.Lock()
        self._idempotency_store = idempotency_store

    async def add(self, draft: TaskDraft) -> Task:
        return (await self.add_many([draft]))[0]

    async def add_many(
        self, drafts: Sequence[TaskDraft], idempotency: IdempotencyCompletion | None = None
    ) -> list[Task]:
        with self._lock:
            created = [
                Task.from_draft(self._last_id + offset, draft)
                for offset, draft in enumerate(drafts, start=1)
            ]
            if idempotency is not None:
                if self._idempotency_store is None:
                    raise RuntimeError("this repository was built without an idempotency store")
                # Before anything is stored: a lost claim leaves no task behind.
                self._idempotency_store.complete(idempotency, created)
            self._last_id += len(created)
            self._tasks.update((task.id, task) for task in created)
            return created

    async def get(self, task_id: TaskId) -> Task | None:
        return self._tasks.get(task_id)

    async def find_owned(self, owner_id: UserId, query: TaskQuery) -> list[Task]:
        with self._lock:
            tasks = sorted(self._tasks.values(), key=lambda task: task.id)
        matching = [
            task
            for task in tasks
            if task.owner_id == owner_id
            and (query.completed is None or task.completed == query.completed)
            and (query.search_key is None or query.search_key in task.search_key)
            and (query.after is None or task.id > query.after)
        ]
        return matching[query.skip : query.skip + query.limit]

    async def replace(self, task: Task, expected_version: int) -> bool:
        with self._lock:
            stored = self._tasks.get(task.id)
            if stored is None or stored.version != expected_version:
                return False
            # Identity fields come from storage, whatever the caller's copy says.
            self._tasks[task.id] = replace(
                task, owner_id=stored.owner_id, created_at=stored.created_at
            )
            return True

    async def remove(self, task_id: TaskId, expected_version: int) -> bool:
        with self._lock:
            stored = self._tasks.get(task_id)
            if stored is None or stored.version != expected_version:
                return False
            del self._tasks[task_id]
            return True
