"""`make demo`: a real Better Auth and this API on loopback, a demo user, and curls to paste.

.venv/bin/python scripts/demo.py [--better-auth-port 3000] [--api-port 8000]

Starts the bundled Better Auth server (e2e/better-auth, installed with `npm ci` on first use)
and the API on SQLite pointed at it through BETTER_AUTH_URL alone, signs up a demo user,
fetches a real JWT, checks the API accepts it, and prints ready-to-paste curl commands. Runs
until Ctrl-C (or SIGTERM), then stops both processes by PID. A taken port is replaced by a
free one (port 0 always means "any free port").
"""

import argparse
import contextlib
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the Better Auth driver lives in tests/support

from tests.support.better_auth import (  # noqa: E402
    CURRENT_DIR,
    BetterAuthServer,
    BetterAuthUnavailableError,
    SignedInUser,
    decode_jwt_unverified,
    fetch_jwt,
    node_available,
    sign_up,
)

HOST = "127.0.0.1"
DEMO_EMAIL = "demo@example.com"
API_START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0


class StopSignalError(Exception):
    """Ctrl-C, SIGTERM or SIGHUP: leave the wait loop and stop both servers."""


def _request_stop(signum: int, _frame: FrameType | None) -> None:
    raise StopSignalError(signal.Signals(signum).name)


def _port_or_free(preferred: int) -> int:
    """``preferred`` when it can be bound on loopback, else any free port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, preferred))
        except OSError:
            if preferred:
                print(f"Port {preferred} is taken; using a free one instead.")
            probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Api:
    """The API under uvicorn, in its own session so a terminal Ctrl-C reaches only us."""

    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # uvicorn shuts down gracefully
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)


def start_api(port: int, better_auth_url: str, workdir: Path) -> Api:
    """uvicorn on SQLite, configured the way a deployment is: by BETTER_AUTH_URL alone."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'demo.db'}",
        "BETTER_AUTH_URL": better_auth_url,
        # Empty = derived from BETTER_AUTH_URL, whatever a local .env says.
        "JWKS_URL": "",
        "JWT_ISSUER": "",
        "JWT_AUDIENCE": "",
        "ENVIRONMENT": "development",
    }
    log_path = workdir / "api.log"
    command = [sys.executable, "-m", "uvicorn", "interfaces.http.app:app"]
    command += ["--host", HOST, "--port", str(port)]
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Api(process=process, url=f"http://{HOST}:{port}", log_path=log_path)


def wait_until_healthy(api: Api) -> None:
    deadline = time.monotonic() + API_START_TIMEOUT_SECONDS
    with httpx.Client(timeout=2.0, trust_env=False) as client:
        while time.monotonic() < deadline:
            if api.process.poll() is not None:
                raise RuntimeError(f"the API exited at start:\n{api.log_tail()}")
            with contextlib.suppress(httpx.TransportError):
                if client.get(f"{api.url}/api/health").status_code == 200:
                    return
            time.sleep(0.2)
    raise RuntimeError(f"the API did not answer within {API_START_TIMEOUT_SECONDS:.0f}s")


def check_token_accepted(api: Api, token: str) -> None:
    """Fail loudly now rather than leave the user with curls that answer 401."""
    with httpx.Client(timeout=10.0, trust_env=False) as client:
        reply = client.get(f"{api.url}/api/tasks", headers={"Authorization": f"Bearer {token}"})
    if reply.status_code != 200:
        raise RuntimeError(f"the API refused the demo token: {reply.status_code} {reply.text}")


def _shell_lines(*parts: str) -> str:
    """One command, continued over lines with backslashes, indented for the terminal."""
    return "  " + " \\\n    ".join(parts)


def instructions(better_auth: BetterAuthServer, api: Api, user: SignedInUser, token: str) -> str:
    header, claims = decode_jwt_unverified(token)
    minutes = round((claims["exp"] - claims["iat"]) / 60)
    auth = "-H " + shlex.quote(f"Authorization: Bearer {token}")
    token_url = f"{better_auth.url}/api/auth/token"
    cookie = "-H " + shlex.quote(f"Cookie: {user.session_cookie_header}")
    body = shlex.quote(json.dumps({"title": "Try the Tasks API"}))
    extract = shlex.quote('import json,sys; print(json.load(sys.stdin)["token"])')
    return "\n".join(
        [
            "",
            f"Better Auth  {better_auth.url}  (pid {better_auth.pid}, in memory)",
            f"Tasks API    {api.url}  (pid {api.process.pid}, SQLite, log {api.log_path})",
            "",
            f"Signed up {user.email} (Better Auth user id {user.user_id}) and fetched a",
            f"{header['alg']} JWT from GET {token_url}; the API accepts it.",
            "",
            "Create a task:",
            _shell_lines(
                f"curl -s -X POST {api.url}/api/tasks",
                auth,
                "-H 'Content-Type: application/json'",
                f"-d {body}",
            ),
            "",
            "List your tasks:",
            _shell_lines(f"curl -s {api.url}/api/tasks", auth),
            "",
            f"The token expires in {minutes} minutes. Get a fresh one with the session cookie:",
            _shell_lines(f"curl -s {token_url}", cookie),
            'or straight into a shell variable (then use -H "Authorization: Bearer $TOKEN"):',
            "  TOKEN=$(" + f"curl -s {token_url} {cookie} | python3 -c {extract})",
            "",
            f"Interactive docs (Authorize with the token): {api.url}/docs",
            "Press Ctrl-C to stop both servers.",
        ]
    )


def run(better_auth_port: int, api_port: int) -> int:
    if not node_available():
        print("make demo needs Node.js 20+ (node and npm on PATH).", file=sys.stderr)
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="tasks-demo-"))
    better_auth = BetterAuthServer(CURRENT_DIR, port=_port_or_free(better_auth_port))
    api: Api | None = None
    try:
        # Both ports are known up front, so the two servers boot side by side.
        print(f"Starting the Tasks API with BETTER_AUTH_URL={better_auth.url} ...")
        api = start_api(_port_or_free(api_port), better_auth.url, workdir)
        print("Starting Better Auth (the first run installs it with npm ci)...")
        better_auth.start()
        wait_until_healthy(api)
        user = sign_up(better_auth.url, email=DEMO_EMAIL, name="Demo")
        token = fetch_jwt(better_auth.url, user)
        check_token_accepted(api, token)
        print(instructions(better_auth, api, user, token))
        while better_auth.running and api.process.poll() is None:
            time.sleep(0.5)
        print("A server stopped on its own; shutting the other down.", file=sys.stderr)
        return 1
    except StopSignalError:
        return 0
    except (BetterAuthUnavailableError, RuntimeError) as error:
        print(f"Demo failed: {error}", file=sys.stderr)
        return 1
    finally:
        # Further signals must not interrupt the cleanup itself.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        pids = [str(better_auth.pid)] if better_auth.pid else []
        if api is not None:
            pids.append(str(api.process.pid))
            api.stop()
        better_auth.close()
        shutil.rmtree(workdir, ignore_errors=True)
        print(f"\nStopped (pids {', '.join(pids) or 'none'}).")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--better-auth-port", type=int, default=3000)
    parser.add_argument("--api-port", type=int, default=8000)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    # Installed explicitly: a shell starting us in the background would otherwise leave
    # SIGINT ignored, and SIGTERM/SIGHUP would kill us without stopping the servers.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _request_stop)
    sys.exit(run(args.better_auth_port, args.api_port))


if __name__ == "__main__":
    main()
