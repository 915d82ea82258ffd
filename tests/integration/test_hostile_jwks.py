"""JWKS endpoints that are down, slow, broken or hostile, and key sets with keys never to trust."""

import functools
import http.server
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from jwt.utils import base64url_encode

from application.auth import AuthUnavailableError
from infrastructure.auth.jwks import JwksKeySet
from infrastructure.auth.jwt_verifier import JwtTokenVerifier
from tests.support.forged_tokens import forge, forge_hs256
from tests.support.jwks_server import JwksServer
from tests.support.keys import SigningKeyPair, better_auth_claims, generate_key
from tests.support.verifier_rig import (
    POLICY,
    SHORT_FETCH_TIMEOUT,
    ManualClock,
    build_verifier,
    open_key_set,
    refusal_reason,
    shared_key,
)


class ScriptedJwksServer(JwksServer):
    """A JwksServer that can also answer with exact bytes, headers, and a slow drip."""

    def __init__(self) -> None:
        super().__init__()
        self.scripted: tuple[int, bytes, dict[str, str]] | None = None
        self.drip_seconds = 0.0

    def _answer(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        if self.scripted is None:
            super()._answer(handler)
            return
        status, body, headers = self.scripted
        try:
            handler.send_response(status)
            for name, value in {"Content-Length": str(len(body)), **headers}.items():
                handler.send_header(name, value)
            handler.end_headers()
            for offset in range(0, len(body), 1 if self.drip_seconds else len(body) or 1):
                handler.wfile.write(body[offset : offset + (1 if self.drip_seconds else len(body))])
                handler.wfile.flush()
                time.sleep(self.drip_seconds)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture
def server(signing_key: SigningKeyPair) -> Iterator[ScriptedJwksServer]:
    scripted = ScriptedJwksServer().start()
    scripted.publish(signing_key.public_jwk)
    yield scripted
    scripted.stop()


@pytest.fixture
async def key_set(server: ScriptedJwksServer) -> AsyncIterator[JwksKeySet]:
    async with open_key_set(server.url, ManualClock()) as keys:
        yield keys


@pytest.fixture
def verifier(key_set: JwksKeySet) -> JwtTokenVerifier:
    return build_verifier(key_set)


@pytest.fixture
async def impatient_verifier(server: ScriptedJwksServer) -> AsyncIterator[JwtTokenVerifier]:
    """A verifier whose fetches give up after SHORT_FETCH_TIMEOUT, for slow endpoints."""
    async with open_key_set(server.url, ManualClock(), fetch_timeout=SHORT_FETCH_TIMEOUT) as keys:
        yield build_verifier(keys)


def _json(document: Any) -> tuple[int, bytes, dict[str, str]]:
    return 200, json.dumps(document).encode(), {"Content-Type": "application/json"}


def _unusable_keys(key: SigningKeyPair) -> list[dict[str, Any]]:
    secret = base64url_encode(b"better-auth-secret").decode()
    return [
        {**key.public_jwk, "use": "enc"},
        {"kty": "oct", "k": secret, "kid": "hmac", "alg": "HS256"},
    ]


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
    server.hang_seconds = 3.0
    _BROKEN_ENDPOINTS[fault](server, signing_key)

    started = time.perf_counter()
    with pytest.raises(AuthUnavailableError):
        await impatient_verifier.verify(token_for())

    assert time.perf_counter() - started < SHORT_FETCH_TIMEOUT + 1.0
    assert server.requests == 1


async def test_answers_unavailable_fast_when_jwks_is_unreachable_at_cold_start(
    verifier: JwtTokenVerifier, server: ScriptedJwksServer, token_for: Callable[..., str]
) -> None:
    server.stop()

    started = time.perf_counter()
    with pytest.raises(AuthUnavailableError):
        await verifier.verify(token_for())

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
    verifier: JwtTokenVerifier,
    server: ScriptedJwksServer,
    signing_key: SigningKeyPair,
    token_for: Callable[..., str],
) -> None:
    elsewhere = JwksServer().start()
    try:
        elsewhere.publish(signing_key.public_jwk)
        server.scripted = (302, b"", {"Location": elsewhere.url})

        with pytest.raises(AuthUnavailableError):
            await verifier.verify(token_for())

        assert elsewhere.requests == 0
    finally:
        elsewhere.stop()


async def test_accepts_jwks_with_exactly_max_keys(
    verifier: JwtTokenVerifier, server: ScriptedJwksServer, signing_key: SigningKeyPair
) -> None:
    others = [generate_key("EdDSA").public_jwk for _ in range(POLICY.max_keys - 1)]
    server.publish(*others, signing_key.public_jwk)

    assert (await verifier.verify(signing_key.sign(better_auth_claims()))).id == "user-a"


