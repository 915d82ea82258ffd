"""FastAPI dependencies: the container of this app, the use-case service, and the caller."""

from typing import Annotated, cast

from fastapi import Depends, Request, Security
from fastapi.security import HTTPBearer

from application.auth import AuthenticatedUser, AuthenticationError
from application.task_service import TaskService
from interfaces.container import Container

# Declared for OpenAPI (the "Authorize" box in /docs); the header itself is read below so that
# one code path owns every 401.
bearer_scheme = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    description="A Better Auth JWT (from authClient.token() or the set-auth-jwt header)",
)


def get_container(request: Request) -> Container:
    # Read from the app, never from a module global: two apps in one process stay isolated.
    return cast(Container, request.app.state.container)


ContainerDep = Annotated[Container, Depends(get_container)]


def get_task_service(container: ContainerDep) -> TaskService:
    return container.task_service()


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


async def get_current_user(
    request: Request,
    container: ContainerDep,
    _: Annotated[object, Security(bearer_scheme)] = None,
) -> AuthenticatedUser:
    user = await container.token_verifier().verify(bearer_token(request))
    request.state.user_id = user.id
    return user


CurrentUserDep = Annotated[AuthenticatedUser, Depends(get_current_user)]
