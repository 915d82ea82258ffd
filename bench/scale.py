"""`make bench-scale`: the read scenarios at 10,000 rows and at 1,100,000 rows, side by side.

1,000 users x 1,000 tasks plus one heavy user with 100,000, bulk-loaded straight into the
database; then list, get, deep keyset and offset pages, and search in the heavy user's tasks.
"""

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from bench.databases import fresh_database
from bench.dataset import COMMON_WORD, HEAVY_USER, RARE_WORD, load, nth_task_id
from bench.server_process import ServerProcess
from bench.token_issuer import TokenIssuer
from bench.wrk import WrkResult, run_wrk

SIZES = {"10k": (9, 1_000, 1_000), "1.1M": (1_000, 1_000, 100_000)}
RESULTS = Path(__file__).resolve().parent / "results"


def scenarios(url: str, heavy_count: int) -> dict[str, str]:
    middle = asyncio.run(nth_task_id(url, HEAVY_USER, heavy_count // 2))
    deep = asyncio.run(nth_task_id(url, HEAVY_USER, heavy_count * 95 // 100))
    return {
        "list first page (normal user)": "/api/tasks?limit=20#scale-user-1",
        "list first page (heavy user)": "/api/tasks?limit=20",
        "get one": f"/api/tasks/{middle}",
        "keyset page at 95%": f"/api/tasks?limit=20&after={deep}",
        "offset page at 95%": f"/api/tasks?limit=20&skip={heavy_count * 95 // 100}",
        f"search '{COMMON_WORD}' (1%)": f"/api/tasks/search?q={COMMON_WORD}&limit=20",
        f"search '{RARE_WORD}' (rare)": f"/api/tasks/search?q={RARE_WORD}&limit=20",
    }


def measure_size(
    kind: str, size: str, issuer: TokenIssuer, workdir: Path, seconds: float
) -> dict[str, WrkResult]:
    users, per_user, heavy = SIZES[size]
    with fresh_database(kind, workdir) as url:
        started = time.monotonic()
        rows = asyncio.run(load(url, users, per_user, heavy))
        print(f"{kind} {size}: loaded {rows:,} rows in {time.monotonic() - started:.1f} s")
        env = {"DATABASE_URL": url, "BETTER_AUTH_URL": issuer.issuer, "JWKS_URL": issuer.jwks_url}
        server = ServerProcess("interfaces.http.app:app", env).start()
        try:
            results = {}
            for name, target in scenarios(url, heavy).items():
                path, _, user = target.partition("#")
                headers = {"Authorization": f"Bearer {issuer.token_for(user or HEAVY_USER)}"}
                run_wrk(server.url + path, 32, 1, headers)
                results[name] = run_wrk(server.url + path, 32, seconds, headers)
            return results
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    issuer = TokenIssuer()
    lines = [
        "| backend | scenario | 10k req/s | 10k p50 ms | 1.1M req/s | 1.1M p50 ms "
        "| 1.1M p99 ms | errors | p50 1.1M / 10k |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for kind in args.backends.split(","):
                small = measure_size(kind, "10k", issuer, Path(tmp), args.seconds)
                large = measure_size(kind, "1.1M", issuer, Path(tmp), args.seconds)
                for name, big in large.items():
                    base = small[name]
                    ratio = big.p50_ms / base.p50_ms if base.p50_ms else 0
                    lines.append(
                        f"| {kind} | {name} | {base.requests_per_second:,.0f} | {base.p50_ms:.2f} "
                        f"| {big.requests_per_second:,.0f} | {big.p50_ms:.2f} | {big.p99_ms:.2f} "
                        f"| {big.errors + base.errors} | {ratio:.2f}x |"
                    )
    finally:
        issuer.close()
    report = "\n".join(lines)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scale-latest.md").write_text(report + "\n")
    print(report)


if __name__ == "__main__":
    main()
