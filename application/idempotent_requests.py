"""IdempotentRequests: a retried create with the same Idempotency-Key gets the first answer.

A client that timed out cannot know whether its create went through. Sending it again with the
same key is safe: the first request claims the key and stores its answer together with the
created tasks, in the same transaction; later requests with that key get that answer back.
"""

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from application.errors import StorageUnavailableError
from application.idempotency import (
    CLAIM_LEASE,
    DEFAULT_TTL,
    IdempotencyClaim,
    IdempotencyCompletion,
    IdempotencyKeyInUseError,
    IdempotencyKeyReusedError,
    IdempotencyRecord,
    StoredResponse,
    check_idempotency_key,
)
from application.ports import Clock, IdempotencyStore
from domain.task import Task, UserId


@dataclass(frozen=True, slots=True)
class IdempotentOutcome:
    response: StoredResponse
    replayed: bool


Create = Callable[[IdempotencyCompletion], Awaitable[object]]


class IdempotentRequests:
    """Runs a create at most once per (user, key) within the time to live.

    - Same key, same request: the stored answer, marked as replayed; nothing is created.
    - Same key, different request: ``IdempotencyKeyReusedError``.
    - Same key while the first request still runs: ``IdempotencyKeyInUseError``.
    - A failed create (bad input, storage down) frees the key, so the retry runs for real.
    """

    def __init__(self, store: IdempotencyStore, clock: Clock, ttl: timedelta = DEFAULT_TTL) -> None:
        self._store = store
        self._clock = clock
        self._ttl = ttl

    async def run(
        self,
        owner_id: UserId,
        key: str,
        fingerprint: str,
        create: Create,
        render: Callable[[Sequence[Task]], StoredResponse],
    ) -> IdempotentOutcome:
        check_idempotency_key(key)
        now = self._clock.now()
        claim = IdempotencyClaim(owner_id, key, fingerprint, claimed_at=now)
        existing = await self._store.claim(
            claim, expired_before=now - self._ttl, abandoned_before=now - CLAIM_LEASE
        )
        if existing is not None:
            return _answer_from(existing, fingerprint)
        rendered: list[StoredResponse] = []

        def render_and_keep(tasks: Sequence[Task]) -> StoredResponse:
            rendered.append(render(tasks))
            return rendered[-1]

        try:
            await create(IdempotencyCompletion(claim, render_and_keep))
        except BaseException:
            await self._release_quietly(claim)
            raise
        return IdempotentOutcome(rendered[-1], replayed=False)

    async def _release_quietly(self, claim: IdempotencyClaim) -> None:
        # If the store is down the claim cannot be freed now; it lapses after CLAIM_LEASE.
        with contextlib.suppress(StorageUnavailableError):
            await self._store.release(claim)


def _answer_from(record: IdempotencyRecord, fingerprint: str) -> IdempotentOutcome:
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReusedError(record.key)
    if record.response is None:
        raise IdempotencyKeyInUseError(record.key)
    return IdempotentOutcome(record.response, replayed=True)
