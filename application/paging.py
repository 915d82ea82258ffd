"""What slice of a user's tasks a listing asks for, with its bounds."""

from dataclasses import dataclass

from application.errors import InvalidQueryError
from domain.task import TaskId

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# Beyond 64-bit signed integers databases overflow; refusing early keeps every backend alike.
MAX_SQL_INTEGER = 2**63 - 1


@dataclass(frozen=True, slots=True)
class TaskQuery:
    """Filters and paging for listing or searching one user's tasks, in ascending id order.

    ``after`` is keyset paging (only ids greater than it) and stays fast at any depth;
    ``skip`` is offset paging, kept for simple clients. Both may be combined.
    """

    completed: bool | None = None
    search_key: str | None = None
    skip: int = 0
    limit: int = DEFAULT_LIMIT
    after: TaskId | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidQueryError("limit", f"must be between 1 and {MAX_LIMIT}")
        if not 0 <= self.skip <= MAX_SQL_INTEGER:
            raise InvalidQueryError("skip", f"must be between 0 and {MAX_SQL_INTEGER}")
        if self.after is not None and not 0 <= self.after <= MAX_SQL_INTEGER:
            raise InvalidQueryError("after", f"must be between 0 and {MAX_SQL_INTEGER}")
