"""Idempotency keys: claims, stored answers, request fingerprints and the errors around them."""

import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from application.errors import ApplicationError
from domain.task import Task, UserId

IDEMPOTENCY_KEY_MAX_LENGTH = 255
DEFAULT_TTL = timedelta(hours=24)
# A claim older than this belongs to a request that died (process killed, database lost
# before the commit): it lapses so that the client's retry can run. No request takes so long.
CLAIM_LEASE = timedelta(minutes=1)


class InvalidIdempotencyKeyError(ApplicationError):
    """The key is not 1..255 visible ASCII characters."""


class IdempotencyKeyReusedError(ApplicationError):
    """The key was already used by this user for a different request."""


class IdempotencyKeyInUseError(ApplicationError):
    """A request with this key is still being processed; retrying shortly gets its answer."""


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """The answer as the interface rendered it the first time; replayed byte for byte."""

    status_code: int
    body: str
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class IdempotencyClaim:
    """A key taken by one request that has not answered yet.

    ``claim_id`` tells this request's claim from a later one on the same key (after this one
    lapsed), so a request that lost its claim can never complete someone else's.
    """

    owner_id: UserId
    key: str
    fingerprint: str
    claimed_at: datetime
    claim_id: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """What the store holds for a key; ``response`` is None while the first request runs."""

    owner_id: UserId
    key: str
    fingerprint: str
    claimed_at: datetime
    response: StoredResponse | None


@dataclass(frozen=True, slots=True)
class IdempotencyCompletion:
    """Given to ``TaskRepository.add_many``: store ``render(tasks)`` as the claim's answer.

    ``render`` runs inside the insert's transaction, once the tasks have their ids, so the
    tasks and the answer naming them are committed together or not at all.
    """

    claim: IdempotencyClaim
    render: Callable[[Sequence[Task]], StoredResponse]


def request_fingerprint(operation: str, body: object) -> str:
    """sha256 of the canonical JSON of the request: key order and spacing do not matter."""
    canonical = json.dumps(
        {"operation": operation, "body": body},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_idempotency_key(key: str) -> str:
    if not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH or not all("!" <= c <= "~" for c in key):
        raise InvalidIdempotencyKeyError(
            f"must be 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} visible ASCII characters"
        )
    return key
