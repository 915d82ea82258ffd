"""The CSRF guard: which origin a request claims, and which cookie writes it lets through."""

import pytest
from starlette.requests import Request

from interfaces.http.csrf import CrossSiteRequestError, ensure_allowed_origin, request_origin

ALLOWED = ["https://app.example", "http://localhost:3000"]


def _request(method: str = "POST", **headers: str) -> Request:
    raw = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
    return Request({"type": "http", "method": method, "headers": raw})


ORIGINS = {
    "origin-header": ({"Origin": "https://App.Example"}, "https://app.example"),
    "referer-path-dropped": ({"Referer": "https://app.example/a/b?c=d"}, "https://app.example"),
    "referer-default-port-dropped": (
        {"Referer": "https://app.example:443/x"},
        "https://app.example",
    ),
    "referer-other-port-kept": ({"Referer": "http://localhost:3000/x"}, "http://localhost:3000"),
    "referer-ipv6": ({"Referer": "http://[::1]:8000/x"}, "http://[::1]:8000"),
    "referer-bad-port": ({"Referer": "http://host:99999/x"}, None),
    "referer-relative": ({"Referer": "/just/a/path"}, None),
    "nothing": ({}, None),
}


@pytest.mark.parametrize(("headers", "origin"), ORIGINS.values(), ids=ORIGINS)
def test_reads_the_origin_the_browser_claims(headers: dict[str, str], origin: str | None) -> None:
    assert request_origin(_request(**headers)) == origin


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_lets_reads_through_from_anywhere(method: str) -> None:
    ensure_allowed_origin(_request(method, Origin="https://evil.example"), ALLOWED)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_refuses_writes_from_an_origin_not_allowed(method: str) -> None:
    with pytest.raises(CrossSiteRequestError):
        ensure_allowed_origin(_request(method, Origin="https://evil.example"), ALLOWED)


def test_accepts_a_write_from_an_allowed_origin_written_with_a_trailing_slash() -> None:
    ensure_allowed_origin(_request(Origin="https://app.example"), ["https://app.example/"])
