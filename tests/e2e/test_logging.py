"""Log lines: one JSON object each, with the request id, the route template and no credential."""

import io
import json
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from interfaces.http.app import create_app
from interfaces.logging_config import build_handler
from tests.conftest import SettingsFactory, open_client

LogLines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """What the JSON handler of the served app would write, captured for one test."""
    stream = io.StringIO()
    handler = build_handler("INFO", "json", stream)
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous_level)


@pytest.fixture
def log_lines(log_stream: io.StringIO) -> LogLines:
    return lambda: [json.loads(line) for line in log_stream.getvalue().splitlines()]


def access_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line["logger"] == "interfaces.http.access"]


async def test_access_line_names_route_template_status_duration_and_user(
    client: httpx.AsyncClient, auth_headers: Callable[[str], dict[str, str]], log_lines: LogLines
) -> None:
    created = await client.post("/api/tasks", json={"title": "Log me"}, headers=auth_headers("u-1"))

    await client.get(f"/api/tasks/{created.json()['id']}", headers=auth_headers("u-1"))

    line = access_lines(log_lines())[-1]
    assert line["route"] == "/api/tasks/{task_id}"
    assert (line["method"], line["status"], line["user_id"]) == ("GET", 200, "u-1")
    assert line["duration_ms"] >= 0
    assert line["level"] == "INFO"
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])


async def test_access_line_has_no_user_when_the_caller_is_refused(
    client: httpx.AsyncClient, log_lines: LogLines
) -> None:
    await client.get("/api/tasks")

    line = access_lines(log_lines())[-1]
    assert (line["status"], line["user_id"]) == (401, None)


async def test_unmatched_paths_share_one_route_label(
    client: httpx.AsyncClient, log_lines: LogLines
) -> None:
    await client.get("/wp-admin/setup.php?x=1")

    assert access_lines(log_lines())[-1]["route"] == "unmatched"


async def test_every_line_of_a_request_carries_its_request_id(
    client: httpx.AsyncClient, log_lines: LogLines
) -> None:
    await client.get("/api/tasks", headers={"Authorization": "Bearer x.y.z", "X-Request-ID": "r-7"})

    lines = [line for line in log_lines() if line["logger"] != "httpx"]
    assert {line["logger"] for line in lines} >= {
        "infrastructure.auth.jwt_verifier",
        "interfaces.http.access",
    }
    assert {line["request_id"] for line in lines} == {"r-7"}


async def test_no_line_contains_the_token_or_authorization_header(
    client: httpx.AsyncClient,
    token_for: Callable[..., str],
    log_stream: io.StringIO,
) -> None:
    valid, expired = token_for("u-1"), token_for("u-1", exp=1_000_000_000)

    for token in (valid, expired, "garbage-token"):
        await client.get("/api/tasks", headers={"Authorization": f"Bearer {token}"})

    written = log_stream.getvalue()
    assert written.count("interfaces.http.access") == 3
    for secret in (valid, expired, "garbage-token", "Bearer", valid.split(".")[2]):
        assert secret not in written


async def test_unhandled_error_is_logged_and_answered_with_the_request_id(
    make_settings: SettingsFactory, log_lines: LogLines
) -> None:
    app = create_app(make_settings())

    async def explode() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/api/explode", explode)
    async for client in open_client(app):
        response = await client.get("/api/explode", headers={"X-Request-ID": "crash-1"})

    assert (response.status_code, response.headers["X-Request-ID"]) == (500, "crash-1")
    lines = [line for line in log_lines() if line["request_id"] == "crash-1"]
    error = next(line for line in lines if line["level"] == "ERROR")
    assert "RuntimeError: boom" in error["exc_info"]
    assert access_lines(lines)[-1]["status"] == 500


@pytest.mark.parametrize(
    ("log_format", "is_json"), [("json", True), ("auto", True), ("console", False)]
)
def test_format_is_json_unless_console_is_asked_or_a_terminal_reads_it(
    log_format: str, is_json: bool
) -> None:
    stream = io.StringIO()  # not a terminal, so "auto" means JSON
    logger = logging.getLogger("tests.format")
    handler = build_handler("INFO", log_format, stream)  # type: ignore[arg-type]
    logger.addHandler(handler)
    try:
        logger.warning("hello %s", "world", extra={"route": "/api/tasks"})
    finally:
        logger.removeHandler(handler)

    line = stream.getvalue().strip()
    if is_json:
        assert json.loads(line)["message"] == "hello world"
    else:
        assert line.endswith("WARNING tests.format: hello world route=/api/tasks")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_auto_format_is_readable_text_on_a_terminal() -> None:
    stream = _Terminal()
    record = logging.makeLogRecord({"name": "t", "levelname": "INFO", "msg": "started"})

    build_handler("INFO", "auto", stream).handle(record)

    assert stream.getvalue().strip().endswith("INFO    t: started")
