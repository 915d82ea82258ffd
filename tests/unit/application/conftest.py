"""Fixtures for use-case tests: the real in-memory repository and a deterministic clock."""

import pytest

from application.task_service import TaskService
from infrastructure.persistence.memory import InMemoryTaskRepository
from tests.fakes import StepClock


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def repository() -> InMemoryTaskRepository:
    return InMemoryTaskRepository()


@pytest.fixture
def service(repository: InMemoryTaskRepository, clock: StepClock) -> TaskService:
    return TaskService(repository, clock)
