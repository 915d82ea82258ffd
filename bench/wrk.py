"""Running wrk on the load-generator core and reading its numbers."""

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

LOAD_CORE = "1"
_POST_SCRIPT = Path(__file__).resolve().parent / "post.lua"


@dataclass(frozen=True)
class WrkResult:
    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk not found: `make bench` installs it (apt-get install wrk)")
    return path


def run_wrk(
    url: str,
    connections: int,
    seconds: float,
    headers: dict[str, str] | None = None,
    body_file: Path | None = None,
) -> WrkResult:
    command = [
        "taskset", "-c", LOAD_CORE, require_wrk(),
        "-t", "1", "-c", str(connections), "-d", f"{seconds:g}s", "--latency", "--timeout", "10s",
    ]  # fmt: skip
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    env = None
    if body_file is not None:
        command += ["-s", str(_POST_SCRIPT)]
        env = {"BENCH_BODY_FILE": str(body_file), "PATH": "/usr/bin:/bin"}
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, env=env
    ).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> WrkResult:
    def number(pattern: str) -> float:
        match = re.search(pattern, output)
        return float(match.group(1)) if match else 0.0

    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    errors += int(number(r"Non-2xx or 3xx responses: (\d+)"))
    return WrkResult(
        requests=int(number(r"(\d+) requests in")),
        requests_per_second=number(r"Requests/sec:\s+([\d.]+)"),
        p50_ms=_latency_ms(output, "50%"),
        p99_ms=_latency_ms(output, "99%"),
        errors=errors,
    )


def _latency_ms(output: str, percentile: str) -> float:
    match = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)\b", output)
    if match is None:
        return 0.0
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
