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
    better_auth_sessions: CheckResult | None = None
    """Only present when AUTH_MODE includes ``session``: then Better Auth checks sessions."""


class ReadinessRead(BaseModel):
    status: Literal["ready"] = "ready"
    checks: ReadinessChecks


class NotReadyRead(BaseModel):
    detail: str
    checks: ReadinessChecks


@router.get(
    "/ready",
    response_model=ReadinessRead,
    response_model_exclude_none=True,
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
    database, keys, sessions = await asyncio.gather(
        _within(seconds, _database_answers(container)),
        _within(seconds, _keys_available(container)),
        _within(seconds, _sessions_checkable(container)),
    )
    checks = ReadinessChecks(
        database=_result(database),
        signing_keys=_result(keys),
        better_auth_sessions=(_result(sessions) if container.settings().session_enabled else None),
    )
    if database and keys and sessions:
        return ReadinessRead(checks=checks)
    body = NotReadyRead(detail="Not ready: a dependency is unavailable", checks=checks)
    return JSONResponse(
        body.model_dump(exclude_none=True),
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


async def _sessions_checkable(container: Container) -> bool:
    if not container.settings().session_enabled:
        return True
    return await container.session_verifier().is_reachable()


def _result(healthy: bool) -> CheckResult:
    return "ok" if healthy else "unavailable"
