"""The JWT adapters wired to a loopback JWKS, with cache timing on a clock that tests move."""

import asyncio
import dataclasses
import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from application.auth import AuthenticationError
from infrastructure.auth.jwks import JwksKeySet, JwksPolicy
from infrastructure.auth.jwt_verifier import JwtTokenVerifier, TokenRules
from tests.fakes import ManualClock
from tests.support.keys import ISSUER, SigningKeyPair, generate_key

ALGORITHMS = frozenset({"EdDSA", "Ed25519", "ES256", "ES512", "RS256", "PS256"})

# Cache intervals are in ManualClock seconds (tests advance it, nothing sleeps). The fetch
# timeout is real time: generous by default, so a loaded machine cannot fail a fetch that
# should succeed; tests of hanging endpoints pass SHORT_FETCH_TIMEOUT.
SHORT_FETCH_TIMEOUT = 0.5
# How long a hanging JWKS sleeps: any stall behind it would show, and the test still ends soon.
HANG_SECONDS = 3.0
POLICY = JwksPolicy(
    cache_ttl=300.0,
    min_refetch_interval=10.0,
    unavailable_retry_interval=1.0,
    fetch_timeout=5.0,
    max_bytes=64 * 1024,
    max_keys=32,
)


@functools.cache
def shared_key(algorithm: str) -> SigningKeyPair:
    """One key per algorithm for the whole session: RSA keys take a while to generate."""
    return generate_key(algorithm)


@asynccontextmanager
async def open_key_set(url: str, clock: ManualClock, **policy: Any) -> AsyncIterator[JwksKeySet]:
    keys = JwksKeySet(url, ALGORITHMS, dataclasses.replace(POLICY, **policy), monotonic=clock)
    try:
        yield keys
    finally:
        await keys.aclose()


def build_verifier(keys: JwksKeySet, **rules: Any) -> JwtTokenVerifier:
    values: dict[str, Any] = {"issuer": ISSUER, "audience": ISSUER, "algorithms": ALGORITHMS}
    return JwtTokenVerifier(keys, TokenRules(**{**values, **rules}))


async def refusal_reason(verifier: JwtTokenVerifier, token: str) -> str:
    """The reason the verifier gives for refusing ``token``; fails the test if it accepts it."""
    try:
        user = await verifier.verify(token)
    except AuthenticationError as refused:
        return refused.reason
    raise AssertionError(f"token accepted for {user.id!r}")


def fetch_signal(keys: JwksKeySet) -> asyncio.Event:
    """An event set after each fetch, successful or not, so a test can await a background one."""
    done = asyncio.Event()
    keys.on_fetch = lambda _succeeded: done.set()
    return done
