"""X-Request-ID: a caller's plain id is echoed, anything else is replaced by a fresh one."""

import re

import httpx
import pytest

GENERATED = re.compile(r"[0-9a-f]{32}")


async def test_echoes_the_callers_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/health", headers={"X-Request-ID": "edge-4f2a:9"})

    assert response.headers["X-Request-ID"] == "edge-4f2a:9"


async def test_generates_a_distinct_id_per_request_when_none_is_sent(
    client: httpx.AsyncClient,
) -> None:
    first, second = [(await client.get("/api/health")).headers["X-Request-ID"] for _ in range(2)]

    assert GENERATED.fullmatch(first)
    assert GENERATED.fullmatch(second)
    assert first != second


@pytest.mark.parametrize(
    "sent",
    ["x" * 129, "two words", 'quote"d', "new\\nline", "ünïcode", ""],
    ids=["too long", "space", "quote", "escape", "non-ascii", "empty"],
)
async def test_replaces_an_id_that_is_not_short_and_plain(
    client: httpx.AsyncClient, sent: str
) -> None:
    response = await client.get("/api/health", headers={"X-Request-ID": sent.encode()})

    assert GENERATED.fullmatch(response.headers["X-Request-ID"])


async def test_error_answers_carry_the_request_id_too(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/tasks/1", headers={"X-Request-ID": "req-401"})

    assert (response.status_code, response.headers["X-Request-ID"]) == (401, "req-401")


async def test_body_limit_refusal_carries_the_request_id(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/tasks", content=b"x" * (2 * 1024 * 1024), headers={"X-Request-ID": "big-1"}
    )

    assert (response.status_code, response.headers["X-Request-ID"]) == (413, "big-1")
