"""/api/tasks: thin routes that parse, call one use case and shape the answer."""

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response, status

from application.paging import DEFAULT_LIMIT, MAX_LIMIT, MAX_SQL_INTEGER, TaskQuery
from application.task_service import NewTask
from domain.rules import SEARCH_TEXT_MAX_LENGTH
from domain.task import Task, TaskChanges
from interfaces.http.dependencies import CurrentUserDep, TaskServiceDep
from interfaces.http.etags import etag_of, expected_version, matches_none
from interfaces.http.idempotency import (
    IdempotencyKey,
    IdempotentRequestsDep,
    create_once,
    render_task,
    render_tasks,
)
from interfaces.http.openapi import error_responses
from interfaces.http.schemas import NO_NUL, BulkCreate, TaskCreate, TaskRead, TaskUpdate
from interfaces.http.task_json import task_list_response
from interfaces.http.task_path import TASK_PATH

router = APIRouter(prefix="/api/tasks", tags=["tasks"])

TaskIdPath = Annotated[int, Path(ge=1, le=MAX_SQL_INTEGER, description="Task id")]
Completed = Annotated[bool | None, Query(description="Only completed (true) or open (false)")]
Skip = Annotated[int, Query(ge=0, le=MAX_SQL_INTEGER, description="Offset paging")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")]
After = Annotated[
    int | None,
    Query(ge=0, le=MAX_SQL_INTEGER, description="Keyset paging: only ids after this one"),
]
IfMatch = Annotated[str | None, Header(description="Only act if the task's ETag is this")]
IfNoneMatch = Annotated[str | None, Header(description="Answer 304 if the ETag is this")]


@router.get("", response_model=list[TaskRead], responses=error_responses(401, 422, 503))
async def list_tasks(
    user: CurrentUserDep,
    service: TaskServiceDep,
    completed: Completed = None,
    skip: Skip = 0,
    limit: Limit = DEFAULT_LIMIT,
    after: After = None,
) -> Response:
    """The caller's tasks in id order; page with ``skip``/``limit`` or, faster, ``after``."""
    query = TaskQuery(completed=completed, skip=skip, limit=limit, after=after)
    return task_list_response(await service.list_tasks(user.id, query), limit)


@router.get("/search", response_model=list[TaskRead], responses=error_responses(401, 422, 503))
async def search_tasks(
    user: CurrentUserDep,
    service: TaskServiceDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=SEARCH_TEXT_MAX_LENGTH,
            pattern=NO_NUL,
            description="Text the title contains, ignoring case; % and _ match literally",
        ),
    ],
    completed: Completed = None,
    skip: Skip = 0,
    limit: Limit = DEFAULT_LIMIT,
    after: After = None,
) -> Response:
    """The caller's tasks whose title contains ``q``, in id order, paged like the listing."""
    query = TaskQuery(completed=completed, skip=skip, limit=limit, after=after)
    return task_list_response(await service.search(user.id, q, query), limit)


@router.post(
    "/bulk",
    status_code=status.HTTP_201_CREATED,
    response_model=list[TaskRead],
    responses=error_responses(400, 401, 403, 409, 413, 422, 503),
)
async def create_tasks(
    request: Request,
    user: CurrentUserDep,
    service: TaskServiceDep,
    idempotent: IdempotentRequestsDep,
    body: BulkCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response | list[TaskRead]:
    """Create up to 1000 tasks at once: all of them, or none if any item is invalid."""
    items = [NewTask(title=item.title, description=item.description) for item in body]
    if idempotency_key is not None:
        return await create_once(
            request,
            idempotent,
            user.id,
            idempotency_key,
            lambda completion: service.create_many(user.id, items, completion),
            render_tasks,
        )
    tasks = await service.create_many(user.id, items)
    return [TaskRead.from_domain(task) for task in tasks]


def _created_headers(task: Task) -> dict[str, str]:
    return {"ETag": etag_of(task), "Location": f"{router.prefix}/{task.id}"}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TaskRead,
    responses=error_responses(400, 401, 403, 409, 413, 422, 503),
)
async def create_task(
    request: Request,
    user: CurrentUserDep,
    service: TaskServiceDep,
    idempotent: IdempotentRequestsDep,
    body: TaskCreate,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Response | TaskRead:
    """Create a task owned by the caller (the token's subject, whatever the body says)."""
    new_task = NewTask(title=body.title, description=body.description)
    if idempotency_key is not None:
        return await create_once(
            request,
            idempotent,
            user.id,
            idempotency_key,
            lambda completion: service.create(user.id, new_task, completion),
            render_task(_created_headers),
        )
    task = await service.create(user.id, new_task)
    response.headers.update(_created_headers(task))
    return TaskRead.from_domain(task)


@router.get(
    TASK_PATH,
    response_model=TaskRead,
    responses={304: {"description": "Not modified"}, **error_responses(401, 403, 404, 422, 503)},
)
async def get_task(
    task_id: TaskIdPath,
    user: CurrentUserDep,
    service: TaskServiceDep,
    response: Response,
    if_none_match: IfNoneMatch = None,
) -> Response | TaskRead:
    task = await service.get(user.id, task_id)
    if matches_none(if_none_match, task):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag_of(task)})
    response.headers["ETag"] = etag_of(task)
    return TaskRead.from_domain(task)


@router.patch(TASK_PATH, responses=error_responses(400, 401, 403, 404, 409, 412, 413, 422, 503))
async def update_task(
    task_id: TaskIdPath,
    body: TaskUpdate,
    user: CurrentUserDep,
    service: TaskServiceDep,
    response: Response,
    if_match: IfMatch = None,
) -> TaskRead:
    """Change only the fields sent; with ``If-Match``, only if nobody changed the task since."""
    changes = TaskChanges(title=body.title, description=body.description, completed=body.completed)
    task = await service.update(user.id, task_id, changes, expected_version(if_match))
    response.headers["ETag"] = etag_of(task)
    return TaskRead.from_domain(task)


@router.delete(
    TASK_PATH,
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(401, 403, 404, 409, 412, 422, 503),
)
async def delete_task(
    task_id: TaskIdPath, user: CurrentUserDep, service: TaskServiceDep, if_match: IfMatch = None
) -> Response:
    await service.delete(user.id, task_id, expected_version(if_match))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
