"""Task lists serialised straight to JSON bytes, the hot path of every listing."""

from collections.abc import Sequence
from datetime import datetime

from fastapi import Response
from pydantic import TypeAdapter
from typing_extensions import TypedDict

from domain.task import Task

NEXT_CURSOR_HEADER = "X-Next-After"


class TaskJson(TypedDict):
    """The same fields and encoding as ``TaskRead``, as a plain dict (no model per task)."""

    id: int
    title: str
    description: str
    completed: bool
    user_id: str
    created_at: datetime
    updated_at: datetime


_TASK_LIST = TypeAdapter(list[TaskJson])


def task_list_response(tasks: Sequence[Task], limit: int) -> Response:
    """A JSON array of tasks; a full page carries the cursor of the next one.

    Building a pydantic model per task and then validating the list again as the route's
    return value cost more than the query itself; pydantic's serializer writes the same bytes
    from dicts. The route still declares ``response_model`` so the schema documents it.
    """
    body = _TASK_LIST.dump_json(
        [
            {
                "id": task.id,
                "title": task.title,
                "description": task.description,
                "completed": task.completed,
                "user_id": task.owner_id,
                "created_at": task.created_at,
                "updated_at": task.updated_at,
            }
            for task in tasks
        ]
    )
    headers = {NEXT_CURSOR_HEADER: str(tasks[-1].id)} if tasks and len(tasks) == limit else None
    return Response(body, media_type="application/json", headers=headers)
