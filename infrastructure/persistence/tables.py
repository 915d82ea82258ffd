"""The SQLModel tables (tasks, idempotency keys) and their mapping to the application's types."""

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, PrimaryKeyConstraint, Row, String, Text
from sqlmodel import Field, SQLModel

from application.idempotency import IdempotencyRecord, StoredResponse
from domain.task import Task
from infrastructure.persistence.utc_datetime import UtcDateTime

# SQLite only auto-assigns ids for a column declared exactly INTEGER PRIMARY KEY.
_ID_TYPE = BigInteger().with_variant(Integer(), "sqlite")


class TaskRecord(SQLModel, table=True):
    """A task row. ``title_folded`` holds the case-folded title that search compares against."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_owner_id_id", "owner_id", "id"),
        Index("ix_tasks_owner_id_completed_id", "owner_id", "completed", "id"),
        # Without AUTOINCREMENT SQLite hands the id of a deleted newest row to the next one;
        # ids must never be reused (PostgreSQL's sequence and the memory store never do).
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(
        default=None, sa_column=Column(_ID_TYPE, primary_key=True, autoincrement=True)
    )
    owner_id: str = Field(sa_column=Column(String(255), nullable=False))
    title: str = Field(sa_column=Column(String(255), nullable=False))
    title_folded: str = Field(sa_column=Column(Text, nullable=False))
    description: str = Field(sa_column=Column(Text, nullable=False))
    completed: bool = Field(nullable=False)
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    version: int = Field(sa_column=Column(Integer, nullable=False))


TASKS = TaskRecord.__table__  # type: ignore[attr-defined]
"""The Core table; the repository queries it directly, which avoids ORM overhead per row."""


TASK_COLUMNS = (
    TASKS.c.id,
    TASKS.c.owner_id,
    TASKS.c.title,
    TASKS.c.description,
    TASKS.c.completed,
    TASKS.c.created_at,
    TASKS.c.updated_at,
    TASKS.c.version,
)
"""The columns a ``Task`` is made of, in the order of its fields (search's fold is not one)."""


def task_from_row(row: Sequence[Any]) -> Task:
    """Map a row of ``TASK_COLUMNS`` to the domain entity.

    Positional on purpose: this runs for every row of every listing, and named access on a
    row costs several times more; ``test_task_columns_follow_the_entity`` pins the order.
    """
    return Task(*row)


class IdempotencyKeyRecord(SQLModel, table=True):
    """One user's Idempotency-Key: who claimed it, for which request, and the answer given.

    ``status_code`` is NULL while the claiming request runs. The primary key makes a key
    unique per user; ``created_at`` is indexed for the purge of expired keys.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        PrimaryKeyConstraint("owner_id", "key", name="pk_idempotency_keys"),
        Index("ix_idempotency_keys_created_at", "created_at"),
    )

    owner_id: str = Field(sa_column=Column(String(255), nullable=False))
    key: str = Field(sa_column=Column(String(255), nullable=False))
    fingerprint: str = Field(sa_column=Column(String(64), nullable=False))
    claim_id: str = Field(sa_column=Column(String(32), nullable=False))
    status_code: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    response_headers: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    response_body: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


IDEMPOTENCY_KEYS = IdempotencyKeyRecord.__table__  # type: ignore[attr-defined]


def encode_headers(headers: tuple[tuple[str, str], ...]) -> str:
    return json.dumps([list(pair) for pair in headers])


def idempotency_record_from_row(row: Row[Any]) -> IdempotencyRecord:
    response = None
    if row.status_code is not None:
        headers = tuple((name, value) for name, value in json.loads(row.response_headers or "[]"))
        response = StoredResponse(row.status_code, row.response_body or "", headers)
    return IdempotencyRecord(
        owner_id=row.owner_id,
        key=row.key,
        fingerprint=row.fingerprint,
        claimed_at=row.created_at,
        response=response,
    )
