"""GET /api/health: a cheap liveness probe that touches nothing."""

from fastapi import APIRouter

from interfaces.http.schemas import HealthRead

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health")
async def health() -> HealthRead:
    return HealthRead()
