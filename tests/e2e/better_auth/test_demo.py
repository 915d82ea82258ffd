"""`make demo` prints curls that work as pasted, and Ctrl-C stops both of its servers."""

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.better_auth

ROOT = Path(__file__).resolve().parents[3]
READY_LINE = "Press Ctrl-C"
START_TIMEOUT_SECONDS = 90.0
COMMAND_TIMEOUT_SECONDS = 15.0


@dataclass
class DemoRun:
    process: subprocess.Popen[str]
    output: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.output)

    def commands(self) -> list[str]:
        """The shell commands printed for pasting, continuation lines joined, in order."""
        commands: list[str] = []
        current: list[str] = []
        for line in self.output:
            if current or line.startswith(("  curl ", "  TOKEN=$(")):
                current.append(line.strip().removesuffix("\\"))
                if not line.endswith("\\"):
                    commands.append(" ".join(current))
                    current = []
        return commands

    def pids(self) -> list[int]:
        return [int(pid) for pid in re.findall(r"\(pid (\d+)", self.text)]


def _read_until_ready(process: subprocess.Popen[str]) -> list[str]:
    assert process.stdout is not None
    output: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:  # the demo exited
            break
        output.append(line.rstrip("\n"))
        if line.startswith(READY_LINE):
            return output
    raise AssertionError("the demo never got ready:\n" + "\n".join(output))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@contextlib.contextmanager
def _running_demo() -> Iterator[DemoRun]:
    """The demo on free ports (0), as `make demo` runs it otherwise; always cleaned up."""
    if shutil.which("curl") is None:
        pytest.skip("curl is needed to run the printed commands")
    command = [sys.executable, "scripts/demo.py", "--better-auth-port", "0", "--api-port", "0"]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    run = DemoRun(process=process, output=[])
    try:
        run.output = _read_until_ready(process)
        yield run
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=COMMAND_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for pid in run.pids():  # never leave a server behind, even when the demo misbehaved
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoRun]:
    with _running_demo() as run:
        yield run


def _sh(command: str) -> str:
    result = subprocess.run(
        ["bash", "-c", command],
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_printed_curls_create_and_list_the_demo_users_task(demo: DemoRun) -> None:
    create, list_tasks, *_ = demo.commands()
    user_id = re.search(r"user id (\S+)\)", demo.text)

    created = json.loads(_sh(create))
    listed = json.loads(_sh(list_tasks))

    assert user_id is not None
    assert created["title"] == "Try the Tasks API"
    assert created["user_id"] == user_id.group(1)
    assert [task["id"] for task in listed] == [created["id"]]


def test_printed_one_liners_fetch_a_fresh_token_the_api_accepts(demo: DemoRun) -> None:
    *_, renew, renew_into_variable = demo.commands()
    api_url = re.search(r"^Tasks API\s+(http\S+)", demo.text, re.MULTILINE)
    assert api_url is not None
    probe = (
        f"curl -s -o /dev/null -w '%{{http_code}}' {api_url.group(1)}/api/tasks"
        ' -H "Authorization: Bearer $TOKEN"'
    )

    fresh = json.loads(_sh(renew))
    status = _sh(f"{renew_into_variable} && {probe}")

    assert fresh["token"].count(".") == 2
    assert status == "200"


def test_ctrl_c_stops_both_servers() -> None:
    with _running_demo() as demo:
        pids = demo.pids()
        assert len(pids) == 2
        assert all(_alive(pid) for pid in pids)

        demo.process.send_signal(signal.SIGINT)
        code = demo.process.wait(timeout=COMMAND_TIMEOUT_SECONDS)

    assert code == 0
    assert not any(_alive(pid) for pid in pids)
