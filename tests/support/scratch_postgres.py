"""Throwaway PostgreSQL databases for tests that break things: made, reached via relays, dropped."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import asyncpg
from sqlalchemy.engine import make_url

from tests.support.postgres import (
    CONNECT_TIMEOUT_SECONDS,
    admin_url,
    create_database,
    drop_database,
    run_blocking,
)


@dataclass(frozen=True)
class ScratchDatabase:
    """A database nobody else uses: faults injected into it disturb no other test."""

    url: str

    @property
    def name(self) -> str:
        return make_url(self.url).database or ""

    @property
    def host(self) -> str:
        return make_url(self.url).host or "127.0.0.1"

    @property
    def port(self) -> int:
        return make_url(self.url).port or 5432

    def url_via(self, port: int, host: str = "127.0.0.1") -> str:
        """The URL of this database reached through a relay listening on ``host:port``."""
        return make_url(self.url).set(host=host, port=port).render_as_string(hide_password=False)

    async def terminate_sessions(self) -> int:
        """Kill every server session on this database, as an admin or a failover would."""
        dsn = make_url(admin_url()).set(drivername="postgresql")
        connection = await asyncpg.connect(
            dsn.render_as_string(hide_password=False), timeout=CONNECT_TIMEOUT_SECONDS
        )
        try:
            rows = await connection.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = $1 AND pid <> pg_backend_pid()",
                self.name,
            )
        finally:
            await connection.close()
        return sum(1 for row in rows if row[0])


@contextmanager
def scratch_database(purpose: str) -> Iterator[ScratchDatabase]:
    """An empty database named after ``purpose``; dropped (with its sessions) afterwards."""
    url = run_blocking(lambda: create_database(f"tasks_{purpose}"))
    try:
        yield ScratchDatabase(url)
    finally:
        run_blocking(lambda: drop_database(url))
