"""Turning JWKS entries into verification keys, refusing every key we must not trust."""

import logging
from collections.abc import Iterable, Mapping
from copy import copy
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt import PyJWK
from jwt.exceptions import PyJWKError

logger = logging.getLogger(__name__)

MAX_KID_LENGTH = 256
MIN_RSA_BITS = 2048
# RFC 9864 names the Ed25519 variant of EdDSA "Ed25519"; Better Auth may switch to it.
_ED25519_NAMES = frozenset({"EdDSA", "Ed25519"})


@dataclass(frozen=True, slots=True)
class SigningKey:
    """One issuer key, usable only with the algorithm(s) it was published for."""

    kid: str
    by_algorithm: Mapping[str, PyJWK]

    def for_algorithm(self, algorithm: str) -> PyJWK | None:
        return self.by_algorithm.get(algorithm)


def parse_signing_keys(entries: Iterable[Any], allowed: frozenset[str]) -> dict[str, SigningKey]:
    """Keep the entries that are signature keys for an allowed algorithm, by ``kid``.

    Skipped (with a log line): no string ``kid``; ``use`` other than ``sig``; symmetric keys;
    an algorithm outside the allow-list; RSA under 2048 bits; anything PyJWT cannot load.
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
    if entry.get("kty") not in {"OKP", "EC", "RSA"}:
        raise _SkippedKeyError("not an asymmetric key")
    declared = entry.get("alg")
    if declared is not None and not isinstance(declared, str):
        raise _SkippedKeyError("alg is not a string")
    try:
        if entry.get("kty") == "OKP" and entry.get("crv") == "Ed25519":
            if declared is not None and declared not in _ED25519_NAMES:
                raise _SkippedKeyError("alg does not fit an Ed25519 key")
            jwk = PyJWK(entry, algorithm="EdDSA")
            names = _ED25519_NAMES & allowed
        else:
            jwk = PyJWK(entry)
            names = frozenset({jwk.algorithm_name}) & allowed
    except (PyJWKError, ValueError, TypeError) as error:
        raise _SkippedKeyError(f"cannot load: {error}") from None
    if not names:
        raise _SkippedKeyError("algorithm not allowed")
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
