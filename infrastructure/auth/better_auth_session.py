"""BetterAuthSessionVerifier: asks Better Auth itself whose session a cookie or bearer token is."""

import asyncio
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

import httpx

from application.auth import AuthenticatedUser, AuthenticationError, AuthUnavailableError
from infrastructure.auth.circuit_breaker import BreakerState, CircuitBreaker
from infrastructure.auth.ttl_cache import TtlCache

logger = logging.getLogger(__name__)

DEFAULT_COOKIE_NAMES = ("__Secure-better-auth.session_token", "better-auth.session_token")
MAX_USER_ID_LENGTH = 255
# A signed session token is "<id>.<base64 HMAC>"; cookies may carry it percent-encoded.
_CREDENTIAL = re.compile(r"[A-Za-z0-9._~+/=-]+")
# Never extend the session from here (no write per API call, no cookie we could not hand
# back) and never trust Better Auth's signed cookie cache: ask the database every time.
_QUERY = {"disableCookieCache": "true", "disableRefresh": "true"}


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How Better Auth is asked, and how hard we lean on it.

    - ``cache_ttl``: a session found valid is trusted this long without asking again, so a
      signed-out session is still accepted for at most this long. 0 disables the cache.
    - ``timeout``: total time one lookup may take, connection to last byte.
    - ``breaker_threshold`` / ``breaker_cooldown``: after that many consecutive failures
      (unreachable, timeout, 5xx, 429) lookups fail fast for the cool-down.
    - ``cookie_names``: the session cookie is forwarded under each name, so the same
      deployment works whether Better Auth uses the ``__Secure-`` prefix (https) or not.
    """

    cache_ttl: float = 5.0
    max_cached: int = 10_000
    timeout: float = 2.0
    breaker_threshold: int = 5
    breaker_cooldown: float = 5.0
    max_body_bytes: int = 256 * 1024
    max_credential_length: int = 1024
    cookie_names: tuple[str, ...] = DEFAULT_COOKIE_NAMES


class _UnusableAnswerError(Exception):
    """Better Auth answered, but not with something we can read as a session."""


class BetterAuthSessionVerifier:
    """Verifies a session credential with ``GET /api/auth/get-session`` on Better Auth.

    - The credential is checked for shape and size first, so junk never reaches Better Auth.
    - It is sent as the session cookie (works with any Better Auth) and as
      ``Authorization: Bearer`` (the bearer plugin, which also covers custom cookie names).
    - Valid sessions are cached for ``cache_ttl`` under the credential's SHA-256, never under
      the credential itself; refusals are not cached.
    - Concurrent lookups of one credential share a single call (single-flight).
    - A ``null`` answer means no such session: ``AuthenticationError("invalid_session")``.
      Unreachable, slow, 5xx, 429 or unreadable answers are ``AuthUnavailableError`` (503);
      the first four count towards the circuit breaker, which then answers 503 at once.
    - Redirects are not followed, proxies from the environment are ignored, bodies are capped.
    """

    def __init__(
        self,
        session_url: str,
        policy: SessionPolicy | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        on_failure: Callable[[str], None] | None = None,
    ) -> None:
        self._url = session_url
        self._policy = policy or SessionPolicy()
        self._cache: TtlCache[str, AuthenticatedUser] = TtlCache(
            self._policy.cache_ttl, self._policy.max_cached, monotonic
        )
        self._breaker = CircuitBreaker(
            self._policy.breaker_threshold, self._policy.breaker_cooldown, monotonic
        )
        self._breaker.on_state_change = _log_breaker_state
        self._inflight: dict[str, asyncio.Task[AuthenticatedUser | None]] = {}
        self._client: httpx.AsyncClient | None = None
        self._on_failure = on_failure
        self.lookups = 0

    @property
    def breaker_state(self) -> BreakerState:
        return self._breaker.state

    async def verify(self, token: str) -> AuthenticatedUser:
        try:
            return await self._verify(token)
        except AuthenticationError as error:
            logger.info("session refused", extra={"reason": error.reason})
            if self._on_failure is not None:
                self._on_failure(error.reason)
            raise

    async def aclose(self) -> None:
        for task in self._inflight.values():
            task.cancel()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _verify(self, token: str) -> AuthenticatedUser:
        credential = self._normalized(token)
        key = hashlib.sha256(credential.encode()).hexdigest()
        user = self._cache.get(key)
        if user is not None:
            return user
        lookup = self._inflight.get(key)
        if lookup is None:
            if not self._breaker.allow():
                raise AuthUnavailableError("Better Auth circuit is open")
            lookup = asyncio.create_task(self._lookup(key, credential))
            lookup.add_done_callback(_retrieve_outcome)
            self._inflight[key] = lookup
        # Shielded: one caller giving up (client disconnect) must not cancel the others' call.
        user = await asyncio.shield(lookup)
        if user is None:
            raise AuthenticationError("invalid_session")
        return user

    def _normalized(self, token: str) -> str:
        if len(token) > 3 * self._policy.max_credential_length:
            raise AuthenticationError("token_too_large")
        # Browsers hold the cookie percent-encoded; one form per session keeps one cache entry.
        credential = unquote(token) if "%" in token else token
        if len(credential) > self._policy.max_credential_length:
            raise AuthenticationError("token_too_large")
        if not _CREDENTIAL.fullmatch(credential):
            raise AuthenticationError("malformed")
        return credential

    async def _lookup(self, key: str, credential: str) -> AuthenticatedUser | None:
        try:
            user = await self._ask(credential)
        finally:
            self._inflight.pop(key, None)
        if user is not None:
            self._cache.put(key, user)
        return user

    async def _ask(self, credential: str) -> AuthenticatedUser | None:
        self.lookups += 1
        try:
            async with asyncio.timeout(self._policy.timeout):
                status, body = await self._fetch(credential)
        except (httpx.HTTPError, TimeoutError) as error:
            raise self._unavailable(f"{type(error).__name__}: {error}", counts=True) from None
        except _UnusableAnswerError as error:
            raise self._unavailable(str(error), counts=False) from None
        if status == httpx.codes.TOO_MANY_REQUESTS or status >= httpx.codes.INTERNAL_SERVER_ERROR:
            raise self._unavailable(f"status {status}", counts=True)
        try:
            user = _user_from(status, body)
        except _UnusableAnswerError as error:
            raise self._unavailable(str(error), counts=False) from None
        self._breaker.record_success()
        return user

    def _unavailable(self, problem: str, *, counts: bool) -> AuthUnavailableError:
        """Log a failed lookup; only signs of an unhealthy Better Auth count towards the breaker.

        An unreadable answer (a wrong URL's 404, an oversized body) says Better Auth is up,
        and may be specific to one credential, which must not open the breaker for everyone.
        """
        if counts:
            self._breaker.record_failure()
        else:
            self._breaker.record_success()
        logger.warning("better auth session lookup failed", extra={"problem": problem[:200]})
        return AuthUnavailableError(f"session lookup failed: {problem}")

    async def is_reachable(self) -> bool:
        """Whether Better Auth answers a session lookup at all (readiness probes).

        Asked without a credential, it answers 200 with ``null``; a refused connection, a
        timeout or a server error means sessions cannot be checked right now.
        """
        try:
            reply = await self._http_client().get(
                self._url, params=_QUERY, headers={"Accept": "application/json"}
            )
        except httpx.HTTPError:
            return False
        return reply.status_code < httpx.codes.INTERNAL_SERVER_ERROR

    async def _fetch(self, credential: str) -> tuple[int, bytes]:
        cookie_value = quote(credential, safe="-_.!~*'()")
        headers = {
            "Accept": "application/json",
            "Authorization": f"Bearer {credential}",
            "Cookie": "; ".join(f"{name}={cookie_value}" for name in self._policy.cookie_names),
        }
        client = self._http_client()
        async with client.stream("GET", self._url, params=_QUERY, headers=headers) as reply:
            if reply.status_code != httpx.codes.OK:
                return reply.status_code, b""
            body = bytearray()
            async for chunk in reply.aiter_bytes():
                body += chunk
                if len(body) > self._policy.max_body_bytes:
                    raise _UnusableAnswerError(f"body over {self._policy.max_body_bytes} bytes")
        return reply.status_code, bytes(body)

    def _http_client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                follow_redirects=False,
                timeout=httpx.Timeout(self._policy.timeout),
                trust_env=False,
            )
        return self._client


def _user_from(status: int, body: bytes) -> AuthenticatedUser | None:
    """The user of a get-session answer; None when Better Auth says there is no session."""
    if status != httpx.codes.OK:
        raise _UnusableAnswerError(f"status {status}")
    try:
        document: Any = json.loads(body)
    except ValueError:
        raise _UnusableAnswerError("body is not JSON") from None
    if document is None:
        return None
    if not isinstance(document, dict):
        raise _UnusableAnswerError("body is not an object")
    user, session = document.get("user"), document.get("session")
    if user is None or session is None:
        return None
    if not isinstance(user, dict) or not isinstance(session, dict):
        raise _UnusableAnswerError("user or session is not an object")
    user_id = user.get("id")
    if not isinstance(user_id, str) or not 0 < len(user_id) <= MAX_USER_ID_LENGTH:
        raise _UnusableAnswerError("user id missing or invalid")
    return AuthenticatedUser(
        id=user_id, email=_optional_text(user.get("email")), name=_optional_text(user.get("name"))
    )


def _retrieve_outcome(task: "asyncio.Task[AuthenticatedUser | None]") -> None:
    # Every waiter may have gone (clients disconnected): mark the outcome seen, not "lost".
    if not task.cancelled():
        task.exception()


def _optional_text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _log_breaker_state(state: BreakerState) -> None:
    log = logger.warning if state is BreakerState.OPEN else logger.info
    log("better auth circuit breaker %s", state.value, extra={"breaker_state": state.value})
