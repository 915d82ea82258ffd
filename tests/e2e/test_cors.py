"""CORS: the configured front end may call the API with a bearer token; other sites may not."""

import httpx
import pytest

from tests.e2e.conftest import Headers

ALLOWED = "http://localhost:3000"
EVIL = "https://evil.example"


def preflight(origin: str, method: str = "GET") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization,content-type",
    }


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "DELETE"])
async def test_preflight_from_the_front_end_is_allowed_with_its_origin_echoed(
    client: httpx.AsyncClient, method: str
) -> None:
    response = await client.options("/api/tasks/1", headers=preflight(ALLOWED, method))

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert method in response.headers["Access-Control-Allow-Methods"]
    assert "authorization" in response.headers["Access-Control-Allow-Headers"].lower()


async def test_preflight_from_another_site_gets_no_allow_origin(client: httpx.AsyncClient) -> None:
    response = await client.options("/api/tasks", headers=preflight(EVIL))

    assert "Access-Control-Allow-Origin" not in response.headers
    assert response.status_code >= 400


async def test_response_to_the_front_end_exposes_the_etag(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    response = await client.get("/api/tasks", headers={**alice, "Origin": ALLOWED})

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "etag" in response.headers["Access-Control-Expose-Headers"].lower()


async def test_response_to_another_site_carries_no_allow_origin(
    client: httpx.AsyncClient, alice: Headers
) -> None:
    response = await client.get("/api/tasks", headers={**alice, "Origin": EVIL})

    assert "Access-Control-Allow-Origin" not in response.headers
