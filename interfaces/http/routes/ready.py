"""GET /api/ready: answers 200 only when the database answers and signing keys are at hand."""

import asyncio
from collections.abc import Awaitable
from typing import Literal

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from application.errors import StorageUnavailableError
from interfaces.container import Container
from interfaces.http.dependencies import ContainerDep
from interfaces.http.errors import RETRY_AFTER_SECONDS

router = APIRouter(prefix="/api", tags=["health"])

CheckResult = Literal["ok", "unavailable"]


class ReadinessChecks(BaseModel):
    database: CheckResult
    signing_keys: CheckResult


class ReadinessRead(BaseModel):
    status: Literal["ready"] = "ready"
    checks: ReadinessChecks


class NotReadyRead(BaseModel):
    detail: str
    checks: ReadinessChecks


@router.get(
    "/ready",
    response_model=ReadinessRead,
    responses={
        status.HTTP_503_SERVICE_UNAVAILABLE: {
            "model": NotReadyRead,
            "description": "A dependency is down; retry after Retry-After seconds",
        }
    },
)
async def ready(container: ContainerDep) -> Response | ReadinessRead:
    """For load balancers: route traffic here only while this is 200 (``/api/health`` is liveness).

    Both checks run at once, each bounded by ``READINESS_TIMEOUT_SECONDS``. Keys count when
    some are cached or the key set can be fetched now; they are fetched at most once a second.
    """
    seconds = container.settings().readiness_timeout_seconds
    database, keys = await asyncio.gather(
        _within(seconds, _database_answers(container)), _within(seconds, _keys_available(container))
    )
    checks = ReadinessChecks(database=_result(database), signing_keys=_result(keys))
    if database and keys:
        return ReadinessRead(checks=checks)
    body = NotReadyRead(detail="Not ready: a dependency is unavailable", checks=checks)
    return JSONResponse(
        body.model_dump(),
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


async def _within(seconds: float, check: Awaitable[bool]) -> bool:
    """A check that takes too long counts as failed; a hung dependency is a down one."""
    try:
        async with asyncio.timeout(seconds):
            return await check
    except TimeoutError:
        return False


async def _database_answers(container: Container) -> bool:
    if container.settings().storage.value == "memory":
        return True
    try:
        await container.database().ping()
    except StorageUnavailableError:
        return False
    return True


async def _keys_available(container: Container) -> bool:
    if not container.settings().jwt_enabled:
        return True
    return await container.jwks().ensure_loaded()


def _result(healthy: bool) -> CheckResult:
    return "ok" if healthy else "unavailable"
