"""Request and response bodies of the HTTP API; strict on input, explicit on output."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from domain.rules import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH
from domain.task import Task

# The domain enforces these rules; repeating them here puts them in the OpenAPI schema, so
# clients (and schema-driven fuzzers) know them, and absurd payloads stop before any work.
NO_NUL = r"^[^\x00]*$"
NOT_BLANK_NO_NUL = r"^[^\x00]*[^\s\x00][^\x00]*$"
Title = Annotated[
    str, StringConstraints(min_length=1, max_length=TITLE_MAX_LENGTH, pattern=NOT_BLANK_NO_NUL)
]
Description = Annotated[str, StringConstraints(max_length=DESCRIPTION_MAX_LENGTH, pattern=NO_NUL)]


class _StrictBody(BaseModel):
    # Unknown fields are refused (422 naming them): a typo like ``complete`` must not be
    # silently dropped, and ``user_id``/``id``/timestamps are never the client's to set.
    model_config = ConfigDict(extra="forbid")


class TaskCreate(_StrictBody):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"title": "Buy milk", "description": "2 litres"}]},
    )

    title: Title
    description: Description = ""


class TaskUpdate(_StrictBody):
    """Partial update: absent fields are left alone; an explicit ``null`` is refused (422)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"completed": True}]})

    # Defaults are not validated, so "absent" is None while an explicit null fails the type.
    title: Title = None  # type: ignore[assignment]
    description: Description = None  # type: ignore[assignment]
    completed: bool = None  # type: ignore[assignment]


class TaskRead(BaseModel):
    id: int
    title: str
    description: str
    completed: bool
    user_id: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_domain(cls, task: Task) -> "TaskRead":
        return cls(
            id=task.id,
            title=task.title,
            description=task.description,
            completed=task.completed,
            user_id=task.owner_id,
            created_at=task.created_at,
            updated_at=task.updated_at,
        )


class HealthRead(BaseModel):
    status: str = "healthy"


class ErrorRead(BaseModel):
    detail: str | list[dict[str, object]]


BulkCreate = Annotated[
    list[TaskCreate],
    Field(
        min_length=1,
        max_length=1000,
        examples=[[{"title": "Buy milk", "description": "2 litres"}, {"title": "Call Sam"}]],
    ),
]
