"""What has to happen before the first request: the storage schema."""

from interfaces.container import Container


async def prepare_storage(container: Container) -> None:
    """Create the schema of an SQL store (idempotent); the memory store needs nothing."""
    settings = container.settings()
    if settings.storage.value == "memory":
        return
    await container.database().create_schema()
