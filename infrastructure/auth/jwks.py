"""JwksKeySet: the issuer's signing keys, fetched asynchronously and cached by ``kid``."""

import asyncio
import json
import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from application.auth import AuthUnavailableError
from infrastructure.auth.signing_keys import SigningKey, parse_signing_keys

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class JwksPolicy:
    """How often and how carefully the key set is fetched.

    - ``cache_ttl``: after this, a lookup that hits the cache triggers a background refresh.
    - ``min_refetch_interval``: an unknown ``kid`` refetches at most this often, so a flood of
      made-up kids costs at most one fetch per interval.
    - ``unavailable_retry_interval``: with no key at all, how often to try again.
    - ``fetch_timeout``: total time one fetch may take, connection to last byte.
    - ``max_bytes`` / ``max_keys``: a hostile or broken endpoint cannot exhaust memory.
    """

    cache_ttl: float = 300.0
    min_refetch_interval: float = 10.0
    unavailable_retry_interval: float = 1.0
    fetch_timeout: float = 3.0
    max_bytes: int = 64 * 1024
    max_keys: int = 32
    unknown_kid_ttl: float = 60.0
    max_unknown_kids: int = 1024


class JwksFetchError(Exception):
    """One fetch failed; the reason goes to the log, the keys in hand stay."""


