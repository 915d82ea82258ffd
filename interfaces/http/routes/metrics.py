"""GET /metrics: Prometheus text exposition of this app's metrics (off with METRICS_ENABLED)."""

from fastapi import APIRouter, Request, Response

from interfaces.http.metrics import ServiceMetrics

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    service_metrics: ServiceMetrics = request.app.service_metrics
    body, content_type = service_metrics.exposition()
    return Response(body, media_type=content_type)
