"""The benchmark scenarios: what each one requests, and the data it needs first."""

import json
from dataclasses import dataclass
from pathlib import Path

import httpx

READER = "bench-reader"
WRITER = "bench-writer"
SEARCH_TEXT = "number 1"


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    user: str | None = None
    body_file: Path | None = None


def seed_reader(base_url: str, token: str) -> int:
    """Give the reader exactly 20 tasks; return the id of one of them."""
    items = [
        {"title": f"Task number {i}", "description": "Something worth doing, described."}
        for i in range(1, 21)
    ]
    reply = httpx.post(
        f"{base_url}/api/tasks/bulk",
        json=items,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    reply.raise_for_status()
    return int(reply.json()[10]["id"])


def api_scenarios(task_id: int, workdir: Path) -> list[Scenario]:
    create = workdir / "create.json"
    create.write_text(json.dumps({"title": "Benchmark task", "description": "Made by wrk."}))
    bulk = workdir / "bulk.json"
    bulk.write_text(json.dumps([{"title": f"Bulk task {i}"} for i in range(100)]))
    return [
        Scenario("health", "/api/health"),
        Scenario("list 20", "/api/tasks?limit=20", READER),
        Scenario("get one", f"/api/tasks/{task_id}", READER),
        Scenario("search", f"/api/tasks/search?q={SEARCH_TEXT.replace(' ', '%20')}", READER),
        Scenario("create", "/api/tasks", WRITER, create),
        Scenario("bulk 100", "/api/tasks/bulk", WRITER, bulk),
    ]


CEILING_SCENARIOS = [Scenario("health", "/api/health"), Scenario("list 20", "/api/tasks")]
