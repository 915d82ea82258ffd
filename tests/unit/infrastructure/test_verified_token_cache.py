"""CachedTokenVerifier: repeats skip verification, never past expiry, never for refusals."""

from datetime import UTC, datetime

import pytest

from application.auth import AuthenticatedUser, AuthenticationError
from infrastructure.auth.verified_token_cache import CachedTokenVerifier
from tests.fakes import ManualClock

NOW = 1_800_000_000.0


class CountingVerifier:
    """Accepts ``good-*`` tokens (expiring at ``expires_at``), refuses the rest, counts calls."""

    def __init__(self, expires_at: float = NOW + 900) -> None:
        self.calls = 0
        self.expires_at = expires_at

    async def verify(self, token: str) -> AuthenticatedUser:
        self.calls += 1
        if not token.startswith("good-"):
            raise AuthenticationError("bad_signature")
        return AuthenticatedUser(
            id=token.removeprefix("good-"),
            expires_at=datetime.fromtimestamp(self.expires_at, UTC),
        )


async def test_a_repeated_token_is_verified_only_once() -> None:
    inner = CountingVerifier()
    cache = CachedTokenVerifier(inner, clock=ManualClock(start=NOW))

    first = await cache.verify("good-alice")
    second = await cache.verify("good-alice")

    assert (first, second, inner.calls) == (second, first, 1)


async def test_a_token_is_verified_again_once_it_has_expired() -> None:
    inner = CountingVerifier(expires_at=NOW + 10)
    time = ManualClock(start=NOW)
    cache = CachedTokenVerifier(inner, max_age_seconds=60, clock=time)
    await cache.verify("good-alice")

    time.now = NOW + 11
    await cache.verify("good-alice")

    assert inner.calls == 2


async def test_a_token_is_verified_again_after_the_age_cap() -> None:
    inner = CountingVerifier()
    time = ManualClock(start=NOW)
    cache = CachedTokenVerifier(inner, max_age_seconds=5, clock=time)
    await cache.verify("good-alice")

    time.now = NOW + 6
    await cache.verify("good-alice")

    assert inner.calls == 2


async def test_refusals_are_never_cached() -> None:
    inner = CountingVerifier()
    cache = CachedTokenVerifier(inner, clock=ManualClock(start=NOW))

    for _ in range(3):
        with pytest.raises(AuthenticationError):
            await cache.verify("forged")

    assert inner.calls == 3


async def test_the_oldest_entry_is_evicted_at_capacity() -> None:
    inner = CountingVerifier()
    cache = CachedTokenVerifier(inner, max_entries=2, clock=ManualClock(start=NOW))
    for name in ("good-a", "good-b", "good-c"):
        await cache.verify(name)

    await cache.verify("good-c")
    await cache.verify("good-a")

    assert inner.calls == 4


async def test_a_zero_capacity_cache_verifies_every_time() -> None:
    inner = CountingVerifier()
    cache = CachedTokenVerifier(inner, max_entries=0, clock=ManualClock(start=NOW))

    await cache.verify("good-a")
    await cache.verify("good-a")

    assert inner.calls == 2
