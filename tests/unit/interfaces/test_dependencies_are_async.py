"""Every route dependency is ``async def``: a plain ``def`` costs a thread hop per request."""

import inspect
from collections.abc import Iterator

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from interfaces.http.app import create_app
from interfaces.settings import Settings


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for dependency in dependant.dependencies:
        yield dependency
        yield from _dependencies(dependency)


def _sync_dependencies(settings: Settings) -> list[str]:
    app = create_app(settings)
    found = []
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
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

    assert _sync_dependencies(settings) == []
