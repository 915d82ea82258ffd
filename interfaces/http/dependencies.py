"""FastAPI dependencies: the container of this app, the use-case service, and the caller."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, cast

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyCookie, HTTPBearer

from application.auth import AuthenticatedUser, AuthenticationError
from application.task_service import TaskService
from interfaces.container import Container
from interfaces.http.csrf import ensure_allowed_origin
from interfaces.http.strict_query import refuse_unknown_query_parameters

# Declared for OpenAPI (the "Authorize" box in /docs); the header itself is read below so that
# one code path owns every 401.
bearer_scheme = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="A Better Auth JWT (from authClient.token() or the set-auth-jwt header)",
)
# Only listed in the schema when AUTH_MODE includes session (see openapi_security.py).
session_cookie_scheme = APIKeyCookie(
    name="better-auth.session_token",
    auto_error=False,
    scheme_name="BetterAuthSession",
    description="The Better Auth session cookie (AUTH_MODE=session); the session token also"
    " works as a bearer token",
)


# Dependencies are ``async def`` even when they never await: FastAPI runs a plain ``def``
# dependency in its thread pool, a thread hop per dependency per request.


def container_of(request: Request) -> Container:
    # Read from the app, never from a module global: two apps in one process stay isolated.
    return cast(Container, request.app.state.container)


async def get_container(request: Request) -> Container:
    return container_of(request)


ContainerDep = Annotated[Container, Depends(get_container)]


# The hot-path dependencies read the container themselves rather than through ContainerDep:
# every node of the dependency tree costs FastAPI real work on every request.
async def get_task_service(request: Request) -> TaskService:
    return container_of(request).task_service()


TaskServiceDep = Annotated[TaskService, Depends(get_task_service)]


def bearer_token(request: Request) -> str:
    """The one bearer token of the request; anything else is refused before any parsing."""
    values = request.headers.getlist("authorization")
    if not values:
        raise AuthenticationError("missing_token")
    if len(values) > 1:
        raise AuthenticationError("multiple_credentials")
    scheme, _, token = values[0].partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationError("not_bearer")
    return token


@dataclass(frozen=True, slots=True)
class Credential:
    """The caller's token, and whether a cookie carried it (then the CSRF check applies)."""

    token: str
    from_cookie: bool


def request_credential(request: Request, cookie_names: Sequence[str]) -> Credential:
    """The Authorization header if there is one, else the first named session cookie found.

    The header wins so that a client which sends a token is judged by it, whatever cookies
    the browser adds; with no ``cookie_names`` (JWT mode) cookies are never looked at.
    """
    if not cookie_names or request.headers.getlist("authorization"):
        return Credential(bearer_token(request), from_cookie=False)
    for name in cookie_names:
        value = request.cookies.get(name)
        if value:
            return Credential(value, from_cookie=True)
    raise AuthenticationError("missing_token")


async def get_current_user(
    request: Request,
    _: Annotated[object, Security(bearer_scheme)] = None,
) -> AuthenticatedUser:
    """The verified caller; then the request's query string is held to the API's strictness.

    The query check lives here rather than in a dependency of its own because every node of
    FastAPI's dependency tree costs real time on every request, and it must run after
    authentication anyway: an anonymous request gets its 401 whatever its query string.
    """
    container = container_of(request)
    settings = container.settings()
    cookie_names = settings.session_cookie_names if settings.session_enabled else []
    credential = request_credential(request, cookie_names)
    if credential.from_cookie:
        # Before asking Better Auth: a forged cross-site write costs no upstream call.
        ensure_allowed_origin(request, settings.cors_origins)
    user = await container.token_verifier().verify(credential.token)
    request.state.user_id = user.id
    refuse_unknown_query_parameters(request)
    return user


CurrentUserDep = Annotated[AuthenticatedUser, Depends(get_current_user)]
