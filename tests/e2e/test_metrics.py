"""GET /metrics: requests by route template and status, auth failures, JWKS fetches, pool use."""

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from interfaces.container import Container
from interfaces.http.app import create_app
from tests.conftest import SettingsFactory, open_client
from tests.support.jwks_server import JwksServer
from tests.support.keys import better_auth_claims, generate_key


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of one scrape, by name and labels."""
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def sample(name: str, **labels: str) -> tuple[str, frozenset[tuple[str, str]]]:
    return (name, frozenset(labels.items()))


async def test_counts_requests_by_route_template_and_status(
    client: httpx.AsyncClient, auth_headers: Callable[[str], dict[str, str]]
) -> None:
    for task_id in (1, 2, 3):
        await client.get(f"/api/tasks/{task_id}", headers=auth_headers("u-1"))

    samples = await scrape(client)

    labels = {"method": "GET", "route": "/api/tasks/{task_id}", "status": "404"}
    assert samples[sample("http_requests_total", **labels)] == 3
    assert samples[sample("http_request_duration_seconds_count", **labels)] == 3
    assert samples[sample("http_request_duration_seconds_bucket", le="+Inf", **labels)] == 3


async def test_unknown_methods_and_paths_collapse_into_one_series_each(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/a", "/b/c", "/.env"):
        await client.request("BREW", path)

    samples = await scrape(client)

    labels = {"method": "other", "route": "unmatched", "status": "404"}
    assert samples[sample("http_requests_total", **labels)] == 3


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing_token"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "not_bearer"),
        ({"Authorization": "Bearer not-a-jwt"}, "malformed"),
    ],
)
async def test_counts_auth_failures_by_reason(
    client: httpx.AsyncClient, headers: dict[str, str], reason: str
) -> None:
    await client.get("/api/tasks", headers=headers)
    await client.get("/api/tasks", headers=headers)

    assert (await scrape(client))[sample("auth_failures_total", reason=reason)] == 2


async def test_counts_refusals_by_the_verifier_by_reason(
    client: httpx.AsyncClient, token_for: Callable[..., str]
) -> None:
    expired = token_for("u-1", iat=1_000_000_000, exp=1_000_000_600)
    stranger = generate_key("EdDSA").sign(better_auth_claims("u-1"))

    await client.get("/api/tasks", headers={"Authorization": f"Bearer {expired}"})
    await client.get("/api/tasks", headers={"Authorization": f"Bearer {stranger}"})

    samples = await scrape(client)
    assert samples[sample("auth_failures_total", reason="expired")] == 1
    assert samples[sample("auth_failures_total", reason="unknown_key")] == 1


async def test_counts_a_failed_jwks_fetch(
    make_settings: SettingsFactory,
    jwks_server: JwksServer,
    auth_headers: Callable[[str], dict[str, str]],
) -> None:
    jwks_server.mode = "error"
    async for client in open_client(create_app(make_settings())):
        answer = await client.get("/api/tasks", headers=auth_headers("u-1"))
        samples = await scrape(client)

    assert answer.status_code == 503
    assert samples[sample("jwks_fetches_total", outcome="failure")] == 1
    assert sample("jwks_fetches_total", outcome="success") not in samples


async def test_counts_a_successful_jwks_fetch(
    client: httpx.AsyncClient, auth_headers: Callable[[str], dict[str, str]]
) -> None:
    await client.get("/api/tasks", headers=auth_headers("u-1"))

    assert (await scrape(client))[sample("jwks_fetches_total", outcome="success")] == 1


@pytest.fixture
async def sqlite_app(
    make_settings: SettingsFactory, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, Container]]:
    app = create_app(make_settings(database_url=f"sqlite:///{tmp_path / 'tasks.db'}"))
    async for client in open_client(app):
        yield client, app.state.container


async def test_reports_database_connections_lent_out_by_the_pool(
    sqlite_app: tuple[httpx.AsyncClient, Container],
) -> None:
    client, container = sqlite_app
    gauge = sample("db_pool_checked_out_connections")

    async with container.database().read():
        while_held = (await scrape(client))[gauge]
    after = (await scrape(client))[gauge]

    assert (while_held, after) == (1, 0)


async def test_metrics_are_not_served_when_disabled(make_settings: SettingsFactory) -> None:
    async for client in open_client(create_app(make_settings(metrics_enabled=False))):
        assert (await client.get("/metrics")).status_code == 404


async def test_each_app_counts_only_its_own_requests(make_settings: SettingsFactory) -> None:
    first, second = create_app(make_settings()), create_app(make_settings())
    labels = {"method": "GET", "route": "/api/health", "status": "200"}

    async for client in open_client(first):
        await client.get("/api/health")
        counted_by_first = (await scrape(client))[sample("http_requests_total", **labels)]
    async for client in open_client(second):
        counted_by_second = (await scrape(client)).get(sample("http_requests_total", **labels))

    assert (counted_by_first, counted_by_second) == (1, None)


async def test_metrics_route_is_left_out_of_the_openapi_document(
    client: httpx.AsyncClient,
) -> None:
    assert "/metrics" not in (await client.get("/openapi.json")).json()["paths"]
