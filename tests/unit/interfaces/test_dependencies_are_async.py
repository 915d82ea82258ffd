"""Every route dependency is ``async def``: a plain ``def`` costs a thread hop per request."""

import inspect
from collections.abc import Iterable, Iterator

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from interfaces.http.app import create_app
from interfaces.settings import Settings


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for dependency in dependant.dependencies:
        yield dependency
        yield from _dependencies(dependency)


def _api_routes(routes: Iterable[object]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        # Included routers appear as wrappers around the router they include.
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _api_routes(included.routes)


def _sync_dependencies(settings: Settings) -> list[str]:
    found = []
    for route in _api_routes(create_app(settings).routes):
        for dependency in _dependencies(route.dependant):
            call = dependency.call
            if call is None:
                continue
            target = call if inspect.isfunction(call) else type(call).__call__
            if not inspect.iscoroutinefunction(target):
                found.append(f"{route.path}: {getattr(call, '__qualname__', call)}")
    return found


def test_no_route_runs_a_dependency_in_the_thread_pool() -> None:
    settings = Settings(_env_file=None, database_url="memory://", auth_mode="jwt,session")  # type: ignore[call-arg]

    routes = list(_api_routes(create_app(settings).routes))

    assert len(routes) >= 8
    assert _sync_dependencies(settings) == []
