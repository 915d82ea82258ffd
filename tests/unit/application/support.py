"""Helpers that put a known set of tasks in place through the use cases themselves."""

from application.task_service import NewTask, TaskService
from domain.task import Task, TaskChanges, UserId


async def add_titles(
    service: TaskService, owner: UserId, *titles: str, completed: frozenset[str] = frozenset()
) -> list[Task]:
    """Create one task per title, in order; titles listed in ``completed`` are then completed."""
    tasks = [await service.create(owner, NewTask(title=title)) for title in titles]
    return [
        await service.update(owner, task.id, TaskChanges(completed=True))
        if task.title in completed
        else task
        for task in tasks
    ]
