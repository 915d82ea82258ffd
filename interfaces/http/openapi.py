"""Documented error answers, so the OpenAPI schema lists every status a route can give."""

from typing import Any

from interfaces.http.schemas import ErrorRead

_DESCRIPTIONS = {
    400: "The request body cannot be decoded (not UTF-8)",
    401: "Missing or invalid bearer token",
    403: "The task belongs to another user, or a cross-site write used the session cookie",
    404: "No such task",
    409: "Concurrent change; retry",
    412: "If-Match does not name the current ETag",
    413: "Request body too large",
    422: "Invalid input",
    503: "Authentication or storage unavailable; retry after Retry-After seconds",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {"model": ErrorRead, "description": _DESCRIPTIONS[status]} for status in statuses
    }
