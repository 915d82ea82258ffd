"""Throwaway PostgreSQL databases, made and dropped per test module, for tests that break things."""

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import asyncpg
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@dataclass(frozen=True)
class ScratchDatabase:
    """A database nobody else uses: faults injected into it disturb no other test."""

    name: str

    @property
    def host(self) -> str:
        return make_url(ADMIN_URL).host or "127.0.0.1"

    @property
    def port(self) -> int:
        return make_url(ADMIN_URL).port or 5432

    @property
    def url(self) -> str:
        return make_url(ADMIN_URL).set(database=self.name).render_as_string(hide_password=False)

    def url_via(self, port: int, host: str = "127.0.0.1") -> str:
        """The URL of this database reached through a relay listening on ``host:port``."""
        parsed = make_url(ADMIN_URL).set(database=self.name, host=host, port=port)
        return parsed.render_as_string(hide_password=False)

    async def terminate_sessions(self) -> int:
        """Kill every server session on this database, as an admin or a failover would."""
        rows = await _admin_fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            self.name,
        )
        return sum(1 for row in rows if row[0])


@contextmanager
def scratch_database(purpose: str) -> Iterator[ScratchDatabase]:
    """Create an empty database named after ``purpose``; drop it (with its sessions) afterwards."""
    database = ScratchDatabase(f"tasks_{purpose}_{uuid.uuid4().hex[:10]}")
    asyncio.run(_admin_fetch(f'CREATE DATABASE "{database.name}"'))
    try:
        yield database
    finally:
        asyncio.run(_admin_fetch(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)'))


async def _admin_fetch(statement: str, *arguments: object) -> list[asyncpg.Record]:
    url = make_url(ADMIN_URL).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(url, timeout=10)
    try:
        return list(await connection.fetch(statement, *arguments))
    finally:
        await connection.close()
