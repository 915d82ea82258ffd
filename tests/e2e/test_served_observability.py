"""Served as in production (uvicorn, 2 workers, our log config): JSON lines, shared metrics."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.jwks_server import JwksServer
from tests.support.keys import ISSUER, better_auth_claims, generate_key

ROOT = Path(__file__).resolve().parents[2]
CALLER_ID = "trace-me-42"


@dataclass(frozen=True)
class ServedRun:
    """What one short life of the server wrote and answered."""

    raw_lines: list[str]
    token: str
    echoed_request_id: str
    metrics: str
    metrics_files: list[str]

    @property
    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.raw_lines]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_healthy(process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "server exited at start"
        try:
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise TimeoutError("server did not become healthy")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> ServedRun:
    key = generate_key("EdDSA")
    jwks = JwksServer().start()
    jwks.publish(key.public_jwk)
    workdir = tmp_path_factory.mktemp("served")  # no developer .env is read from here
    metrics_dir = workdir / "metrics"
    metrics_dir.mkdir()
    port = _free_port()
    env = {
        **{name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ},
        "DATABASE_URL": f"sqlite:///{workdir / 'tasks.db'}",
        "BETTER_AUTH_URL": ISSUER,
        "JWKS_URL": jwks.url,
        "LOG_FORMAT": "auto",  # stderr is a file here, not a terminal: JSON expected
        "LOG_LEVEL": "INFO",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    command = [
        sys.executable, "-m", "uvicorn", "interfaces.http.app:app", "--app-dir", str(ROOT),
        "--log-config", str(ROOT / "interfaces/logging.json"),
        "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
    ]  # fmt: skip
    log_path = workdir / "server.log"
    token = key.sign(better_auth_claims("user-logged"))
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=log)
    try:
        _wait_until_healthy(process, url)
        bearer = {"Authorization": f"Bearer {token}"}
        # A new connection each time, so both workers may get some of the requests.
        listed = httpx.get(f"{url}/api/tasks", headers={**bearer, "X-Request-ID": CALLER_ID})
        httpx.get(f"{url}/api/tasks/7", headers=bearer)
        httpx.get(f"{url}/api/tasks", headers={"Authorization": "Bearer not.a.token"})
        metrics = httpx.get(f"{url}/metrics").text
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        jwks.stop()
    return ServedRun(
        raw_lines=log_path.read_text().splitlines(),
        token=token,
        echoed_request_id=listed.headers["X-Request-ID"],
        metrics=metrics,
        metrics_files=sorted(path.name for path in metrics_dir.iterdir()),
    )


def access(run: ServedRun) -> list[dict[str, Any]]:
    return [line for line in run.lines if line["logger"] == "interfaces.http.access"]


def test_every_line_the_server_writes_is_one_json_object(served: ServedRun) -> None:
    assert served.raw_lines
    for raw in served.raw_lines:
        assert isinstance(json.loads(raw), dict), raw


def test_uvicorns_own_lines_are_json_too_parent_and_workers(served: ServedRun) -> None:
    messages = [line["message"] for line in served.lines if line["logger"].startswith("uvicorn")]

    assert any(message.startswith("Started parent process") for message in messages)
    # Under load the second worker may still be starting when the requests are done.
    assert any(message.startswith("Started server process") for message in messages)


def test_our_access_line_replaces_uvicorns(served: ServedRun) -> None:
    assert not [line for line in served.lines if line["logger"] == "uvicorn.access"]
    routes = [(line["route"], line["status"], line["user_id"]) for line in access(served)]
    assert ("/api/tasks", 200, "user-logged") in routes
    assert ("/api/tasks/{task_id}", 404, "user-logged") in routes
    assert ("/api/tasks", 401, None) in routes


def test_the_callers_request_id_is_logged_and_echoed(served: ServedRun) -> None:
    logged = [line for line in access(served) if line["request_id"] == CALLER_ID]

    assert served.echoed_request_id == CALLER_ID
    assert [(line["route"], line["status"]) for line in logged] == [("/api/tasks", 200)]


def test_no_line_contains_the_token(served: ServedRun) -> None:
    written = "\n".join(served.raw_lines)

    for secret in (served.token, served.token.split(".")[2], "Bearer", "not.a.token"):
        assert secret not in written


def test_sql_statements_are_never_logged(served: ServedRun) -> None:
    assert any(line["logger"].startswith("alembic") for line in served.lines)  # SQL was used
    assert not [line for line in served.lines if line["logger"].startswith("sqlalchemy")]
    assert not [line for line in served.raw_lines if "SELECT" in line.upper()]


def test_metrics_from_every_worker_meet_in_the_multiprocess_directory(served: ServedRun) -> None:
    counts = {
        (sample.labels["route"], sample.labels["status"]): sample.value
        for family in text_string_to_metric_families(served.metrics)
        for sample in family.samples
        if sample.name == "http_requests_total"
    }

    assert counts[("/api/tasks", "200")] == 1
    assert counts[("/api/tasks/{task_id}", "404")] == 1
    assert counts[("/api/tasks", "401")] == 1
    assert any(name.startswith("counter_") for name in served.metrics_files)
