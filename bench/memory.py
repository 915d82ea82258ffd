"""`make bench-memory`: the server's RSS under sustained load, sampled across 100,000+ requests.

A leak shows as RSS still climbing after warm-up; the report gives the samples and the growth
between the first and the last third of the run.
"""

import argparse
import tempfile
from pathlib import Path

from bench.databases import fresh_database
from bench.scenarios import READER, seed_reader
from bench.server_process import ServerProcess
from bench.token_issuer import TokenIssuer
from bench.wrk import run_wrk

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", default="sqlite")
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--slice-seconds", type=float, default=3.0)
    args = parser.parse_args()
    issuer = TokenIssuer()
    samples: list[tuple[int, float]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp, fresh_database(args.backend, Path(tmp)) as url:
            env = {
                "DATABASE_URL": url,
                "BETTER_AUTH_URL": issuer.issuer,
                "JWKS_URL": issuer.jwks_url,
            }
            server = ServerProcess("interfaces.http.app:app", env).start()
            try:
                task_id = seed_reader(server.url, issuer.token_for(READER))
                # Mixed traffic, many distinct tokens, so caches fill to their bounds.
                paths = ["/api/tasks?limit=20", f"/api/tasks/{task_id}", "/api/tasks/search?q=task"]
                served = 0
                samples.append((0, server.rss_mb()))
                turn = 0
                while served < args.requests:
                    token = issuer.token_for(READER if turn % 2 else f"{READER}-{turn}")
                    headers = {"Authorization": f"Bearer {token}"}
                    result = run_wrk(server.url + paths[turn % 3], 64, args.slice_seconds, headers)
                    served += result.requests
                    samples.append((served, server.rss_mb()))
                    turn += 1
            finally:
                server.stop()
    finally:
        issuer.close()
    third = max(1, len(samples) // 3)
    early = sum(rss for _, rss in samples[third : 2 * third]) / max(
        1, len(samples[third : 2 * third])
    )
    late = sum(rss for _, rss in samples[-third:]) / third
    lines = ["| requests served | RSS MB |", "| ---: | ---: |"]
    lines += [f"| {count:,} | {rss:.1f} |" for count, rss in samples]
    lines += [
        "",
        f"Peak RSS {max(r for _, r in samples):.1f} MB; mean of the middle third {early:.1f} MB, "
        f"of the last third {late:.1f} MB (growth {late - early:+.1f} MB).",
    ]
    report = "\n".join(lines)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "memory-latest.md").write_text(report + "\n")
    print(report)


if __name__ == "__main__":
    main()
