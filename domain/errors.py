"""Errors the domain raises when a rule is broken; they carry no transport details."""


class DomainError(Exception):
    """Base of every rule violation, so callers can map the whole family at once."""


class InvalidTaskError(DomainError):
    """Task data breaks a value rule (blank title, text too long, ...)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class TaskNotFoundError(DomainError):
    """No task has the requested id."""

    def __init__(self, task_id: int) -> None:
        super().__init__(f"task {task_id} not found")
        self.task_id = task_id


class NotTaskOwnerError(DomainError):
    """The task exists but belongs to another user."""

    def __init__(self, task_id: int) -> None:
        super().__init__(f"task {task_id} belongs to another user")
        self.task_id = task_id


class VersionMismatchError(DomainError):
    """The caller edited a version of the task that is no longer current (a lost update)."""

    def __init__(self, task_id: int, current_version: int) -> None:
        super().__init__(f"task {task_id} is at version {current_version}")
        self.task_id = task_id
        self.current_version = current_version
