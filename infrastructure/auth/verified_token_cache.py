"""CachedTokenVerifier: remembers credentials already verified, so repeat calls cost a lookup."""

import time
from collections.abc import Callable

from application.auth import AuthenticatedUser
from application.ports import TokenVerifier


class CachedTokenVerifier:
    """Wraps a verifier; a credential it accepted is accepted again without re-verifying.

    - The key is the exact credential string: a token differing by one byte is a miss and is
      verified in full, so tampering can never hit the cache.
    - An entry lives until the credential expires or ``max_age_seconds``, whichever is first;
      the age cap bounds how long a revoked signing key keeps working (the key set itself is
      only refreshed every few minutes, so this adds little to that delay).
    - Refusals are never cached: every bad credential is judged in full, every time.
    - At ``max_entries`` the oldest entry goes first, so memory stays bounded.
    """

    def __init__(
        self,
        inner: TokenVerifier,
        max_entries: int = 4096,
        max_age_seconds: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._inner = inner
        self._max_entries = max_entries
        self._max_age = max_age_seconds
        self._clock = clock
        self._entries: dict[str, tuple[AuthenticatedUser, float]] = {}

    async def verify(self, token: str) -> AuthenticatedUser:
        now = self._clock()
        entry = self._entries.get(token)
        if entry is not None:
            user, valid_until = entry
            if now < valid_until:
                return user
            del self._entries[token]
        user = await self._inner.verify(token)
        self._remember(token, user, now)
        return user

    def _remember(self, token: str, user: AuthenticatedUser, now: float) -> None:
        if self._max_entries <= 0:
            return
        valid_until = now + self._max_age
        if user.expires_at is not None:
            valid_until = min(valid_until, user.expires_at.timestamp())
        while len(self._entries) >= self._max_entries:
            del self._entries[next(iter(self._entries))]
        self._entries[token] = (user, valid_until)
