"""The SQL row-to-entity mapping is positional, so its column order must follow the entity."""

from dataclasses import fields

from domain.task import Task
from infrastructure.persistence.tables import TASK_COLUMNS


def test_task_columns_follow_the_entity() -> None:
    assert [column.name for column in TASK_COLUMNS] == [field.name for field in fields(Task)]
