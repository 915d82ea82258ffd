"""The FastAPI application: ``create_app()`` builds one; ``app`` is the one uvicorn serves."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from interfaces.container import Container
from interfaces.http.body_limit import BodyLimitMiddleware
from interfaces.http.errors import register_error_handlers
from interfaces.http.metrics import ServiceMetrics
from interfaces.http.openapi_security import declare_session_cookie
from interfaces.http.request_logging import ObservedFastAPI
from interfaces.http.routes import health, metrics, ready, tasks
from interfaces.settings import Settings
from interfaces.startup import prepare_storage


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build an app with its own container; nothing connects until the first request or start.

    Settings are read here, not at import, so a bad setting fails at start with its message.
    """
    settings = settings or Settings()
    service_metrics = ServiceMetrics() if settings.metrics_enabled else None
    container = Container(settings=settings)
    if service_metrics is not None:
        container.jwks_fetch_listener.override(service_metrics.jwks_fetched)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await prepare_storage(container)
        if service_metrics is not None and settings.storage.value != "memory":
            service_metrics.watch_pool(container.database().engine)
        try:
            yield
        finally:
            await container.jwks().aclose()
            if settings.session_enabled:
                await container.session_verifier().aclose()
            if settings.storage.value != "memory":
                await container.database().dispose()

    app = ObservedFastAPI(
        title="Tasks API",
        version="0.1.0",
        summary="Per-user tasks for apps that sign users in with Better Auth.",
        # /docs keeps the token pasted into "Authorize" across page reloads.
        swagger_ui_parameters={"persistAuthorization": True},
        lifespan=lifespan,
    )
    app.state.container = container
    app.service_metrics = service_metrics
    register_error_handlers(
        app, on_auth_failure=service_metrics.auth_failed if service_metrics else None
    )
    if settings.session_enabled:
        declare_session_cookie(app)
    app.include_router(health.router)
    app.include_router(ready.router)
    if service_metrics is not None:
        app.include_router(metrics.router)
    app.include_router(tasks.router)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=[
            "Authorization",
            "Content-Type",
            "If-Match",
            "If-None-Match",
            "Idempotency-Key",
            "X-Request-ID",
        ],
        expose_headers=[
            "ETag",
            "Location",
            "Retry-After",
            "X-Next-After",
            "X-Request-ID",
            "Idempotent-Replayed",
        ],
    )
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    return app


app = create_app()
