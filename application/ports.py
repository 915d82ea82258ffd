"""Ports: the contracts the use cases need from the outside world, implemented in infrastructure."""

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from application.auth import AuthenticatedUser
from application.idempotency import IdempotencyClaim, IdempotencyCompletion, IdempotencyRecord
from application.paging import TaskQuery
from domain.task import Task, TaskDraft, TaskId, UserId


class TaskRepository(Protocol):
    """Durable storage of tasks.

    - ``find_owned`` filters by owner inside the query, so a listing can never leak another
      user's rows, and returns tasks in ascending id order.
    - ``add_many`` is atomic: every draft is stored, or none is. With ``idempotency`` it also
      stores the rendered answer on the claim, in the same transaction; if the claim is no
      longer this request's, it raises ``IdempotencyKeyInUseError`` and stores nothing.
    - ``replace`` and ``remove`` are compare-and-set on ``version``: they return False, changing
      nothing, when the stored version differs (or the task is gone).
    - Adapters raise ``StorageUnavailableError`` when the store cannot be reached.
    """

    async def add(self, draft: TaskDraft) -> Task: ...

    async def add_many(
        self, drafts: Sequence[TaskDraft], idempotency: IdempotencyCompletion | None = None
    ) -> list[Task]: ...

    async def get(self, task_id: TaskId) -> Task | None: ...

    async def find_owned(self, owner_id: UserId, query: TaskQuery) -> list[Task]: ...

    async def replace(self, task: Task, expected_version: int) -> bool: ...

    async def remove(self, task_id: TaskId, expected_version: int) -> bool: ...


class IdempotencyStore(Protocol):
    """Idempotency keys per user, kept in the same store as the tasks they created.

    - ``claim`` first forgets records older than ``expired_before`` (any user; the lazy purge)
      and an unanswered claim on the same key older than ``abandoned_before``; then it stores
      the claim and returns None, or, when the user's key is already taken, stores nothing
      and returns the record holding it. Two concurrent claims of one key: one wins.
    - ``release`` removes the claim if it is still unanswered (its create failed).
    """

    async def claim(
        self, claim: IdempotencyClaim, expired_before: datetime, abandoned_before: datetime
    ) -> IdempotencyRecord | None: ...

    async def release(self, claim: IdempotencyClaim) -> None: ...


class TokenVerifier(Protocol):
    """Turns a bearer credential into the user it vouches for.

    Raises ``AuthenticationError`` for any credential that is not acceptable and
    ``AuthUnavailableError`` when it cannot be judged right now (keys unreachable).
    """

    async def verify(self, token: str) -> AuthenticatedUser: ...


class Clock(Protocol):
    """The current time, timezone-aware UTC; injected so tests control it."""

    def now(self) -> datetime: ...
