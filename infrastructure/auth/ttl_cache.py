"""TtlCache: a small in-memory map whose entries expire after a fixed time; its size is capped."""

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """Entries live ``ttl`` seconds; past ``max_entries`` the oldest entry is dropped.

    A ``ttl`` of zero disables the cache, so a deployment can trade load for instant revocation.
    Expired entries are dropped lazily, when read or when room is needed; the size cap bounds
    memory whatever the traffic looks like.
    """

    def __init__(
        self,
        ttl: float,
        max_entries: int,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl < 0 or max_entries < 1:
            raise ValueError("ttl must be >= 0 and max_entries >= 1")
        self._ttl = ttl
        self._max_entries = max_entries
        self._monotonic = monotonic
        self._entries: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, value = entry
        if self._monotonic() >= expires_at:
            del self._entries[key]
            return None
        return value

    def put(self, key: K, value: V) -> None:
        if self._ttl == 0:
            return
        # Re-inserting moves the key to the end, so dict order stays oldest-first.
        self._entries.pop(key, None)
        self._entries[key] = (self._monotonic() + self._ttl, value)
        while len(self._entries) > self._max_entries:
            del self._entries[next(iter(self._entries))]

    def __len__(self) -> int:
        return len(self._entries)
