"""Generated signing keys, their JWKs, and Better-Auth-shaped tokens signed with them."""

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm, RSAPSSAlgorithm
from jwt.utils import base64url_encode

ISSUER = "http://127.0.0.1:3999"


@dataclass
class SigningKeyPair:
    """A private key with the ``kid`` and ``alg`` it is published under."""

    algorithm: str
    private_key: Any
    kid: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def public_jwk(self) -> dict[str, Any]:
        public = self.private_key.public_key()
        if self.algorithm in {"EdDSA", "Ed25519"}:
            jwk = OKPAlgorithm.to_jwk(public, as_dict=True)
        elif self.algorithm.startswith("ES"):
            jwk = ECAlgorithm.to_jwk(public, as_dict=True)
        elif self.algorithm.startswith("PS"):
            jwk = RSAPSSAlgorithm.to_jwk(public, as_dict=True)
        else:
            jwk = RSAAlgorithm.to_jwk(public, as_dict=True)
        # Better Auth's shape: alg and kid, no "use".
        return {**jwk, "alg": self.algorithm, "kid": self.kid}

    def sign(
        self,
        claims: dict[str, Any],
        headers: dict[str, Any] | None = None,
        algorithm: str | None = None,
    ) -> str:
        algorithm = algorithm or self.algorithm
        header = {"kid": self.kid, "typ": None, **(headers or {})}
        if algorithm == "Ed25519":
            # PyJWT has no "Ed25519" name yet (RFC 9864): sign the relabelled header ourselves.
            return _sign_ed25519(claims, header, self.private_key)
        return jwt.encode(claims, self.private_key, algorithm=algorithm, headers=header)


def generate_key(algorithm: str = "EdDSA", kid: str | None = None) -> SigningKeyPair:
    private: Any
    if algorithm in {"EdDSA", "Ed25519"}:
        private = ed25519.Ed25519PrivateKey.generate()
    elif algorithm == "ES256":
        private = ec.generate_private_key(ec.SECP256R1())
    elif algorithm == "ES512":
        private = ec.generate_private_key(ec.SECP521R1())
    elif algorithm.startswith(("RS", "PS")):
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        raise ValueError(algorithm)
    pair = SigningKeyPair(algorithm=algorithm, private_key=private)
    if kid is not None:
        pair.kid = kid
    return pair


def better_auth_claims(subject: str = "user-a", **overrides: Any) -> dict[str, Any]:
    """Claims shaped like Better Auth's JWT plugin output (15-minute lifetime, aud a string)."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iat": now,
        "name": "Ada",
        "email": f"{subject}@example.com",
        "emailVerified": False,
        "image": None,
        "createdAt": "2026-11-01T00:00:00.000Z",
        "updatedAt": "2026-11-01T00:00:00.000Z",
        "id": subject,
        "sub": subject,
        "exp": now + 900,
        "iss": ISSUER,
        "aud": ISSUER,
    }
    for name, value in overrides.items():
        if value is _DROP:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


class _Drop:
    def __repr__(self) -> str:
        return "DROP"


_DROP: Any = _Drop()
DROP: Any = _DROP
"""Pass as a claim override to remove that claim."""


def _sign_ed25519(
    claims: dict[str, Any], header: dict[str, Any], private_key: ed25519.Ed25519PrivateKey
) -> str:
    """A JWS whose protected header says ``alg: Ed25519``, signed over that very header."""
    protected = {name: value for name, value in header.items() if value is not None}
    protected["alg"] = "Ed25519"
    segments = [
        base64url_encode(json.dumps(protected, separators=(",", ":")).encode()),
        base64url_encode(json.dumps(claims, separators=(",", ":")).encode()),
    ]
    signing_input = b".".join(segments)
    return b".".join([signing_input, base64url_encode(private_key.sign(signing_input))]).decode()
