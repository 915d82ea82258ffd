"""Unknown query parameters are refused (422 naming them), as unknown body fields are."""

from collections.abc import Iterator

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError

from interfaces.http.dependencies import CurrentUserDep


async def refuse_unknown_query_parameters(request: Request, _: CurrentUserDep) -> None:
    """A typo such as ``?complete=false`` must not silently list every task.

    It depends on the caller so that it runs after authentication: an anonymous request
    gets its 401 first, whatever its query string.
    """
    known = set(_query_names(request.scope["route"].dependant))
    refused = [
        (name, value) for name, value in request.query_params.multi_items() if name not in known
    ]
    if refused:
        raise RequestValidationError(
            [
                {
                    "type": "extra_forbidden",
                    "loc": ("query", name),
                    "msg": "Unknown query parameter",
                    "input": value,
                }
                for name, value in refused
            ]
        )


def _query_names(dependant: Dependant) -> Iterator[str]:
    for field in dependant.query_params:
        yield field.alias
    for dependency in dependant.dependencies:
        yield from _query_names(dependency)
