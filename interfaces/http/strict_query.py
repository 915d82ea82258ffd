"""Unknown query parameters are refused (422 naming them), as unknown body fields are."""

from collections.abc import Iterator

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError

# Known names per route, computed once: routes live as long as the app.
_KNOWN_NAMES: dict[int, frozenset[str]] = {}


def refuse_unknown_query_parameters(request: Request) -> None:
    """A typo such as ``?complete=false`` must not silently list every task."""
    dependant = request.scope["route"].dependant
    known = _KNOWN_NAMES.get(id(dependant))
    if known is None:
        known = _KNOWN_NAMES[id(dependant)] = frozenset(_query_names(dependant))
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