async def test_key_published_for_encryption_is_never_used(
    verifier: JwtTokenVerifier, server: ScriptedJwksServer, signing_key: SigningKeyPair
) -> None:
    encryption_key = generate_key("EdDSA")
    server.publish(signing_key.public_jwk, {**encryption_key.public_jwk, "use": "enc"})

    token = encryption_key.sign(better_auth_claims())

    assert await refusal_reason(verifier, token) == "unknown_key"


async def test_symmetric_key_in_the_jwks_is_never_used_for_hmac(
    verifier: JwtTokenVerifier, server: ScriptedJwksServer, signing_key: SigningKeyPair
) -> None:
    server.publish(signing_key.public_jwk, *_unusable_keys(signing_key))
    header = {"alg": "HS256", "kid": "hmac"}
    token = forge_hs256(header, better_auth_claims(), b"better-auth-secret")

    assert await refusal_reason(verifier, token) == "disallowed_algorithm"


async def test_symmetric_key_in_the_jwks_is_never_looked_up_as_a_signing_key(
    verifier: JwtTokenVerifier, server: ScriptedJwksServer, signing_key: SigningKeyPair
) -> None:
    server.publish(signing_key.public_jwk, *_unusable_keys(signing_key))
    token = forge({"alg": "EdDSA", "kid": "hmac"}, better_auth_claims(), signing_key)

    assert await refusal_reason(verifier, token) == "unknown_key"


async def test_rsa_key_under_2048_bits_is_skipped(
    verifier: JwtTokenVerifier, server: ScriptedJwksServer, signing_key: SigningKeyPair
) -> None:
    weak_private = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505
    weak = SigningKeyPair("RS256", weak_private)
    weak_jwk = {**RSAAlgorithm.to_jwk(weak.private_key.public_key(), as_dict=True)}
    server.publish(signing_key.public_jwk, {**weak_jwk, "alg": "RS256", "kid": weak.kid})

    token = forge({"alg": "RS256", "kid": weak.kid}, better_auth_claims(), weak)

    assert await refusal_reason(verifier, token) == "unknown_key"
    assert (await verifier.verify(signing_key.sign(better_auth_claims()))).id == "user-a"


@functools.cache
def _hostile_entries() -> dict[str, Any]:
    """Entries a broken or hostile issuer might publish, each under the kid "hostile"."""
    okp, es, rs = (
        {**shared_key(alg).public_jwk, "kid": "hostile"} for alg in ("EdDSA", "ES256", "RS256")
    )
    p521 = ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP521R1()).public_key(), as_dict=True)
    private_rsa = RSAAlgorithm.to_jwk(
        rsa.generate_private_key(public_exponent=65537, key_size=2048), as_dict=True
    )
    return {
        "not-an-object": "hostile",
        "kid-missing": {name: value for name, value in es.items() if name != "kid"},
        "kid-an-object": {**es, "kid": {"hostile": 1}},
        "kid-300-chars": {**es, "kid": "k" * 300},
        "kty-a-list": {**es, "kty": ["EC"]},
        "use-a-list": {**es, "use": ["sig"]},
        "key-ops-without-verify": {**es, "key_ops": ["encrypt"]},
        "alg-none": {**es, "alg": "none"},
        "alg-hs256-on-okp": {**okp, "alg": "HS256"},
        "alg-a-list": {**es, "alg": ["ES256"]},
        "unknown-curve": {**es, "crv": "P-999"},
        "coordinates-of-wrong-size": {**es, "x": "AAAA"},
        "coordinate-an-integer": {**es, "x": 5},
        "okp-x25519": {**okp, "crv": "X25519"},
        "okp-x-not-base64": {**okp, "x": "@@"},
        "ed448-without-alg": {**{k: v for k, v in okp.items() if k != "alg"}, "crv": "Ed448"},
        "rsa-modulus-garbage": {**rs, "n": "!!"},
        "p521-key-labelled-es256": {**p521, "alg": "ES256", "kid": "hostile"},
        "private-rsa-key": {**private_rsa, "alg": "RS256", "kid": "hostile"},
    }


@pytest.mark.parametrize("entry_name", list(_hostile_entries()))
async def test_hostile_entry_is_skipped_and_the_other_keys_still_verify(
    key_set: JwksKeySet,
    verifier: JwtTokenVerifier,
    server: ScriptedJwksServer,
    signing_key: SigningKeyPair,
    entry_name: str,
) -> None:
    server.publish(_hostile_entries()[entry_name], signing_key.public_jwk)

    assert (await verifier.verify(signing_key.sign(better_auth_claims()))).id == "user-a"
    assert await key_set.key_for("hostile") is None
    assert server.requests == 1
