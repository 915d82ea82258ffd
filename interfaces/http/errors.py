"""The one table from exception type to HTTP answer; every error body is ``{"detail": ...}``."""

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from application.auth import AuthenticationError, AuthUnavailableError
from application.errors import (
    ConcurrentUpdateError,
    InvalidQueryError,
    StorageUnavailableError,
)
from application.idempotency import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    IdempotencyKeyInUseError,
    IdempotencyKeyReusedError,
    InvalidIdempotencyKeyError,
)
from domain.errors import (
    InvalidTaskError,
    NotTaskOwnerError,
    TaskNotFoundError,
    VersionMismatchError,
)
from interfaces.http.csrf import CrossSiteRequestError
from interfaces.http.method_not_allowed import handle_http_error

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "5"
# A create holding an Idempotency-Key finishes within a second or so; then the retry replays it.
IN_PROGRESS_RETRY_AFTER_SECONDS = "1"
INVALID_CREDENTIALS = "Invalid or missing credentials"


@dataclass(frozen=True, slots=True)
class ErrorAnswer:
    status: int
    detail: str | None = None
    headers: dict[str, str] | None = None


def _validation_detail(location: str, field: str, message: str) -> list[dict[str, object]]:
    return [{"loc": [location, *field.split(".")], "msg": message, "type": "value_error"}]


# Exception type -> answer. ``detail=None`` means the detail is built from the exception.
ERROR_TABLE: dict[type[Exception], ErrorAnswer] = {
    AuthenticationError: ErrorAnswer(
        401, INVALID_CREDENTIALS, {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    ),
    CrossSiteRequestError: ErrorAnswer(
        403, "Cross-site request refused: this Origin may not use the session cookie"
    ),
    NotTaskOwnerError: ErrorAnswer(403, "Not allowed to access this task"),
    TaskNotFoundError: ErrorAnswer(404, "Task not found"),
    ConcurrentUpdateError: ErrorAnswer(409, "The task is being changed concurrently; retry"),
    IdempotencyKeyInUseError: ErrorAnswer(
        409,
        "A request with this Idempotency-Key is still in progress; retry shortly",
        {"Retry-After": IN_PROGRESS_RETRY_AFTER_SECONDS},
    ),
    VersionMismatchError: ErrorAnswer(412, "The task has changed since you read it"),
    InvalidIdempotencyKeyError: ErrorAnswer(
        422, f"must be 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} visible ASCII characters"
    ),
    IdempotencyKeyReusedError: ErrorAnswer(422, "was already used with a different request"),
    InvalidTaskError: ErrorAnswer(422),
    InvalidQueryError: ErrorAnswer(422),
    AuthUnavailableError: ErrorAnswer(
        503,
        "Credentials cannot be checked right now; retry shortly",
        {"Retry-After": RETRY_AFTER_SECONDS},
    ),
    StorageUnavailableError: ErrorAnswer(
        503, "Storage is unavailable; retry shortly", {"Retry-After": RETRY_AFTER_SECONDS}
    ),
}


def error_response(error: Exception) -> JSONResponse:
    answer = _answer_for(error)
    detail: object = answer.detail
    if isinstance(error, InvalidTaskError):
        detail = _validation_detail("body", error.field, error.message)
    elif isinstance(error, InvalidQueryError):
        detail = _validation_detail("query", error.field, error.message)
    elif isinstance(error, InvalidIdempotencyKeyError | IdempotencyKeyReusedError):
        detail = _validation_detail("header", "Idempotency-Key", str(answer.detail))
    headers = dict(answer.headers or {})
    if isinstance(error, AuthenticationError) and error.reason == "missing_token":
        # RFC 6750: no error code when the request carried no credential at all.
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(error, VersionMismatchError):
        headers["ETag"] = f'"{error.current_version}"'
    return JSONResponse({"detail": detail}, status_code=answer.status, headers=headers)


def _answer_for(error: Exception) -> ErrorAnswer:
    for error_type in type(error).__mro__:
        answer = ERROR_TABLE.get(error_type)
        if answer is not None:
            return answer
    raise LookupError(type(error))


async def _handle_known(_: Request, error: Exception) -> JSONResponse:
    if isinstance(error, AuthUnavailableError | StorageUnavailableError):
        logger.warning("dependency unavailable: %s", type(error).__name__)
    return error_response(error)


async def _handle_invalid_request(_: Request, error: Exception) -> JSONResponse:
    """FastAPI's own 422 body, made encodable.

    FastAPI's handler echoes each refused value, and a value JSON cannot carry (``NaN``,
    ``1e400``, a lone surrogate like ``"\\ud800"``) made the 422 itself fail into a 500.
    """
    errors = error.errors() if isinstance(error, RequestValidationError) else []
    return JSONResponse({"detail": _encodable(jsonable_encoder(errors))}, status_code=422)


def _encodable(value: object) -> object:
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, list):
        return [_encodable(item) for item in value]
    if isinstance(value, dict):
        return {_encodable(key): _encodable(item) for key, item in value.items()}
    return value


async def _handle_unexpected(request: Request, error: Exception) -> JSONResponse:
    # The traceback goes to the log only; the client learns nothing about internals.
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return JSONResponse({"detail": "Internal Server Error"}, status_code=500)


def register_error_handlers(
    app: FastAPI, on_auth_failure: Callable[[str], None] | None = None
) -> None:
    """``on_auth_failure`` hears the reason of every 401, whichever layer raised it."""

    async def handle_known(request: Request, error: Exception) -> JSONResponse:
        if on_auth_failure is not None and isinstance(error, AuthenticationError):
            on_auth_failure(error.reason)
        return await _handle_known(request, error)

    for error_type in ERROR_TABLE:
        app.add_exception_handler(error_type, handle_known)
    app.add_exception_handler(RequestValidationError, _handle_invalid_request)
    app.add_exception_handler(HTTPException, handle_http_error)
    app.add_exception_handler(Exception, _handle_unexpected)
