"""TtlCache: entries expire after their time, the oldest go first past the size cap."""

import pytest

from infrastructure.auth.ttl_cache import TtlCache
from tests.fakes import ManualClock

TTL = 5.0


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=100.0)


def test_returns_an_entry_until_its_time_is_up(clock: ManualClock) -> None:
    cache: TtlCache[str, int] = TtlCache(TTL, 10, monotonic=clock)
    cache.put("a", 1)
    clock.now += TTL - 0.01
    still_there = cache.get("a")
    clock.now += 0.01

    assert still_there == 1
    assert cache.get("a") is None
    assert len(cache) == 0


def test_zero_ttl_stores_nothing(clock: ManualClock) -> None:
    cache: TtlCache[str, int] = TtlCache(0, 10, monotonic=clock)
    cache.put("a", 1)

    assert cache.get("a") is None


def test_drops_the_oldest_entry_past_the_size_cap(clock: ManualClock) -> None:
    cache: TtlCache[str, int] = TtlCache(TTL, 2, monotonic=clock)
    for key, value in [("a", 1), ("b", 2), ("a", 10), ("c", 3)]:
        cache.put(key, value)

    assert [cache.get(key) for key in "abc"] == [10, None, 3]


def test_putting_again_restarts_the_entry_time(clock: ManualClock) -> None:
    cache: TtlCache[str, int] = TtlCache(TTL, 10, monotonic=clock)
    cache.put("a", 1)
    clock.now += TTL - 1
    cache.put("a", 2)
    clock.now += TTL - 1

    assert cache.get("a") == 2
