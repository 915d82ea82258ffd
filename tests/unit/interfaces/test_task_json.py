"""The fast listing serialiser writes exactly what the documented TaskRead schema promises."""

from datetime import UTC, datetime

from domain.task import Task
from interfaces.http.schemas import TaskRead
from interfaces.http.task_json import NEXT_CURSOR_HEADER, TaskJson, task_list_response

MOMENT = datetime(2026, 11, 27, 12, 30, 15, 123456, tzinfo=UTC)


def _task(task_id: int) -> Task:
    return Task(task_id, "alice", f"Ça va {task_id}", "x\ty", task_id % 2 == 0, MOMENT, MOMENT, 3)


def test_task_json_has_the_fields_of_task_read() -> None:
    assert list(TaskJson.__annotations__) == list(TaskRead.model_fields)


def test_listing_bytes_equal_task_read_serialisation() -> None:
    tasks = [_task(1), _task(2)]

    response = task_list_response(tasks, limit=10)

    expected = "[" + ",".join(TaskRead.from_domain(t).model_dump_json() for t in tasks) + "]"
    assert response.body.decode() == expected


def test_a_full_page_carries_the_next_cursor_and_a_short_one_does_not() -> None:
    full = task_list_response([_task(1), _task(7)], limit=2)
    short = task_list_response([_task(1)], limit=2)

    assert (full.headers.get(NEXT_CURSOR_HEADER), short.headers.get(NEXT_CURSOR_HEADER)) == (
        "7",
        None,
    )
