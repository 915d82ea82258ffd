"""A real Better Auth token altered in any way is refused (each supported version)."""

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.better_auth.harness import (
    StartApi,
    new_user,
    refusal_reasons,
    settings_for,
    watch_refusals,
)
from tests.support.better_auth import BetterAuthServer, decode_jwt_unverified, fetch_jwks

pytestmark = pytest.mark.better_auth

Tamper = Callable[[str, dict[str, Any]], str]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _encode(document: dict[str, Any]) -> str:
    return _b64(json.dumps(document, separators=(",", ":")).encode())


def _with_claims(**changes: Any) -> Tamper:
    """Rewrite the payload, keeping Better Auth's original signature."""

    def tamper(token: str, _jwks: dict[str, Any]) -> str:
        payload = decode_jwt_unverified(token)[1]
        encoded_header, _payload, signature = token.split(".")
        return ".".join([encoded_header, _encode({**payload, **changes}), signature])

    return tamper


def _flip_signature_byte(token: str, _jwks: dict[str, Any]) -> str:
    signing_input, _, signature = token.rpartition(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[len(raw) // 2] ^= 0x01
    return f"{signing_input}.{_b64(bytes(raw))}"


def _strip_signature(token: str, _jwks: dict[str, Any]) -> str:
    signing_input, _, _signature = token.rpartition(".")
    return f"{signing_input}."


def _alg_none(token: str, _jwks: dict[str, Any]) -> str:
    header, payload = decode_jwt_unverified(token)
    return f"{_encode({**header, 'alg': 'none'})}.{_encode(payload)}."


def _hs256_with_public_key(token: str, jwks: dict[str, Any]) -> str:
    """The classic key confusion: HMAC-sign with the published public key as the secret."""
    header, payload = decode_jwt_unverified(token)
    public_key = json.dumps(jwks["keys"][0], separators=(",", ":")).encode()
    signing_input = f"{_encode({**header, 'alg': 'HS256'})}.{_encode(payload)}"
    signature = hmac.new(public_key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


TAMPERINGS: dict[str, tuple[Tamper, str]] = {
    "subject-swapped": (_with_claims(sub="someone-else"), "bad_signature"),
    "expiry-extended": (_with_claims(exp=4_102_444_800), "bad_signature"),
    "signature-byte-flipped": (_flip_signature_byte, "bad_signature"),
    "signature-stripped": (_strip_signature, "bad_signature"),
    "alg-none": (_alg_none, "disallowed_algorithm"),
    "alg-hs256-keyed-with-public-key": (_hs256_with_public_key, "disallowed_algorithm"),
}


@pytest.fixture(scope="module")
def real_token(better_auth: BetterAuthServer) -> str:
    """One genuine token per version, for every tampering (each test has its own app)."""
    return new_user(better_auth).token


@pytest.mark.parametrize(("tamper", "reason"), TAMPERINGS.values(), ids=TAMPERINGS.keys())
async def test_refuses_tampered_real_token_with_401(
    better_auth: BetterAuthServer,
    real_token: str,
    start_api: StartApi,
    caplog: pytest.LogCaptureFixture,
    tamper: Tamper,
    reason: str,
) -> None:
    api = await start_api(settings_for(better_auth))
    token = real_token
    assert (await api.list_tasks(token)).status_code == 200  # untouched, it is fine
    watch_refusals(caplog)

    response = await api.list_tasks(tamper(token, fetch_jwks(better_auth.url)))

    assert response.status_code == 401, response.text
    assert refusal_reasons(caplog.records) == [reason]
