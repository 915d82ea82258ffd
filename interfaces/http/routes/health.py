"""GET /api/health: a cheap liveness probe that touches nothing."""

from fastapi import APIRouter

from interfaces.http.schemas import HealthRead

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health")
async def health() -> HealthRead:
    return HealthRead()


# A route of its own: one route for both methods gives two operations one id, which FastAPI
# warns about (and the test suite turns warnings into errors).
@router.head("/health", include_in_schema=False)
async def health_head() -> HealthRead:
    return HealthRead()
