"""Turning JWKS entries into verification keys, refusing every key we must not trust."""

import logging
from collections.abc import Iterable, Mapping
from copy import copy
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.ed448 import Ed448PublicKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt import PyJWK
from jwt.exceptions import PyJWTError

logger = logging.getLogger(__name__)

MAX_KID_LENGTH = 256
MIN_RSA_BITS = 2048
# RFC 9864 names the Ed25519 variant of EdDSA "Ed25519"; Better Auth may switch to it.
_ED25519_NAMES = frozenset({"EdDSA", "Ed25519"})
_ASYMMETRIC_KTYS = frozenset({"OKP", "EC", "RSA"})
# Members only a private (or symmetric) JWK has: an issuer publishing them is broken.
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_PUBLIC_KEY_TYPES = (Ed25519PublicKey, Ed448PublicKey, EllipticCurvePublicKey, RSAPublicKey)


@dataclass(frozen=True, slots=True)
class SigningKey:
    """One issuer key, usable only with the algorithm(s) it was published for."""

    kid: str
    by_algorithm: Mapping[str, PyJWK]

    def for_algorithm(self, algorithm: str) -> PyJWK | None:
        return self.by_algorithm.get(algorithm)


def parse_signing_keys(entries: Iterable[Any], allowed: frozenset[str]) -> dict[str, SigningKey]:
    """Keep the entries that are signature keys for an allowed algorithm, by ``kid``.

    Skipped (with a log line): no string ``kid``; ``use`` other than ``sig``; ``key_ops``
    without ``verify``; symmetric or private keys; an algorithm outside the allow-list; an EC
    curve that does not fit its ``alg``; RSA under 2048 bits; anything PyJWT cannot load. A
    hostile entry never raises: it is one skipped key, not a failed refresh.
    """
    keys: dict[str, SigningKey] = {}
    for entry in entries:
        try:
            key = _parse_entry(entry, allowed)
        except _SkippedKeyError as skipped:
            kid = entry.get("kid") if isinstance(entry, dict) else None
            logger.warning("jwks key skipped: %s", skipped, extra={"kid": str(kid)[:64]})
            continue
        keys.setdefault(key.kid, key)
    return keys


class _SkippedKeyError(Exception):
    pass


def _parse_entry(entry: Any, allowed: frozenset[str]) -> SigningKey:
    if not isinstance(entry, dict):
        raise _SkippedKeyError("not a JSON object")
    kid = entry.get("kid")
    if not isinstance(kid, str) or not 0 < len(kid) <= MAX_KID_LENGTH:
        raise _SkippedKeyError("no usable kid")
    if entry.get("use", "sig") != "sig":
        raise _SkippedKeyError("not a signature key")
    key_ops = entry.get("key_ops")
    if key_ops is not None and (not isinstance(key_ops, list) or "verify" not in key_ops):
        raise _SkippedKeyError("key_ops do not allow verify")
    kty = entry.get("kty")
    if not isinstance(kty, str) or kty not in _ASYMMETRIC_KTYS:
        raise _SkippedKeyError("not an asymmetric key")
    if _PRIVATE_MEMBERS & entry.keys():
        raise _SkippedKeyError("private key material published")
    declared = entry.get("alg")
    if declared is not None and not isinstance(declared, str):
        raise _SkippedKeyError("alg is not a string")
    if declared is not None and declared not in allowed | _ED25519_NAMES:
        raise _SkippedKeyError("algorithm not allowed")
    try:
        if kty == "OKP" and entry.get("crv") == "Ed25519":
            if declared is not None and declared not in _ED25519_NAMES:
                raise _SkippedKeyError("alg does not fit an Ed25519 key")
            jwk = PyJWK(entry, algorithm="EdDSA")
            names = _ED25519_NAMES & allowed
        else:
            jwk = PyJWK(entry)
            names = frozenset({jwk.algorithm_name}) & allowed
        # Checks that the key fits its algorithm (an EC curve against ES256/ES512) now, once.
        jwk.Algorithm.prepare_key(jwk.key)
    except (PyJWTError, NotImplementedError, ValueError, TypeError) as error:
        raise _SkippedKeyError(f"cannot load: {error}") from None
    if not names:
        raise _SkippedKeyError("algorithm not allowed")
    if not isinstance(jwk.key, _PUBLIC_KEY_TYPES):
        raise _SkippedKeyError("not a public signature key")
    if isinstance(jwk.key, RSAPublicKey) and jwk.key.key_size < MIN_RSA_BITS:
        raise _SkippedKeyError("RSA key too short")
    return SigningKey(kid=kid, by_algorithm={name: _bound_to(jwk, name) for name in names})


def _bound_to(jwk: PyJWK, algorithm: str) -> PyJWK:
    """PyJWT checks the token's ``alg`` against the key's; give each accepted name its own view."""
    if jwk.algorithm_name == algorithm:
        return jwk
    view = copy(jwk)
    view.algorithm_name = algorithm
    return view
