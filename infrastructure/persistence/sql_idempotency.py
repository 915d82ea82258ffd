"""SqlIdempotencyStore: Idempotency-Keys in the tasks' own database, next to the tasks they made."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from application.idempotency import (
    IdempotencyClaim,
    IdempotencyCompletion,
    IdempotencyKeyInUseError,
    IdempotencyRecord,
)
from domain.task import Task
from infrastructure.persistence.database import Database
from infrastructure.persistence.tables import (
    IDEMPOTENCY_KEYS,
    encode_headers,
    idempotency_record_from_row,
)
from infrastructure.persistence.urls import StorageKind

_KEYS = IDEMPOTENCY_KEYS.c
_CLAIM_ATTEMPTS = 3


class SqlIdempotencyStore:
    """The SQL adapter of ``IdempotencyStore``; one short transaction per call.

    A claim is ``INSERT ... ON CONFLICT DO NOTHING``: of two concurrent claims on one key the
    database lets exactly one insert (PostgreSQL makes the second wait for the first's commit;
    SQLite has one writer at a time), and the loser reads the winner's row.
    """

    def __init__(self, database: Database) -> None:
        self._database = database
        dialect = postgresql if database.kind is StorageKind.POSTGRESQL else sqlite
        self._insert = dialect.insert

    async def claim(
        self, claim: IdempotencyClaim, expired_before: datetime, abandoned_before: datetime
    ) -> IdempotencyRecord | None:
        forget = delete(IDEMPOTENCY_KEYS).where(
            or_(
                _KEYS.created_at < expired_before,
                and_(
                    _KEYS.owner_id == claim.owner_id,
                    _KEYS.key == claim.key,
                    _KEYS.status_code.is_(None),
                    _KEYS.created_at < abandoned_before,
                ),
            )
        )
        take = (
            self._insert(IDEMPOTENCY_KEYS)
            .values(
                owner_id=claim.owner_id,
                key=claim.key,
                fingerprint=claim.fingerprint,
                claim_id=claim.claim_id,
                created_at=claim.claimed_at,
            )
            .on_conflict_do_nothing(index_elements=[_KEYS.owner_id, _KEYS.key])
            .returning(_KEYS.claim_id)
        )
        holder = select(IDEMPOTENCY_KEYS).where(
            _KEYS.owner_id == claim.owner_id, _KEYS.key == claim.key
        )
        # The holder may be released between the insert and the read: then claim again.
        for _ in range(_CLAIM_ATTEMPTS):
            async with self._database.write() as connection:
                await connection.execute(forget)
                if (await connection.execute(take)).first() is not None:
                    return None
                row = (await connection.execute(holder)).first()
            if row is not None:
                return idempotency_record_from_row(row)
        raise IdempotencyKeyInUseError(claim.key)

    async def release(self, claim: IdempotencyClaim) -> None:
        statement = delete(IDEMPOTENCY_KEYS).where(*_unanswered(claim))
        async with self._database.write() as connection:
            await connection.execute(statement)


async def complete_claim(
    connection: AsyncConnection, completion: IdempotencyCompletion, tasks: Sequence[Task]
) -> None:
    """Store the answer on the claim, inside the caller's transaction (the tasks' insert).

    Raises ``IdempotencyKeyInUseError`` when the claim lapsed and the key is now another
    request's: the caller's transaction then rolls back, and the tasks are not stored.
    """
    response = completion.render(tasks)
    statement = (
        update(IDEMPOTENCY_KEYS)
        .where(*_unanswered(completion.claim))
        .values(
            status_code=response.status_code,
            response_headers=encode_headers(response.headers),
            response_body=response.body,
        )
    )
    if (await connection.execute(statement)).rowcount != 1:
        raise IdempotencyKeyInUseError(completion.claim.key)


def _unanswered(claim: IdempotencyClaim) -> tuple[ColumnElement[bool], ...]:
    return (
        _KEYS.owner_id == claim.owner_id,
        _KEYS.key == claim.key,
        _KEYS.claim_id == claim.claim_id,
        _KEYS.status_code.is_(None),
    )
