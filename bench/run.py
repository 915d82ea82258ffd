"""`make bench`: every scenario at 8, 32 and 256 connections on SQLite and PostgreSQL,
beside a bare-FastAPI ceiling measured in the same run. Prints one table; see docs/benchmarks.md.
"""

import argparse
import statistics
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bench.databases import fresh_database
from bench.scenarios import CEILING_SCENARIOS, READER, WRITER, Scenario, api_scenarios, seed_reader
from bench.server_process import ServerProcess
from bench.token_issuer import TokenIssuer
from bench.verify_cost import verification_cost
from bench.wrk import WrkResult, run_wrk

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Row:
    target: str
    scenario: str
    connections: int
    result: WrkResult
    cpu_percent: float
    jwks_fetches: int
    rss_mb: float
    ratio: float | None = None


def measure(
    server: ServerProcess,
    scenario: Scenario,
    connections: int,
    seconds: float,
    issuer: TokenIssuer | None,
    target: str,
) -> Row:
    headers = {}
    if scenario.user is not None and issuer is not None:
        headers["Authorization"] = f"Bearer {issuer.token_for(scenario.user)}"
    # A short warm-up so connection set-up and first-use caches are not measured.
    run_wrk(server.url + scenario.path, connections, 1, headers, scenario.body_file)
    fetches_before = issuer.fetches if issuer else 0
    cpu_before = server.cpu_seconds()
    result = run_wrk(server.url + scenario.path, connections, seconds, headers, scenario.body_file)
    cpu = (server.cpu_seconds() - cpu_before) / seconds * 100
    fetches = (issuer.fetches - fetches_before) if issuer else 0
    return Row(target, scenario.name, connections, result, cpu, fetches, server.rss_mb())


def bench_ceiling(connections: Iterable[int], seconds: float) -> list[Row]:
    server = ServerProcess("bench.ceiling_app:app").start()
    try:
        return [
            measure(server, scenario, count, seconds, None, "ceiling")
            for scenario in CEILING_SCENARIOS
            for count in connections
        ]
    finally:
        server.stop()


def bench_backend(
    kind: str, connections: Iterable[int], seconds: float, issuer: TokenIssuer, workdir: Path
) -> list[Row]:
    with fresh_database(kind, workdir) as url:
        env = {
            "DATABASE_URL": url,
            "AUTO_MIGRATE": "true",
            "BETTER_AUTH_URL": issuer.issuer,
            "JWKS_URL": issuer.jwks_url,
            "METRICS_ENABLED": "true",
        }
        server = ServerProcess("interfaces.http.app:app", env).start()
        try:
            task_id = seed_reader(server.url, issuer.token_for(READER))
            issuer.token_for(WRITER)
            return [
                measure(server, scenario, count, seconds, issuer, kind)
                for scenario in api_scenarios(task_id, workdir)
                for count in connections
            ]
        finally:
            server.stop()


def attach_ratios(rows: list[Row]) -> None:
    ceiling = {
        (row.scenario, row.connections): row.result.requests_per_second
        for row in rows
        if row.target == "ceiling"
    }
    for row in rows:
        if row.target == "ceiling":
            continue
        reference = "health" if row.scenario == "health" else "list 20"
        base = ceiling.get((reference, row.connections))
        row.ratio = row.result.requests_per_second / base if base else None


def render(rows: list[Row], costs: dict[str, float]) -> str:
    lines = [
        "| target | scenario | conns | req/s | p50 ms | p99 ms | errors | server CPU % "
        "| JWKS fetches | RSS MB | vs ceiling |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        ratio = f"{row.ratio:.0%}" if row.ratio is not None else ""
        lines.append(
            f"| {row.target} | {row.scenario} | {row.connections} "
            f"| {row.result.requests_per_second:,.0f} | {row.result.p50_ms:.2f} "
            f"| {row.result.p99_ms:.2f} | {row.result.errors} | {row.cpu_percent:.0f} "
            f"| {row.jwks_fetches} | {row.rss_mb:.0f} | {ratio} |"
        )
    summary = [f"- {name}: {value:.1f}" for name, value in costs.items()]
    medians = _median_ratios(rows)
    return "\n".join(
        [*lines, "", "Per-request auth cost (in-process medians):", *summary, "", *medians]
    )


def _median_ratios(rows: list[Row]) -> list[str]:
    out = ["Median ratio to the ceiling over connection counts:"]
    keys = sorted({(r.target, r.scenario) for r in rows if r.ratio is not None})
    for target, scenario in keys:
        ratios = [r.ratio for r in rows if (r.target, r.scenario) == (target, scenario) and r.ratio]
        out.append(f"- {target} {scenario}: {statistics.median(ratios):.0%}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--connections", default="8,32,256")
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    connections = [int(count) for count in args.connections.split(",")]
    issuer = TokenIssuer()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            rows = bench_ceiling(connections, args.seconds)
            for kind in args.backends.split(","):
                rows += bench_backend(kind, connections, args.seconds, issuer, Path(tmp))
        costs = verification_cost(issuer.jwks_url, issuer.issuer, issuer.token_for(READER))
    finally:
        issuer.close()
    attach_ratios(rows)
    report = render(rows, costs)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.md").write_text(report + "\n")
    print(report)


if __name__ == "__main__":
    main()
