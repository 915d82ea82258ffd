"""What has to happen before the first request: the storage schema, through migrations."""

import logging

from application.errors import StorageUnavailableError
from infrastructure.persistence.migrations import is_up_to_date, upgrade_to_head
from infrastructure.persistence.urls import StorageKind
from interfaces.container import Container

logger = logging.getLogger(__name__)


async def prepare_storage(container: Container) -> None:
    """Migrate an SQL store when ``AUTO_MIGRATE`` says so; the memory store needs nothing.

    Without auto-migration (PostgreSQL's default) the service starts whatever the schema's
    state, so a deployment is never blocked by it, and says in the log when the schema is
    behind: migrations are then run on purpose (``make migrate``) before new code is rolled out.
    """
    settings = container.settings()
    if settings.storage is StorageKind.MEMORY:
        return
    database = container.database()
    if settings.migrate_at_start:
        await upgrade_to_head(database)
        return
    try:
        up_to_date = await is_up_to_date(database)
    except StorageUnavailableError:
        logger.warning("database unreachable at start: requests will get 503 until it answers")
        return
    if not up_to_date:
        logger.warning(
            "database schema is behind the newest migration: run `make migrate` "
            "(alembic upgrade head) or set AUTO_MIGRATE=true"
        )
