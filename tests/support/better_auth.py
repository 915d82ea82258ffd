"""Drive the real Better Auth server in ``e2e/`` from Python tests.

What lives here (a plain library; the pytest fixtures that use it live elsewhere):

* :func:`ensure_installed` - ``npm ci`` for an ``e2e/better-auth*`` directory, once per
  ``package-lock.json`` and safe under parallel pytest workers.
* :class:`BetterAuthServer` - start, stop and restart ``node server.mjs`` on loopback and
  learn its port from the ``READY <port>`` line it prints.
* Small ``httpx`` helpers that act like a browser user of Better Auth: :func:`sign_up`,
  :func:`sign_in`, :func:`fetch_jwt`, :func:`fetch_jwt_from_session_header`,
  :func:`get_session`, :func:`sign_out`, :func:`fetch_jwks`, plus
  :func:`decode_jwt_unverified` to peek at what Better Auth minted.

Why a real server instead of hand-made tokens: the API must accept exactly what Better Auth
issues (its key types, ``kid``s, claims, rotation and the ``set-auth-jwt`` header) and keep
accepting it when Better Auth is upgraded; only the real thing can tell us that.

The server keeps everything in memory, so every (re)start is a fresh world: no users, no
sessions and new signing keys.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote, unquote, urlsplit

import httpx

REPO_ROOT: Path = Path(__file__).resolve().parents[2]
E2E_DIR: Path = REPO_ROOT / "e2e"
#: The Better Auth version the project targets (see its package.json).
CURRENT_DIR: Path = E2E_DIR / "better-auth"
#: The same server pinned to the previous Better Auth minor, for compatibility tests.
PREVIOUS_DIR: Path = E2E_DIR / "better-auth-prev"

AUTH_BASE_PATH = "/api/auth"
SESSION_COOKIE_NAME = "better-auth.session_token"
DEFAULT_PASSWORD = "correct-horse-battery-staple"

_STAMP_NAME = ".tasks-api-install-stamp"
_LOCK_NAME = ".npm-install.lock"
_INSTALL_TIMEOUT_S = 600.0
_HTTP_TIMEOUT_S = 10.0
_READY_PREFIX = "READY "


class BetterAuthUnavailableError(RuntimeError):
    """Node.js/npm is missing or the server could not be installed or started."""


class BetterAuthRequestError(RuntimeError):
    """Better Auth answered a helper's request with an unexpected status.

    Carries the status and body so a failing test shows what Better Auth said.
    """

    def __init__(self, method: str, url: str, status_code: int, body: str) -> None:
        super().__init__(f"{method} {url} -> HTTP {status_code}: {body[:500]}")
        self.status_code = status_code
        self.body = body


# --------------------------------------------------------------------------- install


def node_available() -> bool:
    """Whether ``node`` and ``npm`` are on PATH (lets a fixture skip with a clear reason)."""
    return shutil.which("node") is not None and shutil.which("npm") is not None


def _lockfile_digest(directory: Path) -> str:
    return hashlib.sha256((directory / "package-lock.json").read_bytes()).hexdigest()


def _is_installed(directory: Path, digest: str) -> bool:
    stamp = directory / "node_modules" / _STAMP_NAME
    try:
        return stamp.read_text(encoding="utf-8").strip() == digest
    except OSError:
        return False


def ensure_installed(directory: Path) -> None:
    """Run ``npm ci`` in ``directory`` unless its node_modules already match the lockfile.

    ``npm ci`` takes seconds and wipes node_modules, so it must run only when the lockfile
    changed (tracked by a stamp file holding the lockfile's sha256 inside node_modules) and
    only in one process at a time: pytest-xdist workers all call this at session start, and
    the others wait on an ``fcntl`` lock, then see the fresh stamp and return. The lock file
    sits next to package.json, not in node_modules, because ``npm ci`` deletes node_modules.
    """
    directory = directory.resolve()
    if not (directory / "package-lock.json").is_file():
        raise BetterAuthUnavailableError(f"{directory} has no package-lock.json")
    digest = _lockfile_digest(directory)
    if _is_installed(directory, digest):
        return
    npm = shutil.which("npm")
    if npm is None:
        raise BetterAuthUnavailableError("npm is not on PATH; install Node.js 20+")

    with (directory / _LOCK_NAME).open("a") as lock_file:
        fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
        try:
            if _is_installed(directory, digest):  # another process installed meanwhile
                return
            env = {**os.environ, "npm_config_update_notifier": "false"}
            try:
                result = subprocess.run(
                    [npm, "ci", "--no-audit", "--no-fund"],
                    cwd=directory,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    timeout=_INSTALL_TIMEOUT_S,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise BetterAuthUnavailableError(
                    f"npm ci in {directory} took longer than {_INSTALL_TIMEOUT_S:.0f}s"
                ) from exc
            if result.returncode != 0:
                raise BetterAuthUnavailableError(
                    f"npm ci in {directory} failed with exit code {result.returncode}:\n"
                    f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
                )
            stamp = directory / "node_modules" / _STAMP_NAME
            tmp = stamp.with_name(f"{_STAMP_NAME}.{os.getpid()}.tmp")
            tmp.write_text(digest + "\n", encoding="utf-8")
            tmp.replace(stamp)  # atomic: readers never see a half-written stamp
        finally:
            fcntl.flock(lock_file.fileno(), fcntl.LOCK_UN)


# --------------------------------------------------------------------------- server

# Safety net: a test run that forgets to stop a server (or dies in an exception) must not
# leave node processes behind. The server also exits on stdin EOF, which covers SIGKILL.
_LIVE_SERVERS: weakref.WeakSet[BetterAuthServer] = weakref.WeakSet()


@atexit.register
def _stop_leftover_servers() -> None:
    for server in list(_LIVE_SERVERS):
        with contextlib.suppress(Exception):
            server.stop()


class BetterAuthServer:
    """One ``node server.mjs`` process on 127.0.0.1, startable and restartable.

    ``env`` given to the constructor and to :meth:`start` are merged (start's wins) and
    remembered, so :meth:`restart` brings back the same configuration on the same port, at
    the same URL - what a test needs to simulate "Better Auth went down and came back".
    Keys are kept in memory by the server, so a restarted server signs with a new key.

    Usage::

        with BetterAuthServer(env={"JWT_EXPIRATION": "2s"}) as server:
            user = sign_up(server.url)
            token = fetch_jwt(server.url, user)
    """

    def __init__(
        self,
        directory: Path = CURRENT_DIR,
        *,
        env: Mapping[str, str] | None = None,
        port: int | None = None,
        startup_timeout: float = 30.0,
        install: bool = True,
    ) -> None:
        self.directory: Path = directory.resolve()
        self.startup_timeout: float = startup_timeout
        self._install = install
        self._env: dict[str, str] = dict(env or {})
        self._port: int | None = port
        self._process: subprocess.Popen[bytes] | None = None
        self._log_dir: Path | None = None
        self._stdout_path: Path | None = None
        self._stderr_path: Path | None = None
        self._starts = 0

    # -- lifecycle ------------------------------------------------------------------

    def start(self, env: Mapping[str, str] | None = None, *, port: int | None = None) -> Self:
        """Spawn the server and block until it prints ``READY <port>``.

        ``port=None`` reuses the port of a previous start, else lets the OS pick a free
        one. Raises :class:`BetterAuthUnavailableError` with the server's stderr if it
        exits or stays silent for ``startup_timeout`` seconds.
        """
        if self.running:
            raise RuntimeError(f"Better Auth is already running (pid {self.pid})")
        node = shutil.which("node")
        if node is None:
            raise BetterAuthUnavailableError("node is not on PATH; install Node.js 20+")
        if self._install:
            ensure_installed(self.directory)
        if env is not None:
            self._env.update(env)
        if port is not None:
            self._port = port

        if self._log_dir is None:
            self._log_dir = Path(tempfile.mkdtemp(prefix="better-auth-e2e-"))
        self._starts += 1
        self._stdout_path = self._log_dir / f"stdout-{self._starts}.log"
        self._stderr_path = self._log_dir / f"stderr-{self._starts}.log"

        child_env = {
            **os.environ,
            **self._env,
            "PORT": str(self._port or 0),
            "EXIT_ON_STDIN_EOF": "1",
        }
        with self._stdout_path.open("wb") as out, self._stderr_path.open("wb") as err:
            # Output goes to files, not pipes: nobody has to drain them, so a chatty
            # server can never block on a full pipe, and the logs survive for debugging.
            self._process = subprocess.Popen(
                [node, "server.mjs"],
                cwd=self.directory,
                env=child_env,
                stdin=subprocess.PIPE,  # held open; closing it makes the server exit
                stdout=out,
                stderr=err,
            )
        _LIVE_SERVERS.add(self)
        try:
            self._port = self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_ready(self) -> int:
        assert self._process is not None
        assert self._stdout_path is not None
        deadline = time.monotonic() + self.startup_timeout
        while True:
            output = self._stdout_path.read_text(encoding="utf-8", errors="replace")
            # Only complete lines: a partial "READY 4" may still become "READY 45678".
            for line in output.split("\n")[:-1]:
                if line.startswith(_READY_PREFIX):
                    return int(line[len(_READY_PREFIX) :].strip())
            code = self._process.poll()
            if code is not None:
                raise BetterAuthUnavailableError(
                    f"Better Auth server in {self.directory} exited with code {code} before "
                    f"READY.\nstderr:\n{self.stderr_text()}"
                )
            if time.monotonic() > deadline:
                raise BetterAuthUnavailableError(
                    f"Better Auth server in {self.directory} printed no READY line within "
                    f"{self.startup_timeout:.0f}s.\nstderr:\n{self.stderr_text()}"
                )
            time.sleep(0.02)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the server by PID and wait; SIGKILL it if it does not exit in time.

        Idempotent. The port is kept so :meth:`start`/:meth:`restart` reuse it.
        """
        process = self._process
        if process is None:
            return
        self._process = None
        _LIVE_SERVERS.discard(self)
        try:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(process.pid, signal.SIGKILL)
                    process.wait(timeout=timeout)
        finally:
            if process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()

    def restart(self, env: Mapping[str, str] | None = None) -> Self:
        """Stop and start again on the same port (same URL), optionally with new env.

        The new process has no users, no sessions and new signing keys.
        """
        port = self._port
        self.stop()
        return self.start(env, port=port)

    def close(self) -> None:
        """Stop the server and delete its log files."""
        self.stop()
        if self._log_dir is not None:
            shutil.rmtree(self._log_dir, ignore_errors=True)
            self._log_dir = None

    def __enter__(self) -> Self:
        if not self.running:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- facts ----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """PID of the node process, or None when stopped."""
        return self._process.pid if self._process is not None else None

    @property
    def port(self) -> int:
        """The port the server listens on (kept across stop/restart)."""
        if self._port is None:
            raise RuntimeError("Better Auth has not been started yet")
        return self._port

    @property
    def url(self) -> str:
        """Where to reach the server: ``http://127.0.0.1:<port>`` (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def jwks_url(self) -> str:
        """The JWKS endpoint the API under test should be pointed at."""
        return f"{self.url}{AUTH_BASE_PATH}/jwks"

    @property
    def base_url_origin(self) -> str:
        """The origin of Better Auth's base URL, which is its default ``iss`` and ``aud``.

        Better Auth reduces ``BETTER_AUTH_URL`` to its origin for these claims: no trailing
        slash, no path (``http://h:1/`` -> ``http://h:1``).
        """
        configured = self._env.get("BETTER_AUTH_URL")
        if not configured:
            return self.url
        parts = urlsplit(configured)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def issuer(self) -> str:
        """The ``iss`` Better Auth puts in its JWTs: JWT_ISSUER, else the base URL origin."""
        return self._env.get("JWT_ISSUER") or self.base_url_origin

    @property
    def audience(self) -> str | list[str]:
        """The ``aud`` in its JWTs: JWT_AUDIENCE (a list if comma-separated), else the origin."""
        raw = self._env.get("JWT_AUDIENCE")
        if not raw:
            return self.base_url_origin
        parts = [part.strip() for part in raw.split(",") if part.strip()]
        return parts[0] if len(parts) == 1 else parts

    @property
    def env(self) -> Mapping[str, str]:
        """The environment overrides the server runs with (a copy)."""
        return dict(self._env)

    def stderr_text(self) -> str:
        """The current (or last) process's stderr: Better Auth's logs, crash traces."""
        if self._stderr_path is None or not self._stderr_path.exists():
            return ""
        return self._stderr_path.read_text(encoding="utf-8", errors="replace")

    def __repr__(self) -> str:
        state = f"pid={self.pid}" if self.running else "stopped"
        return f"BetterAuthServer({self.directory.name}, port={self._port}, {state})"


# --------------------------------------------------------------------------- http helpers


@dataclass(frozen=True)
class SignedInUser:
    """A Better Auth user with a live session, as a browser would hold it.

    ``session_token`` is the signed session token (``<token>.<signature>``), i.e. the
    decoded value of the session cookie and what Better Auth's bearer plugin returns in
    ``set-auth-token``; it works both as the cookie value and as ``Authorization: Bearer``.
    """

    user_id: str
    email: str
    password: str
    name: str
    session_token: str
    cookie_name: str = SESSION_COOKIE_NAME

    @property
    def cookies(self) -> dict[str, str]:
        """Cookie jar contents (name -> decoded value)."""
        return {self.cookie_name: self.session_token}

    @property
    def session_cookie_header(self) -> str:
        """A ready ``Cookie`` header value, encoded the way Better Auth sets it."""
        return f"{self.cookie_name}={_encode_cookie_value(self.session_token)}"

    @property
    def cookie_headers(self) -> dict[str, str]:
        """Request headers that authenticate with the session cookie."""
        return {"Cookie": self.session_cookie_header}

    @property
    def bearer_headers(self) -> dict[str, str]:
        """Request headers that authenticate with the session token as a bearer token."""
        return {"Authorization": f"Bearer {self.session_token}"}


def _encode_cookie_value(value: str) -> str:
    # Better Auth (better-call) encodeURIComponent()s cookie values ('/', '+', '=' in the
    # base64 signature); this is the same character set.
    return quote(value, safe="-_.!~*'()")


def unique_email(prefix: str = "user") -> str:
    """A fresh address, so tests sharing one server never collide on sign-up."""
    return f"{prefix}-{uuid.uuid4().hex}@example.com"


def _auth_url(base_url: str, path: str) -> str:
    return f"{base_url.rstrip('/')}{AUTH_BASE_PATH}{path}"


@contextlib.contextmanager
def _client() -> Iterator[httpx.Client]:
    # No cookie persistence across helpers: every call states its credentials explicitly.
    with httpx.Client(timeout=_HTTP_TIMEOUT_S, follow_redirects=False) as client:
        yield client


def _check(response: httpx.Response) -> httpx.Response:
    if response.status_code >= 400:
        raise BetterAuthRequestError(
            response.request.method,
            str(response.request.url),
            response.status_code,
            response.text,
        )
    return response


def _post_json(
    base_url: str, path: str, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> httpx.Response:
    # Better Auth rejects cookie-bearing or credential POSTs whose Origin it does not trust
    # (CSRF protection); a browser on the auth origin sends exactly this header.
    request_headers = {"Origin": base_url.rstrip("/"), **(headers or {})}
    with _client() as client:
        return _check(client.post(_auth_url(base_url, path), json=body, headers=request_headers))


def _session_from_response(response: httpx.Response) -> tuple[str, str]:
    """Return (cookie name, decoded signed session token) from a sign-up/sign-in answer."""
    for raw in response.headers.get_list("set-cookie"):
        name, _, rest = raw.partition("=")
        if name.strip().endswith(SESSION_COOKIE_NAME):
            return name.strip(), unquote(rest.split(";", 1)[0])
    header = response.headers.get("set-auth-token")
    if header:
        return SESSION_COOKIE_NAME, header
    raise BetterAuthRequestError(
        response.request.method,
        str(response.request.url),
        response.status_code,
        f"no session cookie in the response; headers={dict(response.headers)}",
    )


def _signed_in_user(response: httpx.Response, email: str, password: str) -> SignedInUser:
    body = response.json()
    user = body["user"]
    cookie_name, token = _session_from_response(response)
    return SignedInUser(
        user_id=user["id"],
        email=user.get("email", email),
        password=password,
        name=user.get("name", ""),
        session_token=token,
        cookie_name=cookie_name,
    )


def sign_up(
    base_url: str,
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    name: str | None = None,
) -> SignedInUser:
    """Create a user with email and password; Better Auth signs it in at once.

    ``email`` defaults to a unique address so parallel tests never collide.
    """
    email = email or unique_email()
    name = name or email.split("@", 1)[0]
    response = _post_json(
        base_url, "/sign-up/email", {"email": email, "password": password, "name": name}
    )
    return _signed_in_user(response, email, password)


def sign_in(base_url: str, email: str, password: str = DEFAULT_PASSWORD) -> SignedInUser:
    """Open a new session for an existing user (a second device, or after sign-out)."""
    response = _post_json(base_url, "/sign-in/email", {"email": email, "password": password})
    return _signed_in_user(response, email, password)


def sign_out(base_url: str, user: SignedInUser) -> None:
    """End the user's session server-side; its JWTs stay valid until they expire."""
    _post_json(base_url, "/sign-out", {}, headers=user.cookie_headers)


def fetch_jwt(base_url: str, user: SignedInUser) -> str:
    """Mint a JWT for the user's session the documented way: ``GET /api/auth/token``."""
    with _client() as client:
        response = _check(client.get(_auth_url(base_url, "/token"), headers=user.cookie_headers))
    token = response.json()["token"]
    if not isinstance(token, str):
        raise BetterAuthRequestError("GET", str(response.request.url), 200, response.text)
    return token


def get_session(
    base_url: str,
    user: SignedInUser,
    *,
    use_bearer: bool = False,
    disable_cookie_cache: bool = False,
) -> httpx.Response:
    """``GET /api/auth/get-session`` with the cookie (default) or the bearer session token.

    Returns the raw response: the body is ``null`` for no session, and the JWT plugin adds a
    ``set-auth-jwt`` header when there is one.
    """
    headers = user.bearer_headers if use_bearer else user.cookie_headers
    params = {"disableCookieCache": "true"} if disable_cookie_cache else None
    with _client() as client:
        return _check(
            client.get(_auth_url(base_url, "/get-session"), headers=headers, params=params)
        )


def fetch_jwt_from_session_header(base_url: str, user: SignedInUser) -> str:
    """Mint a JWT the way Better Auth's client does: the ``set-auth-jwt`` header."""
    response = get_session(base_url, user)
    token: str | None = response.headers.get("set-auth-jwt")
    if not token:
        raise BetterAuthRequestError(
            "GET",
            str(response.request.url),
            response.status_code,
            f"no set-auth-jwt header (session={response.text[:200]})",
        )
    return token


def fetch_jwks(base_url: str) -> dict[str, Any]:
    """The public keys, ``{"keys": [{"kid", "kty", "alg", ...}]}``, as the API would see them."""
    with _client() as client:
        response = _check(client.get(_auth_url(base_url, "/jwks")))
    jwks: dict[str, Any] = response.json()
    return jwks


def _b64url_json(segment: str) -> dict[str, Any]:
    padded = segment + "=" * (-len(segment) % 4)
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(padded))
    return decoded


def decode_jwt_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, payload) of a JWT without checking anything - for assertions about shape."""
    header, payload, _signature = token.split(".")
    return _b64url_json(header), _b64url_json(payload)


__all__ = [
    "AUTH_BASE_PATH",
    "CURRENT_DIR",
    "DEFAULT_PASSWORD",
    "E2E_DIR",
    "PREVIOUS_DIR",
    "SESSION_COOKIE_NAME",
    "BetterAuthRequestError",
    "BetterAuthServer",
    "BetterAuthUnavailableError",
    "SignedInUser",
    "decode_jwt_unverified",
    "ensure_installed",
    "fetch_jwks",
    "fetch_jwt",
    "fetch_jwt_from_session_header",
    "get_session",
    "node_available",
    "sign_in",
    "sign_out",
    "sign_up",
    "unique_email",
]
