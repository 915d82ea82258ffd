"""UvicornServer: the real service in its own process, configured by environment variables."""

import asyncio
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
_START_TIMEOUT_SECONDS = 30.0
_EXIT_TIMEOUT_SECONDS = 20.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class UvicornServer:
    """``uvicorn interfaces.http.app:app`` as a deployment runs it, in ``workdir``.

    The working directory is a scratch one, so no developer ``.env`` leaks into the run; the
    environment passed is the whole configuration. ``stderr`` goes to ``workdir/server.log``.
    """

    env: dict[str, str]
    workdir: Path
    graceful_timeout_seconds: int = 10
    port: int = field(default_factory=free_port)
    process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "server.log"

    async def start(self) -> "UvicornServer":
        command = [
            sys.executable, "-m", "uvicorn", "interfaces.http.app:app",
            "--app-dir", str(ROOT), "--host", "127.0.0.1", "--port", str(self.port),
            "--timeout-graceful-shutdown", str(self.graceful_timeout_seconds),
            "--no-access-log",
        ]  # fmt: skip
        inherited = {
            name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ
        }
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                *command, cwd=self.workdir, env={**inherited, **self.env}, stderr=log, stdout=log
            )
        await self._wait_until_healthy()
        return self

    async def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + _START_TIMEOUT_SECONDS
        async with httpx.AsyncClient(base_url=self.url, timeout=1) as client:
            while time.monotonic() < deadline:
                assert self.process is not None
                if self.process.returncode is not None:
                    raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
                try:
                    if (await client.get("/api/health")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        raise RuntimeError("server did not become healthy")

    def kill(self) -> None:
        """SIGKILL: no cleanup, no flush, no graceful anything, as in a power cut of the process."""
        self._signal(signal.SIGKILL)

    def terminate(self) -> None:
        """SIGTERM: what an orchestrator sends; uvicorn stops accepting and drains requests."""
        self._signal(signal.SIGTERM)

    async def exit_code(self) -> int:
        """Wait for the process to end; a negative code is the signal that ended it."""
        assert self.process is not None
        return await asyncio.wait_for(self.process.wait(), _EXIT_TIMEOUT_SECONDS)

    async def stop(self) -> None:
        """Make sure the process is gone (test teardown), whatever state it is in."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    def _signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)
