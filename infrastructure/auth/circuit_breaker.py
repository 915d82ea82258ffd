"""CircuitBreaker: stop calling a dependency that keeps failing, and probe it again later."""

import enum
import time
from collections.abc import Callable


class BreakerState(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """Closed -> open after ``threshold`` consecutive failures -> half-open after ``cooldown``.

    While open, :meth:`allow` says no at once: callers answer "unavailable" in microseconds
    instead of queueing on a dead dependency, and the dependency gets room to recover. After
    the cool-down exactly one caller is let through as a probe; its success closes the
    breaker, its failure opens it for another cool-down. A probe that never reports (its task
    died) is replaced after one more cool-down, so the breaker cannot stay stuck half-open.
    """

    def __init__(
        self,
        threshold: int,
        cooldown: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if threshold < 1 or cooldown <= 0:
            raise ValueError("threshold must be >= 1 and cooldown > 0")
        self._threshold = threshold
        self._cooldown = cooldown
        self._monotonic = monotonic
        self._failures = 0
        self._opened_at: float | None = None
        self._probe_started_at: float | None = None
        self.on_state_change: Callable[[BreakerState], None] | None = None

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._probe_started_at is not None:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    def allow(self) -> bool:
        """Whether a call may go out now; in half-open state only the probe gets a yes."""
        if self._opened_at is None:
            return True
        now = self._monotonic()
        started = self._probe_started_at if self._probe_started_at is not None else self._opened_at
        if now - started < self._cooldown:
            return False
        before = self.state
        self._probe_started_at = now
        self._notify(before)
        return True

    def record_success(self) -> None:
        before = self.state
        self._failures = 0
        self._opened_at = None
        self._probe_started_at = None
        self._notify(before)

    def record_failure(self) -> None:
        before = self.state
        self._failures += 1
        if self._opened_at is not None or self._failures >= self._threshold:
            self._opened_at = self._monotonic()
            self._probe_started_at = None
        self._notify(before)

    def _notify(self, before: BreakerState) -> None:
        if self.on_state_change is not None and self.state is not before:
            self.on_state_change(self.state)
