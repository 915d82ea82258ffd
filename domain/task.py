"""The Task entity, the draft it is created from, and the changes a user may apply to it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from domain.errors import InvalidTaskError, NotTaskOwnerError
from domain.rules import fold_for_search, normalize_description, normalize_title

UserId = str
TaskId = int

_SMALLEST_TICK = timedelta(microseconds=1)


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidTaskError("timestamp", "must be timezone-aware")


@dataclass(frozen=True, slots=True)
class TaskDraft:
    """A validated task that has no id yet; the repository assigns one when it stores it."""

    owner_id: UserId
    title: str
    description: str
    completed: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def new(cls, owner_id: UserId, title: str, description: str, now: datetime) -> TaskDraft:
        """Apply the value rules so that an invalid task can never reach storage."""
        _require_aware(now)
        if not owner_id:
            raise InvalidTaskError("owner", "must not be empty")
        return cls(
            owner_id=owner_id,
            title=normalize_title(title),
            description=normalize_description(description),
            completed=False,
            created_at=now,
            updated_at=now,
        )

    @property
    def search_key(self) -> str:
        return fold_for_search(self.title)


@dataclass(frozen=True, slots=True)
class TaskChanges:
    """A partial update: ``None`` means "leave as is"; a title can never be cleared."""

    title: str | None = None
    description: str | None = None
    completed: bool | None = None

    def is_empty(self) -> bool:
        return self.title is None and self.description is None and self.completed is None


@dataclass(frozen=True, slots=True)
class Task:
    """A stored task. ``version`` grows by one on every change, which makes lost updates visible."""

    id: TaskId
    owner_id: UserId
    title: str
    description: str
    completed: bool
    created_at: datetime
    updated_at: datetime
    version: int = 1

    @classmethod
    def from_draft(cls, task_id: TaskId, draft: TaskDraft) -> Task:
        return cls(
            id=task_id,
            owner_id=draft.owner_id,
            title=draft.title,
            description=draft.description,
            completed=draft.completed,
            created_at=draft.created_at,
            updated_at=draft.updated_at,
        )

    @property
    def search_key(self) -> str:
        return fold_for_search(self.title)

    def is_owned_by(self, user_id: UserId) -> bool:
        return self.owner_id == user_id

    def ensure_owned_by(self, user_id: UserId) -> None:
        """Only the owner may read, change or delete a task."""
        if not self.is_owned_by(user_id):
            raise NotTaskOwnerError(self.id)

    def apply(self, changes: TaskChanges, now: datetime) -> Task:
        """Return the task with ``changes`` applied.

        Owner, id and ``created_at`` never change. ``updated_at`` strictly advances even when
        the clock repeats an instant (or steps back), so clients can order revisions by it.
        """
        _require_aware(now)
        return replace(
            self,
            title=self.title if changes.title is None else normalize_title(changes.title),
            description=(
                self.description
                if changes.description is None
                else normalize_description(changes.description)
            ),
            completed=self.completed if changes.completed is None else changes.completed,
            updated_at=max(now, self.updated_at + _SMALLEST_TICK),
            version=self.version + 1,
        )