class JwksKeySet:
    """Keys by ``kid``, refreshed now and then, never fetched per request.

    - A cached key is returned at once; when the set is older than the TTL a refresh starts in
      the background, so a slow or hanging endpoint never stalls requests it cannot help.
    - An unknown ``kid`` causes one single-flight refetch, at most once per interval; kids found
      missing are remembered for a while.
    - A failed refresh keeps the keys in hand. Only with no key at all does a lookup raise
      ``AuthUnavailableError``: no token can be judged then, valid or not.
    - Redirects are not followed, bodies (counted after any gzip inflation) and key counts are
      capped, and the URL only ever comes from configuration, never from a token.
    """

    def __init__(
        self,
        url: str,
        allowed_algorithms: frozenset[str],
        policy: JwksPolicy | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._allowed = allowed_algorithms
        self._policy = policy or JwksPolicy()
        self._monotonic = monotonic
        self._keys: dict[str, SigningKey] = {}
        self._loaded_at: float | None = None
        self._last_attempt: float | None = None
        self._unknown_kids: dict[str, float] = {}
        self._inflight: asyncio.Task[bool] | None = None
        self._client: httpx.AsyncClient | None = None
        self.fetches = 0
        self.failed_fetches = 0
        self.on_fetch: Callable[[bool], None] | None = None

    @property
    def has_keys(self) -> bool:
        return bool(self._keys)

    async def key_for(self, kid: str) -> SigningKey | None:
        """The key with this ``kid``, or None when the issuer does not publish it."""
        key = self._keys.get(kid)
        if key is not None:
            if self._is_stale():
                self._refresh_in_background()
            return key
        if not self._keys:
            return await self._load_first_keys(kid)
        if self._recently_unknown(kid):
            return None
        if not self._may_refetch():
            # Throttled, so not checked: remembering the kid here would refuse a key Better
            # Auth has just rotated in for ``unknown_kid_ttl``, long after the floor has passed.
            return None
        await self._refresh()
        key = self._keys.get(kid)
        if key is None:
            self._remember_unknown(kid)
        return key

    async def ensure_loaded(self) -> bool:
        """Fetch the set if none is held (readiness checks, warm-up); True when keys are held."""
        if not self._keys and self._may_retry_unavailable():
            await self._refresh()
        return bool(self._keys)

    async def aclose(self) -> None:
        """Stop any fetch in flight, then close the HTTP client; safe to call again."""
        inflight = self._inflight
        if inflight is not None and not inflight.done():
            inflight.cancel()
            # Let the fetch unwind (closing its response) before its connection pool goes.
            await asyncio.wait({inflight})
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _load_first_keys(self, kid: str) -> SigningKey | None:
        if not self._may_retry_unavailable() or not await self._refresh():
            raise AuthUnavailableError("no signing keys available")
        return self._keys.get(kid)

    def _is_stale(self) -> bool:
        return (
            self._loaded_at is None or self._monotonic() - self._loaded_at >= self._policy.cache_ttl
        ) and self._may_refetch()

    def _may_refetch(self) -> bool:
        return (
            self._last_attempt is None
            or self._monotonic() - self._last_attempt >= self._policy.min_refetch_interval
        )

    def _may_retry_unavailable(self) -> bool:
        in_flight = self._inflight is not None and not self._inflight.done()
        return (
            in_flight
            or self._last_attempt is None
            or self._monotonic() - self._last_attempt >= self._policy.unavailable_retry_interval
        )

    def _recently_unknown(self, kid: str) -> bool:
        seen = self._unknown_kids.get(kid)
        return seen is not None and self._monotonic() - seen < self._policy.unknown_kid_ttl

    def _remember_unknown(self, kid: str) -> None:
        self._unknown_kids.pop(kid, None)
        self._unknown_kids[kid] = self._monotonic()
        while len(self._unknown_kids) > self._policy.max_unknown_kids:
            del self._unknown_kids[next(iter(self._unknown_kids))]

    def _refresh_in_background(self) -> None:
        if self._inflight is None or self._inflight.done():
            self._inflight = asyncio.create_task(self._fetch_and_store())

    async def _refresh(self) -> bool:
        """Single-flight: concurrent callers share one fetch; a cancelled caller does not end it."""
        if self._inflight is None or self._inflight.done():
            self._inflight = asyncio.create_task(self._fetch_and_store())
        return await asyncio.shield(self._inflight)

    async def _fetch_and_store(self) -> bool:
        self._last_attempt = self._monotonic()
        self.fetches += 1
        try:
            async with asyncio.timeout(self._policy.fetch_timeout):
                keys = await self._fetch()
        except (JwksFetchError, httpx.HTTPError, TimeoutError) as error:
            self.failed_fetches += 1
            logger.warning(
                "jwks fetch failed; keeping %d cached keys",
                len(self._keys),
                extra={"error": f"{type(error).__name__}: {error}"[:200]},
            )
            self._notify(succeeded=False)
            return False
        self._keys = keys
        self._loaded_at = self._monotonic()
        self._unknown_kids = {
            kid: seen for kid, seen in self._unknown_kids.items() if kid not in keys
        }
        self._notify(succeeded=True)
        return True

    async def _fetch(self) -> dict[str, SigningKey]:
        client = self._http_client()
        headers = {"Accept": "application/json", "Accept-Encoding": "identity"}
        async with client.stream("GET", self._url, headers=headers) as reply:
            if reply.status_code != httpx.codes.OK:
                raise JwksFetchError(f"status {reply.status_code}")
            body = await self._read_capped(reply)
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            # RecursionError: 64 KiB of nested brackets is still within the byte cap.
            raise JwksFetchError("body is not JSON") from None
        entries = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(entries, list):
            raise JwksFetchError("no keys array")
        if len(entries) > self._policy.max_keys:
            raise JwksFetchError(f"{len(entries)} keys, more than {self._policy.max_keys}")
        keys = parse_signing_keys(entries, self._allowed)
        if not keys:
            raise JwksFetchError("no usable signing key")
        return keys

    async def _read_capped(self, reply: httpx.Response) -> bytes:
        """The body, decoded, never more than ``max_bytes`` of it (plus one chunk) in memory.

        httpx would inflate each gzip chunk whole: 60 KB of gzip from a hostile endpoint
        became 60 MB and a second of blocked event loop before any cap could look at it.
        """
        limit = self._policy.max_bytes
        inflater = _inflater_for(reply.headers.get("Content-Encoding", ""))
        body = bytearray()
        try:
            async for chunk in reply.aiter_raw():
                # Inflating one byte past the limit is enough to know the body is too big.
                body += chunk if inflater is None else inflater.decompress(chunk, limit + 1)
                if len(body) > limit:
                    raise JwksFetchError(f"body over {limit} bytes")
            if inflater is not None:
                body += inflater.flush()
        except zlib.error:
            raise JwksFetchError("body is not valid gzip/deflate") from None
        if len(body) > limit:
            raise JwksFetchError(f"body over {limit} bytes")
        return bytes(body)

    def _http_client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                follow_redirects=False,
                timeout=httpx.Timeout(self._policy.fetch_timeout),
                trust_env=False,
            )
        return self._client

    def _notify(self, *, succeeded: bool) -> None:
        if self.on_fetch is not None:
            self.on_fetch(succeeded)


def _inflater_for(content_encoding: str) -> "zlib._Decompress | None":
    """None for an identity body; gzip and zlib-deflate (asked not to, a proxy may) are inflated."""
    coding = content_encoding.strip().lower()
    if coding in {"", "identity"}:
        return None
    if coding in {"gzip", "x-gzip", "deflate"}:
        return zlib.decompressobj(wbits=zlib.MAX_WBITS | 32)  # detects gzip or zlib headers
    raise JwksFetchError(f"content encoding {coding[:20]!r} not supported")
