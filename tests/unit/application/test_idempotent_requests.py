"""IdempotentRequests and request fingerprints, on the in-memory store with a stepping clock."""

from collections.abc import Awaitable, Callable, Sequence

import pytest

from application.errors import StorageUnavailableError
from application.idempotency import (
    IdempotencyClaim,
    IdempotencyCompletion,
    InvalidIdempotencyKeyError,
    StoredResponse,
    request_fingerprint,
)
from application.idempotent_requests import IdempotentRequests
from application.task_service import NewTask, TaskService
from domain.errors import InvalidTaskError
from domain.task import Task
from infrastructure.persistence.memory import InMemoryTaskRepository
from infrastructure.persistence.memory_idempotency import InMemoryIdempotencyStore
from tests.fakes import StepClock


def render(tasks: Sequence[Task]) -> StoredResponse:
    return StoredResponse(201, ",".join(task.title for task in tasks))


@pytest.fixture
def store() -> InMemoryIdempotencyStore:
    return InMemoryIdempotencyStore()


@pytest.fixture
def tasks(store: InMemoryIdempotencyStore, clock: StepClock) -> TaskService:
    return TaskService(InMemoryTaskRepository(idempotency_store=store), clock)


@pytest.fixture
def requests(store: InMemoryIdempotencyStore, clock: StepClock) -> IdempotentRequests:
    return IdempotentRequests(store, clock)


class UnreachableOnRelease(InMemoryIdempotencyStore):
    async def release(self, claim: IdempotencyClaim) -> None:
        raise StorageUnavailableError("down")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ({"title": "a", "description": "b"}, {"description": "b", "title": "a"}),
        ([{"title": "é"}], [{"title": "\u00e9"}]),
    ],
)
def test_the_fingerprint_ignores_key_order(one: object, other: object) -> None:
    assert request_fingerprint("op", one) == request_fingerprint("op", other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (("op", {"title": "a"}), ("op", {"title": "b"})),
        (("op", {"title": "a"}), ("other op", {"title": "a"})),
        (("op", [{"title": "a"}]), ("op", {"title": "a"})),
    ],
)
def test_the_fingerprint_tells_different_requests_apart(
    one: tuple[str, object], other: tuple[str, object]
) -> None:
    assert request_fingerprint(*one) != request_fingerprint(*other)


@pytest.mark.parametrize("key", ["", " ", "a b", "ü", "\x00", "k" * 256])
async def test_refuses_a_key_that_is_not_visible_ascii(
    requests: IdempotentRequests, tasks: TaskService, key: str
) -> None:
    with pytest.raises(InvalidIdempotencyKeyError):
        await requests.run("alice", key, "fp", _creator(tasks, "a"), render)


async def test_a_create_refused_by_the_rules_frees_the_key(
    requests: IdempotentRequests, tasks: TaskService
) -> None:
    with pytest.raises(InvalidTaskError):
        await requests.run("alice", "k", "fp", _creator(tasks, "   "), render)

    outcome = await requests.run("alice", "k", "fp", _creator(tasks, "a"), render)

    assert (outcome.replayed, outcome.response.body) == (False, "a")


async def test_the_create_error_wins_when_the_key_cannot_be_freed(
    clock: StepClock,
) -> None:
    store = UnreachableOnRelease()
    tasks = TaskService(InMemoryTaskRepository(idempotency_store=store), clock)
    requests = IdempotentRequests(store, clock)

    with pytest.raises(InvalidTaskError):
        await requests.run("alice", "k", "fp", _creator(tasks, ""), render)


def _creator(tasks: TaskService, title: str) -> Callable[[IdempotencyCompletion], Awaitable[Task]]:
    async def create(completion: IdempotencyCompletion) -> Task:
        return await tasks.create("alice", NewTask(title=title), completion)

    return create
