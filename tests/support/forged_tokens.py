"""Hand-built JWS strings: raw header and payload bytes, chosen signatures, decoded segments."""

import hashlib
import hmac
import json
from typing import Any

import jwt
from jwt.utils import base64url_decode, base64url_encode

from tests.support.keys import SigningKeyPair, better_auth_claims

JsonPart = dict[str, Any] | list[Any] | bytes


def encode_part(part: JsonPart) -> str:
    """base64url of the part; bytes go in verbatim, so a test can write JSON PyJWT would refuse."""
    raw = part if isinstance(part, bytes) else json.dumps(part, separators=(",", ":")).encode()
    return base64url_encode(raw).decode()


def unsigned(header: JsonPart, payload: JsonPart) -> str:
    """``header.payload.`` with an empty signature, as ``alg: none`` tokens are written."""
    return f"{encode_part(header)}.{encode_part(payload)}."


def forge(
    header: JsonPart, payload: JsonPart, key: SigningKeyPair, algorithm: str | None = None
) -> str:
    """Sign exactly these header and payload bytes with ``key`` under ``algorithm``."""
    signing_input = unsigned(header, payload)[:-1]
    name = algorithm or key.algorithm
    signer = jwt.get_algorithm_by_name("EdDSA" if name == "Ed25519" else name)
    signature = signer.sign(signing_input.encode(), signer.prepare_key(key.private_key))
    return f"{signing_input}.{base64url_encode(signature).decode()}"


def forge_hs256(header: JsonPart, payload: JsonPart, secret: bytes) -> str:
    """HMAC-SHA256 with any secret, including public key material PyJWT would refuse to use."""
    signing_input = unsigned(header, payload)[:-1]
    digest = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64url_encode(digest).decode()}"


def decoded_segments(token: str) -> list[bytes] | None:
    """The bytes each segment stands for, or None when it is not three decodable segments."""
    segments = token.split(".")
    if len(segments) != 3:
        return None
    try:
        return [base64url_decode(segment.encode()) for segment in segments]
    except ValueError:
        return None


def signed_with_kid(key: SigningKeyPair, kid: Any) -> str:
    """A genuine Better-Auth-shaped token from ``key`` whose header names another ``kid``."""
    return forge({"alg": key.algorithm, "kid": kid}, better_auth_claims(), key)
