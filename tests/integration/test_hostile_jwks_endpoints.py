"""JWKS endpoints that are down, slow, broken or hostile when the service has no key yet."""

import gzip
import json
import time
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from jwt.utils import base64url_encode

from application.auth import AuthUnavailableError
from infrastructure.auth.jwt_verifier import JwtTokenVerifier
from tests.support.jwks_server import JwksServer
from tests.support.keys import SigningKeyPair, generate_key
from tests.support.scripted_jwks_server import ScriptedJwksServer
from tests.support.verifier_rig import (
    HANG_SECONDS,
    POLICY,
    SHORT_FETCH_TIMEOUT,
    ManualClock,
    build_verifier,
    open_key_set,
)


@pytest.fixture
def server(signing_key: SigningKeyPair) -> Iterator[ScriptedJwksServer]:
    scripted = ScriptedJwksServer().start()
    scripted.publish(signing_key.public_jwk)
    yield scripted
    scripted.stop()


@pytest.fixture
async def impatient_verifier(server: ScriptedJwksServer) -> AsyncIterator[JwtTokenVerifier]:
    """A verifier whose fetches give up after SHORT_FETCH_TIMEOUT, for slow endpoints."""
    async with open_key_set(server.url, ManualClock(), fetch_timeout=SHORT_FETCH_TIMEOUT) as keys:
        yield build_verifier(keys)


def _unusable_keys(key: SigningKeyPair) -> list[dict[str, Any]]:
    secret = base64url_encode(b"better-auth-secret").decode()
    return [
        {**key.public_jwk, "use": "enc"},
        {"kty": "oct", "k": secret, "kid": "hmac", "alg": "HS256"},
    ]


def _json(document: Any) -> tuple[int, bytes, dict[str, str]]:
    return 200, json.dumps(document).encode(), {"Content-Type": "application/json"}


_BROKEN_ENDPOINTS: dict[str, Callable[[ScriptedJwksServer, SigningKeyPair], None]] = {
    "status-500": lambda server, _: setattr(server, "mode", "error"),
    "status-404": lambda server, _: setattr(server, "scripted", (404, b"{}", {})),
    "html-login-page": lambda server, _: setattr(server, "mode", "html"),
    "redirect": lambda server, _: setattr(server, "mode", "redirect"),
    "body-over-max-bytes": lambda server, _: setattr(server, "mode", "huge"),
    "hangs": lambda server, _: setattr(server, "mode", "hang"),
    "empty-key-list": lambda server, _: server.publish(),
    "more-than-max-keys": lambda server, _: server.publish(
        *(generate_key("EdDSA").public_jwk for _ in range(POLICY.max_keys + 1))
    ),
    "only-unusable-keys": lambda server, key: server.publish(*_unusable_keys(key)),
    "keys-not-a-list": lambda server, _: setattr(server, "scripted", _json({"keys": {}})),
    "not-an-object": lambda server, key: setattr(server, "scripted", _json([key.public_jwk])),
    "not-json": lambda server, _: setattr(server, "scripted", (200, b"{keys", {})),
    "empty-body": lambda server, _: setattr(server, "scripted", (200, b"", {})),
    "deeply-nested": lambda server, _: setattr(
        server, "scripted", (200, b"[" * 30_000 + b"]" * 30_000, {})
    ),
    "brotli-encoded": lambda server, _: setattr(
        server, "scripted", (200, b"\x0b\x02\x80{}\x03", {"Content-Encoding": "br"})
    ),
    "corrupt-gzip": lambda server, _: setattr(
        server, "scripted", (200, b"\x1f\x8b\x08\x00garbage", {"Content-Encoding": "gzip"})
    ),
    "content-length-lies": lambda server, _: setattr(
        server, "scripted", (200, b'{"keys": [', {"Content-Length": "5000"})
    ),
}


@pytest.mark.parametrize("fault", list(_BROKEN_ENDPOINTS))
async def test_answers_unavailable_in_bounded_time_when_jwks_is_broken_at_cold_start(
    impatient_verifier: JwtTokenVerifier,
    server: ScriptedJwksServer,
    token_for: Callable[..., str],
    signing_key: SigningKeyPair,
    fault: str,
) -> None:
    server.hang_seconds = HANG_SECONDS
    _BROKEN_ENDPOINTS[fault](server, signing_key)

    started = time.perf_counter()
    with pytest.raises(AuthUnavailableError):
        await impatient_verifier.verify(token_for())

    assert time.perf_counter() - started < SHORT_FETCH_TIMEOUT + 1.0
    assert server.requests == 1


async def test_answers_unavailable_fast_when_jwks_is_unreachable_at_cold_start(
    impatient_verifier: JwtTokenVerifier, server: ScriptedJwksServer, token_for: Callable[..., str]
) -> None:
    server.stop()

    started = time.perf_counter()
    with pytest.raises(AuthUnavailableError):
        await impatient_verifier.verify(token_for())

    assert time.perf_counter() - started < 3.0


async def test_fetch_timeout_bounds_a_body_that_trickles_in(
    impatient_verifier: JwtTokenVerifier, server: ScriptedJwksServer, token_for: Callable[..., str]
) -> None:
    """httpx's timeouts are per read; only a total deadline stops one byte every 50 ms."""
    server.scripted = _json({"keys": [], "pad": "x" * 100})
    server.drip_seconds = 0.05

    started = time.perf_counter()
    with pytest.raises(AuthUnavailableError):
        await impatient_verifier.verify(token_for())

    assert time.perf_counter() - started < SHORT_FETCH_TIMEOUT + 1.0


async def test_never_follows_a_redirect_even_to_a_good_jwks(
    impatient_verifier: JwtTokenVerifier,
    server: ScriptedJwksServer,
    signing_key: SigningKeyPair,
    token_for: Callable[..., str],
) -> None:
    elsewhere = JwksServer().start()
    try:
        elsewhere.publish(signing_key.public_jwk)
        server.scripted = (302, b"", {"Location": elsewhere.url})

        with pytest.raises(AuthUnavailableError):
            await impatient_verifier.verify(token_for())

        assert elsewhere.requests == 0
    finally:
        elsewhere.stop()


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
async def test_accepts_a_compressed_jwks_from_a_proxy_that_compresses_anyway(
    impatient_verifier: JwtTokenVerifier,
    server: ScriptedJwksServer,
    signing_key: SigningKeyPair,
    token_for: Callable[..., str],
    coding: str,
) -> None:
    document = json.dumps({"keys": [signing_key.public_jwk]}).encode()
    body = gzip.compress(document) if coding == "gzip" else zlib.compress(document)
    server.scripted = (200, body, {"Content-Encoding": coding})

    assert (await impatient_verifier.verify(token_for())).id == "user-a"


async def test_refuses_a_gzip_bomb_without_inflating_it(
    impatient_verifier: JwtTokenVerifier, server: ScriptedJwksServer, token_for: Callable[..., str]
) -> None:
    """20 KB on the wire, 20 MB inflated: the cap must count inflated bytes as they come."""
    bomb = gzip.compress(b" " * 20_000_000, compresslevel=9)
    assert len(bomb) < POLICY.max_bytes
    server.scripted = (200, bomb, {"Content-Encoding": "gzip"})

    tracemalloc.start()
    try:
        with pytest.raises(AuthUnavailableError):
            await impatient_verifier.verify(token_for())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 16 * POLICY.max_bytes
