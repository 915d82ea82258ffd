"""GET /api/health: a cheap liveness probe that touches nothing."""

from fastapi import APIRouter

from interfaces.http.schemas import HealthRead

router = APIRouter(prefix="/api", tags=["health"])


@router.api_route("/health", methods=["GET", "HEAD"])
async def health() -> HealthRead:
    return HealthRead()
