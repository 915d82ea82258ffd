"""SqlTaskRepository: tasks in SQLite or PostgreSQL through SQLAlchemy's async Core."""

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, Select, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from application.idempotency import IdempotencyCompletion
from application.paging import TaskQuery
from domain.task import Task, TaskDraft, TaskId, UserId
from infrastructure.persistence.database import Database
from infrastructure.persistence.sql_idempotency import complete_claim
from infrastructure.persistence.tables import TASK_COLUMNS, TASKS, task_from_row

_LIKE_ESCAPE = "\\"


class SqlTaskRepository:
    """The SQL adapter of ``TaskRepository``; one short transaction per call.

    Every statement is a single round trip (``INSERT ... RETURNING``, compare-and-set
    ``UPDATE ... WHERE version``), so there is no read-then-write window inside a transaction.
    """

    def __init__(self, database: Database) -> None:
        self._database = database

    async def add(self, draft: TaskDraft) -> Task:
        return (await self.add_many([draft]))[0]

    async def add_many(
        self, drafts: Sequence[TaskDraft], idempotency: IdempotencyCompletion | None = None
    ) -> list[Task]:
        # Multi-row INSERTs in one transaction: all rows or none.
        async with self._database.write() as connection:
            ids = await _insert_returning_ids(connection, [_draft_values(d) for d in drafts])
            tasks = [
                Task.from_draft(task_id, draft) for task_id, draft in zip(ids, drafts, strict=True)
            ]
            if idempotency is not None:
                # Same transaction: the answer is stored if and only if the tasks are.
                await complete_claim(connection, idempotency, tasks)
        return tasks

    async def get(self, task_id: TaskId) -> Task | None:
        async with self._database.read() as connection:
            result = await connection.execute(_GET_TASK, {"task_id": task_id})
            row = result.first()
        return None if row is None else task_from_row(row)

    async def find_owned(self, owner_id: UserId, query: TaskQuery) -> list[Task]:
        async with self._database.read() as connection:
            statement = _owned_statement(
                query.completed is not None, query.after is not None, bool(query.search_key)
            )
            result = await connection.execute(statement, _owned_parameters(owner_id, query))
            return [task_from_row(row) for row in result]

    async def replace(self, task: Task, expected_version: int) -> bool:
        parameters = {
            "task_id": task.id,
            "expected_version": expected_version,
            "new_title": task.title,
            "new_title_folded": task.search_key,
            "new_description": task.description,
            "new_completed": task.completed,
            "new_updated_at": task.updated_at,
            "new_version": task.version,
        }
        async with self._database.write() as connection:
            result = await connection.execute(_REPLACE_TASK, parameters)
        return bool(result.rowcount == 1)

    async def remove(self, task_id: TaskId, expected_version: int) -> bool:
        parameters = {"task_id": task_id, "expected_version": expected_version}
        async with self._database.write() as connection:
            result = await connection.execute(_REMOVE_TASK, parameters)
        return bool(result.rowcount == 1)


async def _insert_returning_ids(
    connection: AsyncConnection, values: list[dict[str, Any]]
) -> list[TaskId]:
    """Insert the rows; their ids in the order of ``values``."""
    if connection.dialect.name != "sqlite":
        # SQLAlchemy batches these into multi-row INSERTs and restores the order itself.
        statement = insert(TASKS).returning(TASKS.c.id, sort_by_parameter_order=True)
        return [row.id for row in await connection.execute(statement, values)]
    # On SQLite that ordered batching degrades to one statement per row. Unordered, it still
    # sends multi-row INSERTs (one cached statement); rows go in in order, in one transaction
    # under the writer lock, and AUTOINCREMENT ids only grow, so sorting the returned ids
    # (RETURNING's own order is unspecified) pairs them with the rows.
    result = await connection.execute(insert(TASKS).returning(TASKS.c.id), values)
    return sorted(row.id for row in result)


# Statements are built once with bound parameters and reused: building a Core statement costs
# more than executing it, and a reused one keeps its compiled form's cache key.
_GET_TASK = select(*TASK_COLUMNS).where(TASKS.c.id == bindparam("task_id"))
_SAME_VERSION = (
    TASKS.c.id == bindparam("task_id"),
    TASKS.c.version == bindparam("expected_version"),
)
# Compare-and-set: only the version the caller read is replaced; owner and created_at never are.
_REPLACE_TASK = (
    update(TASKS)
    .where(*_SAME_VERSION)
    .values(
        title=bindparam("new_title"),
        title_folded=bindparam("new_title_folded"),
        description=bindparam("new_description"),
        completed=bindparam("new_completed"),
        updated_at=bindparam("new_updated_at"),
        version=bindparam("new_version"),
    )
)
_REMOVE_TASK = delete(TASKS).where(*_SAME_VERSION)


@cache
def _owned_statement(by_completed: bool, after: bool, search: bool) -> Select[Any]:
    """One of the eight shapes of an owner's listing; the owner filter is always in it."""
    statement = select(*TASK_COLUMNS).where(TASKS.c.owner_id == bindparam("owner_id"))
    if by_completed:
        statement = statement.where(TASKS.c.completed == bindparam("completed"))
    if after:
        statement = statement.where(TASKS.c.id > bindparam("after"))
    if search:
        statement = statement.where(
            TASKS.c.title_folded.like(bindparam("pattern"), escape=_LIKE_ESCAPE)
        )
    return (
        statement.order_by(TASKS.c.id)
        .offset(bindparam("skip", type_=BigInteger))
        .limit(bindparam("limit", type_=BigInteger))
    )


def _owned_parameters(owner_id: UserId, query: TaskQuery) -> dict[str, Any]:
    return {
        "owner_id": owner_id,
        "completed": query.completed,
        "after": query.after,
        "pattern": f"%{_escape_like(query.search_key)}%" if query.search_key else None,
        "skip": query.skip,
        "limit": query.limit,
    }


def _escape_like(text: str) -> str:
    """Make ``%``, ``_`` and the escape character itself match literally."""
    return text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")


def _draft_values(draft: TaskDraft) -> dict[str, Any]:
    return {
        "owner_id": draft.owner_id,
        "title": draft.title,
        "title_folded": draft.search_key,
        "description": draft.description,
        "completed": draft.completed,
        "created_at": draft.created_at,
        "updated_at": draft.updated_at,
        "version": 1,
    }
