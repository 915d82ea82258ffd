"""The OpenAPI document: bearer security, every error answer, and body examples that work."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest

TASK_OPERATIONS = {
    ("get", "/api/tasks"): {401, 422, 503},
    ("post", "/api/tasks"): {401, 403, 409, 413, 422, 503},
    ("get", "/api/tasks/search"): {401, 422, 503},
    ("post", "/api/tasks/bulk"): {401, 403, 409, 413, 422, 503},
    ("get", "/api/tasks/{task_id}"): {401, 403, 404, 422, 503},
    ("patch", "/api/tasks/{task_id}"): {401, 403, 404, 409, 412, 413, 422, 503},
    ("delete", "/api/tasks/{task_id}"): {401, 403, 404, 409, 412, 422, 503},
}


@pytest.fixture
async def document(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    schema: dict[str, Any] = response.json()
    return schema


def operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    found: dict[str, Any] = document["paths"][path][method]
    return found


def test_documents_exactly_the_task_operations(document: dict[str, Any]) -> None:
    documented = {
        (method, path)
        for path, item in document["paths"].items()
        if path.startswith("/api/tasks")
        for method in item
    }

    assert documented == set(TASK_OPERATIONS)


def test_declares_the_bearer_scheme(document: dict[str, Any]) -> None:
    scheme = document["components"]["securitySchemes"]["HTTPBearer"]

    assert (scheme["type"], scheme["scheme"], scheme["bearerFormat"]) == ("http", "bearer", "JWT")


@pytest.mark.parametrize(("method", "path"), list(TASK_OPERATIONS))
def test_every_task_operation_requires_the_bearer_token(
    document: dict[str, Any], method: str, path: str
) -> None:
    assert {"HTTPBearer": []} in operation(document, method, path)["security"]


@pytest.mark.parametrize(("method", "path"), list(TASK_OPERATIONS))
def test_every_task_operation_documents_each_error_it_can_give(
    document: dict[str, Any], method: str, path: str
) -> None:
    responses = operation(document, method, path)["responses"]

    errors = {int(status) for status in responses if int(status) >= 400}
    assert errors >= TASK_OPERATIONS[(method, path)]
    for status in errors:
        schema = responses[str(status)]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorRead"}
        assert responses[str(status)]["description"]


@pytest.mark.parametrize("path", ["/api/health", "/api/ready"])
def test_probes_need_no_credentials(document: dict[str, Any], path: str) -> None:
    assert "security" not in operation(document, "get", path)


def test_readiness_documents_its_503_body(document: dict[str, Any]) -> None:
    answer = operation(document, "get", "/api/ready")["responses"]["503"]

    schema = answer["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/NotReadyRead"}


def body_examples(document: dict[str, Any], method: str, path: str) -> list[Any]:
    schema = operation(document, method, path)["requestBody"]["content"]["application/json"]
    schema = schema["schema"]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    examples: list[Any] = schema["examples"]
    return examples


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("post", "/api/tasks", 201),
        ("post", "/api/tasks/bulk", 201),
        ("patch", "/api/tasks/{task_id}", 200),
    ],
)
async def test_every_body_has_an_example_the_api_accepts(
    client: httpx.AsyncClient,
    document: dict[str, Any],
    auth_headers: Callable[[str], dict[str, str]],
    method: str,
    path: str,
    status: int,
) -> None:
    headers = auth_headers("u-docs")
    task = (await client.post("/api/tasks", json={"title": "t"}, headers=headers)).json()
    examples = body_examples(document, method, path)

    assert examples
    for example in examples:
        url = path.replace("{task_id}", str(task["id"]))
        response = await client.request(method, url, json=example, headers=headers)
        assert response.status_code == status, response.text


async def test_docs_page_offers_authorize_and_keeps_the_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")

    assert response.status_code == 200
    assert "/openapi.json" in response.text
    assert '"persistAuthorization": true' in response.text
