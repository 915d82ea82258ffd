"""HTTP semantics the fuzzer holds us to: 405 with a complete Allow, unknown query parameters."""

import httpx
import pytest

from tests.e2e.conftest import Headers


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/api/tasks/1", "DELETE, GET, PATCH"),
        ("POST", "/api/tasks/1", "DELETE, GET, PATCH"),
        ("PATCH", "/api/tasks", "GET, POST"),
        ("DELETE", "/api/tasks", "GET, POST"),
        ("PATCH", "/api/tasks/search", "GET"),
        ("DELETE", "/api/tasks/bulk", "POST"),
        ("PUT", "/api/tasks/bulk", "POST"),
        ("POST", "/api/health", "GET, HEAD"),
    ],
)
async def test_405_names_every_method_the_path_supports(
    client: httpx.AsyncClient, alice: Headers, method: str, path: str, allowed: str
) -> None:
    response = await client.request(method, path, headers=alice)

    assert response.status_code == 405
    assert response.headers["Allow"] == allowed
    assert response.json() == {"detail": "Method Not Allowed"}


@pytest.mark.parametrize("task_id", ["abc", "0", "1.5"])
async def test_a_malformed_task_id_is_still_a_422_not_a_405(
    client: httpx.AsyncClient, alice: Headers, task_id: str
) -> None:
    response = await client.patch(f"/api/tasks/{task_id}", json={"completed": True}, headers=alice)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "task_id"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/tasks?complete=false"),
        ("GET", "/api/tasks?limit=5&page=2"),
        ("GET", "/api/tasks/search?q=milk&query=milk"),
        ("GET", "/api/tasks/1?fields=title"),
        ("DELETE", "/api/tasks/1?force=true"),
        ("GET", "/api/tasks?=x"),
    ],
)
async def test_an_unknown_query_parameter_is_refused_with_422_naming_it(
    client: httpx.AsyncClient, alice: Headers, method: str, path: str
) -> None:
    response = await client.request(method, path, headers=alice)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"
    assert response.json()["detail"][0]["type"] == "extra_forbidden"


async def test_an_anonymous_request_gets_401_before_its_query_is_judged(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/tasks", params={"access_token": "x", "complete": "false"})

    assert response.status_code == 401


async def test_known_query_parameters_are_still_accepted(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    response = await client.get(
        "/api/tasks",
        params={"completed": "false", "skip": 0, "limit": 5, "after": 0},
        headers=alice,
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("POST", "/api/tasks", "/api/tasks"),
        ("POST", "/api/tasks/bulk", "/api/tasks/bulk"),
        ("PATCH", "/api/tasks/1", "/api/tasks/{task_id}"),
    ],
)
async def test_an_undecodable_body_gets_the_documented_400(
    client: httpx.AsyncClient, alice: Headers, method: str, path: str, operation: str
) -> None:
    headers = {**alice, "Content-Type": "application/json"}

    response = await client.request(method, path, content=b'{"title": "\xff\xfe"}', headers=headers)
    documented = (await client.get("/openapi.json")).json()["paths"][operation][method.lower()]

    assert response.status_code == 400
    assert set(response.json()) == {"detail"}
    assert "400" in documented["responses"]
