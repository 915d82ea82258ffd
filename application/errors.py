"""Errors raised across the application boundary by use cases and by adapters of its ports."""


class ApplicationError(Exception):
    """Base of every non-domain failure the outer layer must translate."""


class InvalidQueryError(ApplicationError):
    """A listing or search request is out of bounds (paging values, search text)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class StorageUnavailableError(ApplicationError):
    """The task store cannot be reached right now; retrying later may succeed."""


class ConcurrentUpdateError(ApplicationError):
    """The task kept changing under us; the caller should retry."""
