"""The Idempotency-Key header on creates: read it, render the answer to store, replay it."""

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, cast

from fastapi import Depends, Header, Request, Response

from application.idempotency import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    IdempotencyCompletion,
    StoredResponse,
    request_fingerprint,
)
from application.idempotent_requests import IdempotentRequests
from domain.task import Task
from interfaces.http.dependencies import ContainerDep
from interfaces.http.schemas import TaskRead

REPLAYED_HEADER = "Idempotent-Replayed"

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
        pattern=r"^[\x21-\x7e]+$",
        description="Makes a retry safe: the same key with the same body within the time to"
        " live gets the first answer again (with `Idempotent-Replayed: true`) and creates"
        " nothing; 1..255 visible ASCII characters, scoped to the caller",
    ),
]


async def get_idempotent_requests(container: ContainerDep) -> IdempotentRequests:
    return container.idempotent_requests()


IdempotentRequestsDep = Annotated[IdempotentRequests, Depends(get_idempotent_requests)]


def json_text(content: object) -> str:
    """JSON exactly as FastAPI's own responses write it (compact, UTF-8, no NaN)."""
    return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def render_tasks(tasks: Sequence[Task]) -> StoredResponse:
    body = [TaskRead.from_domain(task).model_dump(mode="json") for task in tasks]
    return StoredResponse(status_code=201, body=json_text(body))


def render_task(
    headers: Callable[[Task], dict[str, str]],
) -> Callable[[Sequence[Task]], StoredResponse]:
    def render(tasks: Sequence[Task]) -> StoredResponse:
        (task,) = tasks
        return StoredResponse(
            status_code=201,
            body=json_text(TaskRead.from_domain(task).model_dump(mode="json")),
            headers=tuple(headers(task).items()),
        )

    return render


async def create_once(
    request: Request,
    requests: IdempotentRequests,
    owner_id: str,
    key: str,
    create: Callable[[IdempotencyCompletion], Awaitable[object]],
    render: Callable[[Sequence[Task]], StoredResponse],
) -> Response:
    """Run ``create`` unless this user's ``key`` already has an answer, which is replayed."""
    operation = cast(str, request.scope["route"].path_format) + " " + request.method
    fingerprint = request_fingerprint(operation, await request.json())
    outcome = await requests.run(owner_id, key, fingerprint, create, render)
    stored = outcome.response
    headers = dict(stored.headers)
    if outcome.replayed:
        headers[REPLAYED_HEADER] = "true"
    return Response(
        content=stored.body,
        status_code=stored.status_code,
        headers=headers,
        media_type="application/json",
    )
