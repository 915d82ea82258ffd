"""InMemoryIdempotencyStore: Idempotency-Keys for the ``memory://`` store and use-case tests."""

import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from application.idempotency import (
    IdempotencyClaim,
    IdempotencyCompletion,
    IdempotencyKeyInUseError,
    IdempotencyRecord,
)
from domain.task import Task, UserId


class InMemoryIdempotencyStore:
    """Keys in a dict; the in-memory task repository completes claims through ``complete``."""

    def __init__(self) -> None:
        self._records: dict[tuple[UserId, str], tuple[IdempotencyRecord, str]] = {}
        self._lock = threading.Lock()

    async def claim(
        self, claim: IdempotencyClaim, expired_before: datetime, abandoned_before: datetime
    ) -> IdempotencyRecord | None:
        slot = (claim.owner_id, claim.key)
        with self._lock:
            self._records = {
                key: entry
                for key, entry in self._records.items()
                if entry[0].claimed_at >= expired_before
                and not (
                    key == slot
                    and entry[0].response is None
                    and entry[0].claimed_at < abandoned_before
                )
            }
            holder = self._records.get(slot)
            if holder is not None:
                return holder[0]
            record = IdempotencyRecord(
                claim.owner_id, claim.key, claim.fingerprint, claim.claimed_at, response=None
            )
            self._records[slot] = (record, claim.claim_id)
            return None

    async def release(self, claim: IdempotencyClaim) -> None:
        with self._lock:
            if self._is_unanswered(claim):
                del self._records[(claim.owner_id, claim.key)]

    def complete(self, completion: IdempotencyCompletion, tasks: Sequence[Task]) -> None:
        """Store the answer; raises, storing nothing, when the claim is no longer the caller's."""
        claim = completion.claim
        with self._lock:
            if not self._is_unanswered(claim):
                raise IdempotencyKeyInUseError(claim.key)
            record, claim_id = self._records[(claim.owner_id, claim.key)]
            response = completion.render(tasks)
            self._records[(claim.owner_id, claim.key)] = (
                replace(record, response=response),
                claim_id,
            )

    def _is_unanswered(self, claim: IdempotencyClaim) -> bool:
        entry = self._records.get((claim.owner_id, claim.key))
        return entry is not None and entry[1] == claim.claim_id and entry[0].response is None
