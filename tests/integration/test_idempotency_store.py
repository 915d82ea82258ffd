"""The IdempotencyStore contract and its one transaction with the tasks, on every backend."""

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from application.idempotency import (
    IdempotencyClaim,
    IdempotencyCompletion,
    IdempotencyKeyInUseError,
    IdempotencyRecord,
    StoredResponse,
)
from application.paging import TaskQuery
from application.ports import IdempotencyStore, TaskRepository
from domain.task import Task, TaskDraft
from infrastructure.persistence.database import Database
from infrastructure.persistence.memory import InMemoryTaskRepository
from infrastructure.persistence.memory_idempotency import InMemoryIdempotencyStore
from infrastructure.persistence.migrations import upgrade_to_head
from infrastructure.persistence.sql_idempotency import SqlIdempotencyStore
from infrastructure.persistence.sql_tasks import SqlTaskRepository
from infrastructure.persistence.urls import StorageKind, storage_kind

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
LONG_AGO = T0 - timedelta(days=365)
LEASE = timedelta(minutes=1)


@dataclass
class Backend:
    tasks: TaskRepository
    keys: IdempotencyStore


@pytest.fixture
async def backend(storage_url: str) -> AsyncIterator[Backend]:
    if storage_kind(storage_url) is StorageKind.MEMORY:
        store = InMemoryIdempotencyStore()
        yield Backend(InMemoryTaskRepository(idempotency_store=store), store)
        return
    database = Database(storage_url)
    if database.kind is StorageKind.SQLITE:
        await upgrade_to_head(database)  # PostgreSQL's session database is migrated already
    yield Backend(SqlTaskRepository(database), SqlIdempotencyStore(database))
    await database.dispose()


def claim(
    owner: str = "alice", key: str = "k", at: datetime = T0, body: str = "fp"
) -> IdempotencyClaim:
    return IdempotencyClaim(owner, key, fingerprint=body, claimed_at=at)


async def take(
    store: IdempotencyStore, wanted: IdempotencyClaim, now: datetime = T0
) -> IdempotencyRecord | None:
    """Claim as the use case does at ``now`` with a one-day time to live."""
    return await store.claim(
        wanted, expired_before=now - timedelta(days=1), abandoned_before=now - LEASE
    )


def render(tasks: Sequence[Task]) -> StoredResponse:
    return StoredResponse(201, ",".join(str(task.id) for task in tasks), (("ETag", '"1"'),))


def drafts(*titles: str, owner: str = "alice") -> list[TaskDraft]:
    return [TaskDraft.new(owner, title, "", T0) for title in titles]


async def tasks_of(backend: Backend, owner: str = "alice") -> list[Task]:
    return await backend.tasks.find_owned(owner, TaskQuery())


async def test_the_first_claim_wins_and_a_later_one_sees_it_unanswered(backend: Backend) -> None:
    assert await take(backend.keys, claim(body="first")) is None

    holder = await take(backend.keys, claim(body="second"))

    assert holder is not None
    assert (holder.fingerprint, holder.response) == ("first", None)


async def test_of_concurrent_claims_on_one_key_exactly_one_wins(backend: Backend) -> None:
    results = await asyncio.gather(*(take(backend.keys, claim(body=f"{n}")) for n in range(10)))

    assert sum(result is None for result in results) == 1


async def test_completing_stores_the_answer_together_with_the_tasks(backend: Backend) -> None:
    mine = claim()
    await take(backend.keys, mine)

    created = await backend.tasks.add_many(drafts("a", "b"), IdempotencyCompletion(mine, render))
    holder = await take(backend.keys, claim())

    assert [task.title for task in await tasks_of(backend)] == ["a", "b"]
    assert holder is not None
    assert holder.response == render(created)


async def test_a_failure_inside_the_transaction_stores_neither_tasks_nor_answer(
    backend: Backend,
) -> None:
    mine = claim()
    await take(backend.keys, mine)

    def broken_render(_: Sequence[Task]) -> StoredResponse:
        raise RuntimeError("render failed after the insert")

    with pytest.raises(RuntimeError):
        await backend.tasks.add_many(drafts("a"), IdempotencyCompletion(mine, broken_render))
    holder = await take(backend.keys, claim())

    assert await tasks_of(backend) == []
    assert holder is not None
    assert holder.response is None


async def test_a_lapsed_claim_taken_over_by_a_retry_can_no_longer_complete(
    backend: Backend,
) -> None:
    stale, retry = claim(), claim(at=T0 + 2 * LEASE)
    await take(backend.keys, stale)
    assert await take(backend.keys, retry, now=T0 + 2 * LEASE) is None

    with pytest.raises(IdempotencyKeyInUseError):
        await backend.tasks.add_many(drafts("late"), IdempotencyCompletion(stale, render))

    assert await tasks_of(backend) == []


async def test_a_claim_within_its_lease_is_not_taken_over(backend: Backend) -> None:
    await take(backend.keys, claim())

    assert await take(backend.keys, claim(at=T0 + LEASE / 2), now=T0 + LEASE / 2) is not None


async def test_release_frees_an_unanswered_claim_of_the_same_request_only(
    backend: Backend,
) -> None:
    mine, other = claim(), claim()
    await take(backend.keys, mine)

    await backend.keys.release(other)
    still_held = await take(backend.keys, claim())
    await backend.keys.release(mine)
    freed = await take(backend.keys, claim())

    assert still_held is not None
    assert freed is None


async def test_release_never_removes_an_answered_key(backend: Backend) -> None:
    mine = claim()
    await take(backend.keys, mine)
    await backend.tasks.add_many(drafts("a"), IdempotencyCompletion(mine, render))

    await backend.keys.release(mine)

    assert await take(backend.keys, claim()) is not None


async def test_any_claim_purges_every_users_expired_keys(backend: Backend) -> None:
    await take(backend.keys, claim(owner="alice", key="old"))
    later = T0 + timedelta(days=2)

    await take(backend.keys, claim(owner="bob", key="new", at=later), now=later)
    # Nothing expires for this claim (LONG_AGO): it is free only because bob's claim purged it.
    revived = await backend.keys.claim(
        claim(owner="alice", key="old", at=later),
        expired_before=LONG_AGO,
        abandoned_before=LONG_AGO,
    )

    assert revived is None


async def test_keys_are_per_user(backend: Backend) -> None:
    await take(backend.keys, claim(owner="alice"))

    assert await take(backend.keys, claim(owner="bob")) is None
