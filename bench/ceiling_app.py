"""The ceiling: a bare FastAPI app on the same server stack, no auth, no database.

It answers the same 20-task JSON our list route gives, through the same response model, so the
ratio of our throughput to its throughput is the cost of what we add (auth, storage, errors).
"""

from datetime import UTC, datetime

from fastapi import FastAPI

from interfaces.http.schemas import HealthRead, TaskRead

_NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
_TASKS = [
    TaskRead(
        id=task_id,
        title=f"Task number {task_id}",
        description="Something worth doing, described in a sentence or two.",
        completed=task_id % 3 == 0,
        user_id="bench-user-0",
        created_at=_NOW,
        updated_at=_NOW,
    )
    for task_id in range(1, 21)
]

app = FastAPI()


@app.get("/api/health")
async def health() -> HealthRead:
    return HealthRead()


@app.get("/api/tasks")
async def list_tasks() -> list[TaskRead]:
    return list(_TASKS)
