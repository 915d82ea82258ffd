"""CircuitBreaker: opens after consecutive failures, lets one probe through after the cool-down."""

import pytest

from infrastructure.auth.circuit_breaker import BreakerState, CircuitBreaker
from tests.fakes import ManualClock

THRESHOLD = 3
COOLDOWN = 5.0


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=100.0)


@pytest.fixture
def breaker(clock: ManualClock) -> CircuitBreaker:
    return CircuitBreaker(THRESHOLD, COOLDOWN, monotonic=clock)


def _fail(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        breaker.record_failure()


def test_stays_closed_below_the_threshold(breaker: CircuitBreaker) -> None:
    _fail(breaker, THRESHOLD - 1)

    assert breaker.state is BreakerState.CLOSED
    assert breaker.allow()


def test_opens_and_refuses_calls_after_threshold_consecutive_failures(
    breaker: CircuitBreaker,
) -> None:
    _fail(breaker, THRESHOLD)

    assert breaker.state is BreakerState.OPEN
    assert not breaker.allow()


def test_a_success_resets_the_failure_count(breaker: CircuitBreaker) -> None:
    _fail(breaker, THRESHOLD - 1)
    breaker.record_success()
    _fail(breaker, THRESHOLD - 1)

    assert breaker.state is BreakerState.CLOSED


def test_refuses_until_the_cooldown_has_passed(breaker: CircuitBreaker, clock: ManualClock) -> None:
    _fail(breaker, THRESHOLD)
    clock.now += COOLDOWN - 0.01

    assert not breaker.allow()


def test_lets_exactly_one_probe_through_after_the_cooldown(
    breaker: CircuitBreaker, clock: ManualClock
) -> None:
    _fail(breaker, THRESHOLD)
    clock.now += COOLDOWN

    assert [breaker.allow() for _ in range(3)] == [True, False, False]
    assert breaker.state is BreakerState.HALF_OPEN


def test_a_successful_probe_closes_the_breaker(breaker: CircuitBreaker, clock: ManualClock) -> None:
    _fail(breaker, THRESHOLD)
    clock.now += COOLDOWN
    breaker.allow()

    breaker.record_success()

    assert breaker.state is BreakerState.CLOSED
    assert breaker.allow()


def test_a_failed_probe_opens_the_breaker_for_another_cooldown(
    breaker: CircuitBreaker, clock: ManualClock
) -> None:
    _fail(breaker, THRESHOLD)
    clock.now += COOLDOWN
    breaker.allow()

    breaker.record_failure()
    clock.now += COOLDOWN - 0.01

    assert breaker.state is BreakerState.OPEN
    assert not breaker.allow()


def test_a_probe_that_never_reports_is_replaced_after_another_cooldown(
    breaker: CircuitBreaker, clock: ManualClock
) -> None:
    _fail(breaker, THRESHOLD)
    clock.now += COOLDOWN
    breaker.allow()

    clock.now += COOLDOWN

    assert breaker.allow()


def test_reports_each_state_change_once(breaker: CircuitBreaker, clock: ManualClock) -> None:
    changes: list[BreakerState] = []
    breaker.on_state_change = changes.append

    _fail(breaker, THRESHOLD + 2)
    clock.now += COOLDOWN
    breaker.allow()
    breaker.record_success()
    breaker.record_success()

    assert changes == [BreakerState.OPEN, BreakerState.HALF_OPEN, BreakerState.CLOSED]


@pytest.mark.parametrize(("threshold", "cooldown"), [(0, 1.0), (1, 0.0), (1, -1.0)])
def test_refuses_a_meaningless_configuration(threshold: int, cooldown: float) -> None:
    with pytest.raises(ValueError, match="threshold"):
        CircuitBreaker(threshold, cooldown)
