"""TaskQuery bounds: paging values every backend can hold, refused early otherwise."""

import pytest

from application.errors import InvalidQueryError
from application.paging import DEFAULT_LIMIT, MAX_LIMIT, MAX_SQL_INTEGER, TaskQuery


def test_defaults_ask_for_the_first_page_of_every_task() -> None:
    query = TaskQuery()

    assert (query.completed, query.search_key, query.skip, query.limit, query.after) == (
        None,
        None,
        0,
        DEFAULT_LIMIT,
        None,
    )


@pytest.mark.parametrize(
    "query_arguments",
    [
        {"limit": 1},
        {"limit": MAX_LIMIT},
        {"skip": 0},
        {"skip": MAX_SQL_INTEGER},
        {"after": 0},
        {"after": MAX_SQL_INTEGER},
        {"after": None},
    ],
    ids=repr,
)
def test_accepts_values_at_the_bounds(query_arguments: dict[str, int | None]) -> None:
    query = TaskQuery(**query_arguments)  # type: ignore[arg-type]

    for name, value in query_arguments.items():
        assert getattr(query, name) == value


@pytest.mark.parametrize(
    ("query_arguments", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": -1}, "limit"),
        ({"limit": MAX_LIMIT + 1}, "limit"),
        ({"skip": -1}, "skip"),
        ({"skip": MAX_SQL_INTEGER + 1}, "skip"),
        ({"skip": 10**30}, "skip"),
        ({"after": -1}, "after"),
        ({"after": MAX_SQL_INTEGER + 1}, "after"),
    ],
    ids=repr,
)
def test_refuses_values_out_of_bounds(query_arguments: dict[str, int], field: str) -> None:
    with pytest.raises(InvalidQueryError) as caught:
        TaskQuery(**query_arguments)  # type: ignore[arg-type]

    assert caught.value.field == field
