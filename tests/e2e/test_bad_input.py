"""Hostile or broken input always gets a clear 4xx ``{"detail": ...}``, never a 500."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import SESSION_LOOP, AddTask, Caller, owned_tasks

pytestmark = SESSION_LOOP

MAX_BODY_BYTES = 1024 * 1024
JSON = {"Content-Type": "application/json"}


async def assert_nothing_stored(api: httpx.AsyncClient, caller: Caller) -> None:
    assert await owned_tasks(api, caller) == []


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
@pytest.mark.parametrize(
    "task_id",
    ["99999999999999999999", "9223372036854775808", "0", "-1", "abc", "1.5", "1e3", "%00"],
)
async def test_returns_422_when_the_task_id_is_not_a_positive_64_bit_integer(
    shared_api: httpx.AsyncClient, user: Caller, method: str, task_id: str
) -> None:
    body = {"completed": True} if method == "PATCH" else None

    response = await shared_api.request(
        method, f"/api/tasks/{task_id}", json=body, headers=user.headers
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "task_id"]


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_returns_404_for_the_largest_64_bit_task_id(
    shared_api: httpx.AsyncClient, user: Caller, method: str
) -> None:
    body = {"completed": True} if method == "PATCH" else None

    response = await shared_api.request(
        method, f"/api/tasks/{2**63 - 1}", json=body, headers=user.headers
    )

    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/api/tasks", "/api/tasks/search?q=x&"])
@pytest.mark.parametrize(
    "query",
    [
        "skip=9223372036854775808",
        "skip=99999999999999999999",
        "after=9223372036854775808",
        "limit=99999999999999999999",
    ],
)
async def test_returns_422_when_paging_values_exceed_64_bits(
    shared_api: httpx.AsyncClient, user: Caller, path: str, query: str
) -> None:
    separator = "" if path.endswith("&") else "?"

    response = await shared_api.get(f"{path}{separator}{query}", headers=user.headers)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", query.split("=")[0]]


@pytest.mark.parametrize("query", [f"skip={2**63 - 1}", f"after={2**63 - 1}"])
async def test_returns_an_empty_page_for_the_largest_64_bit_paging_values(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask, query: str
) -> None:
    await add_task(user)

    response = await shared_api.get(f"/api/tasks?{query}&limit=1000", headers=user.headers)

    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize(
    "body",
    [
        {"title": "nul\x00byte"},
        {"title": "\x00"},
        {"title": "ok", "description": "nul\x00byte"},
    ],
)
async def test_create_returns_422_when_text_contains_nul(
    shared_api: httpx.AsyncClient, user: Caller, body: dict[str, str]
) -> None:
    response = await shared_api.post("/api/tasks", json=body, headers=user.headers)

    assert response.status_code == 422
    await assert_nothing_stored(shared_api, user)


@pytest.mark.parametrize("changes", [{"title": "nul\x00"}, {"description": "nul\x00"}])
async def test_patch_returns_422_and_changes_nothing_when_text_contains_nul(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask, changes: dict[str, str]
) -> None:
    created = await add_task(user)
    url = f"/api/tasks/{created['id']}"

    response = await shared_api.patch(url, json=changes, headers=user.headers)

    assert response.status_code == 422
    assert (await shared_api.get(url, headers=user.headers)).json() == created


@pytest.mark.parametrize(
    "raw",
    [
        b'{"title": ',
        b"{title: 'x'}",
        b'{"title": "x",}',
        b'{"title": "x"} trailing',
        b"",
    ],
)
async def test_create_returns_422_when_the_json_is_malformed(
    shared_api: httpx.AsyncClient, user: Caller, raw: bytes
) -> None:
    response = await shared_api.post("/api/tasks", content=raw, headers={**user.headers, **JSON})

    assert response.status_code == 422
    assert "detail" in response.json()
    await assert_nothing_stored(shared_api, user)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"title": "\xff\xfe"}',
        b"[" * 100_000,
        b'{"title": ' + b"9" * 5000 + b"}",
    ],
    ids=["invalid utf-8", "nested 100k deep", "5000-digit number"],
)
async def test_create_returns_a_json_4xx_when_the_body_cannot_be_decoded(
    shared_api: httpx.AsyncClient, user: Caller, raw: bytes
) -> None:
    # FastAPI answers 400 when decoding itself fails (not a JSON syntax error): still a 4xx.
    response = await shared_api.post("/api/tasks", content=raw, headers={**user.headers, **JSON})

    assert response.status_code in {400, 422}
    assert "detail" in response.json()
    await assert_nothing_stored(shared_api, user)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"title": NaN}',
        b'{"title": Infinity}',
        b'{"title": -Infinity}',
        b'{"title": 1e400}',
        b'{"title": "a\\ud800b"}',
        b'{"title": "ok", "description": "\\udfff"}',
        b'{"title": "\\ud83d"}',
        b'{"title": "ok", "\\ud800": 1}',
    ],
    ids=[
        "NaN",
        "Infinity",
        "-Infinity",
        "1e400",
        "lone surrogate",
        "surrogate in text",
        "half pair",
        "surrogate as a key",
    ],
)
async def test_create_returns_422_when_values_are_not_representable(
    shared_api: httpx.AsyncClient, user: Caller, raw: bytes
) -> None:
    response = await shared_api.post("/api/tasks", content=raw, headers={**user.headers, **JSON})

    assert response.status_code == 422
    assert response.json()["detail"]
    await assert_nothing_stored(shared_api, user)


@pytest.mark.parametrize("raw", [b'{"completed": NaN}', b'{"title": "\\udc00"}'])
async def test_patch_returns_422_when_values_are_not_representable(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask, raw: bytes
) -> None:
    created = await add_task(user)
    url = f"/api/tasks/{created['id']}"

    response = await shared_api.patch(url, content=raw, headers={**user.headers, **JSON})

    assert response.status_code == 422
    assert (await shared_api.get(url, headers=user.headers)).json() == created


async def test_search_returns_200_when_the_query_is_not_valid_utf8(
    shared_api: httpx.AsyncClient, user: Caller
) -> None:
    response = await shared_api.get("/api/tasks/search?q=%ED%A0%80%FF", headers=user.headers)

    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
async def test_create_returns_422_when_json_is_sent_under_another_content_type(
    shared_api: httpx.AsyncClient, user: Caller, content_type: str
) -> None:
    # Documented behaviour: only JSON content types are parsed; any other body is one string.
    response = await shared_api.post(
        "/api/tasks",
        content=b'{"title": "x"}',
        headers={**user.headers, "Content-Type": content_type},
    )

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]
    await assert_nothing_stored(shared_api, user)


@pytest.mark.parametrize("body", [[], ["x"], "title", 1, None, True])
async def test_create_returns_422_when_the_body_is_not_an_object(
    shared_api: httpx.AsyncClient, user: Caller, body: Any
) -> None:
    response = await shared_api.post("/api/tasks", json=body, headers=user.headers)

    assert response.status_code == 422
    await assert_nothing_stored(shared_api, user)


@pytest.mark.parametrize("title", [123, 1.5, True, ["x"], {"text": "x"}])
async def test_create_returns_422_when_the_title_is_not_a_string(
    shared_api: httpx.AsyncClient, user: Caller, title: Any
) -> None:
    response = await shared_api.post("/api/tasks", json={"title": title}, headers=user.headers)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "title"]


@pytest.mark.parametrize(
    "body",
    [
        {"title": ""},
        {"title": " \t\n "},
        {"title": "t" * 256},
        {"title": "ok", "description": "d" * 10_001},
        {"title": None},
        {"description": "no title"},
    ],
)
async def test_create_returns_422_when_a_value_breaks_a_rule(
    shared_api: httpx.AsyncClient, user: Caller, body: dict[str, Any]
) -> None:
    response = await shared_api.post("/api/tasks", json=body, headers=user.headers)

    assert response.status_code == 422
    await assert_nothing_stored(shared_api, user)


@pytest.mark.parametrize(
    "field", ["complete", "user_id", "id", "created_at", "updated_at", "owner_id", "version"]
)
async def test_create_returns_422_naming_an_unknown_field_and_stores_nothing(
    shared_api: httpx.AsyncClient, user: Caller, field: str
) -> None:
    response = await shared_api.post(
        "/api/tasks", json={"title": "x", field: "1"}, headers=user.headers
    )

    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", field]]
    await assert_nothing_stored(shared_api, user)


@pytest.mark.parametrize("field", ["complete", "user_id", "id", "created_at", "updated_at"])
async def test_patch_returns_422_naming_an_unknown_field_and_changes_nothing(
    shared_api: httpx.AsyncClient, user: Caller, add_task: AddTask, field: str
) -> None:
    created = await add_task(user)
    url = f"/api/tasks/{created['id']}"

    response = await shared_api.patch(
        url, json={"completed": True, field: "1"}, headers=user.headers
    )

    assert response.status_code == 422
    assert [error["loc"] for error in response.json()["detail"]] == [["body", field]]
    assert (await shared_api.get(url, headers=user.headers)).json() == created


def oversized_json() -> bytes:
    return b'{"title": "x", "description": "' + b"d" * MAX_BODY_BYTES + b'"}'


async def test_returns_413_json_when_the_declared_body_is_over_1_mib(
    shared_api: httpx.AsyncClient, user: Caller
) -> None:
    response = await shared_api.post(
        "/api/tasks", content=oversized_json(), headers={**user.headers, **JSON}
    )

    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/json"
    assert "detail" in response.json()
    await assert_nothing_stored(shared_api, user)


async def test_returns_413_json_when_a_chunked_body_grows_over_1_mib(
    shared_api: httpx.AsyncClient, user: Caller
) -> None:
    body = oversized_json()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    response = await shared_api.post(
        "/api/tasks/bulk", content=chunks(), headers={**user.headers, **JSON}
    )

    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.headers["Content-Type"] == "application/json"
    assert "detail" in response.json()
    await assert_nothing_stored(shared_api, user)
