"""TaskRecord: the only SQLModel table, and its mapping to and from the domain Task."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Integer, Row, String, Text
from sqlmodel import Field, SQLModel

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


def task_from_row(row: Row[Any]) -> Task:
    """Map a result row (with the table's columns) to the domain entity."""
    return Task(
        id=row.id,
        owner_id=row.owner_id,
        title=row.title,
        description=row.description,
        completed=row.completed,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
    )
