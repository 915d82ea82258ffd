"""405 answers that name every method the path supports, not only the first route's."""

from typing import cast

from fastapi import Request, Response
from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException
from starlette.routing import Match

_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


async def handle_http_error(request: Request, error: Exception) -> Response:
    """FastAPI's own answer to an ``HTTPException``, with a complete ``Allow`` on a 405.

    Starlette has one route per method and path, and the first route whose path matches
    answers the 405 with its own method alone (``Allow: GET`` for a path that also takes
    PATCH and DELETE); RFC 9110 wants the whole list.
    """
    http_error = cast(HTTPException, error)  # registered for HTTPException only
    if http_error.status_code == 405:
        headers = {**(http_error.headers or {}), "Allow": allowed_methods(request)}
        http_error = HTTPException(405, http_error.detail, headers=headers)
    return await http_exception_handler(request, http_error)


def allowed_methods(request: Request) -> str:
    """Every method some route would take on this path; asked through the routes' own
    ``matches``, which also looks inside included routers."""
    routes = request.app.router.routes
    return ", ".join(
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    )
