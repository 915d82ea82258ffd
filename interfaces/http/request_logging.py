"""Per request: an id (``X-Request-ID``), one access log line, and the request metrics."""

import logging
import random
import re
import time

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from interfaces.http.metrics import ServiceMetrics
from interfaces.logging_config import request_id_var

access_logger = logging.getLogger("interfaces.http.access")

REQUEST_ID_HEADER = b"x-request-id"
UNMATCHED_ROUTE = "unmatched"
# A caller's id is reused only when it is short and plain, so it cannot forge log content.
_ACCEPTABLE_ID = re.compile(rb"[A-Za-z0-9._:@/+=-]{1,128}")


class RequestLoggingMiddleware:
    """Pure ASGI (no per-request task or body buffering), wrapped around the whole app.

    The caller's ``X-Request-ID`` is kept when it is acceptable, else a new one is made; it
    is echoed in the answer and stamped on every log line written meanwhile. The access
    line names the route template (``/api/tasks/{task_id}``), never the raw path, and the
    caller's user id, never the credential. Unmatched paths share one label, so scanners
    cannot grow the metrics.
    """

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics | None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_id = _incoming_id(scope["headers"]) or _new_id()
        id_header = (REQUEST_ID_HEADER, raw_id)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
            await send(message)

        token = request_id_var.set(raw_id.decode())
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started)
            request_id_var.reset(token)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        # path_format: the template without converters ("{task_id}", not "{task_id:int}").
        route = getattr(scope.get("route"), "path_format", None) or UNMATCHED_ROUTE
        method = scope["method"]
        if self.metrics is not None:
            self.metrics.observe_request(method, route, status, seconds)
        if access_logger.isEnabledFor(logging.INFO):
            state = scope.get("state")
            access_logger.info(
                "%s %s %d",
                method,
                route,
                status,
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "user_id": state.get("user_id") if state else None,
                },
            )


class ObservedFastAPI(FastAPI):
    """FastAPI with ``RequestLoggingMiddleware`` outside every layer, the 500 handler included.

    As an ordinary middleware it would sit inside Starlette's error layer: an unhandled
    error's answer would then carry no request id, and its log line no id either.
    """

    service_metrics: ServiceMetrics | None = None

    def build_middleware_stack(self) -> ASGIApp:
        return RequestLoggingMiddleware(super().build_middleware_stack(), self.service_metrics)


def _new_id() -> bytes:
    # A request id must be unique, not secret: the PRNG is ~30x cheaper than os.urandom,
    # which is a system call on every request.
    return b"%032x" % random.getrandbits(128)


def _incoming_id(headers: list[tuple[bytes, bytes]]) -> bytes | None:
    for name, value in headers:
        if name == REQUEST_ID_HEADER:
            return value if _ACCEPTABLE_ID.fullmatch(value) else None
    return None
