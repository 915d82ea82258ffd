"""Hand-written fakes of the application ports (clock, token verifier) for tests: no mocks."""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Self

from application.auth import AuthenticatedUser, AuthenticationError

DEFAULT_START = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


class StepClock:
    """A deterministic ``Clock``: the first call returns ``start``, each later one ``step`` more.

    A zero or negative ``step`` models a clock that repeats an instant or steps back (NTP),
    which the domain must survive.
    """

    def __init__(
        self, start: datetime = DEFAULT_START, step: timedelta = timedelta(seconds=1)
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("StepClock needs a timezone-aware start, like the real clock")
        self._next = start
        self.step = step
        self.calls = 0

    def now(self) -> datetime:
        current = self._next
        self._next = current + self.step
        self.calls += 1
        return current

    def peek(self) -> datetime:
        """The instant the next ``now()`` will return, without consuming it."""
        return self._next


class StaticTokenVerifier:
    """A ``TokenVerifier`` that knows a fixed table of tokens; any other token is refused."""

    def __init__(self, users_by_token: Mapping[str, AuthenticatedUser]) -> None:
        self._users_by_token = dict(users_by_token)

    @classmethod
    def for_subjects(cls, *subjects: str) -> Self:
        """One token per subject, spelled ``token-<subject>``."""
        return cls({f"token-{subject}": AuthenticatedUser(id=subject) for subject in subjects})

    async def verify(self, token: str) -> AuthenticatedUser:
        user = self._users_by_token.get(token)
        if user is None:
            raise AuthenticationError("unknown_token")
        return user


class ManualClock:
    """A monotonic clock (a callable returning seconds) that only moves when told to."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
