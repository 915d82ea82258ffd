"""Fixtures of the JWKS and verifier tests: the adapters on a clock the test moves by hand."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from infrastructure.auth.jwks import JwksKeySet
from infrastructure.auth.jwt_verifier import JwtTokenVerifier
from tests.support.jwks_server import JwksServer
from tests.support.verifier_rig import ManualClock, build_verifier, fetch_signal, open_key_set


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def key_set(jwks_server: JwksServer, clock: ManualClock) -> AsyncIterator[JwksKeySet]:
    async with open_key_set(jwks_server.url, clock) as keys:
        yield keys


@pytest.fixture
def verifier(key_set: JwksKeySet) -> JwtTokenVerifier:
    return build_verifier(key_set)


@pytest.fixture
def fetch_done(key_set: JwksKeySet) -> asyncio.Event:
    return fetch_signal(key_set)
