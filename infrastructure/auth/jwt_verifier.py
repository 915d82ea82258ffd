"""JwtTokenVerifier: accepts exactly the tokens Better Auth's JWT plugin issues, nothing else."""

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from jwt import exceptions as jwt_errors
from jwt.utils import base64url_decode

from application.auth import AuthenticatedUser, AuthenticationError
from infrastructure.auth.jwks import JwksKeySet
from infrastructure.auth.signing_keys import MAX_KID_LENGTH

logger = logging.getLogger(__name__)

MAX_SUBJECT_LENGTH = 255
# Header, payload and signature in base64url without padding; the signature may be empty so
# that an unsigned ``alg: none`` token is refused for its algorithm, which says more.
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_NESTED_CONTENT_TYPES = frozenset({"JWT", "APPLICATION/JWT"})
_REQUIRED_CLAIMS = ["exp", "iat", "sub", "iss", "aud"]
# Most specific first: several PyJWT errors subclass one another.
_REASONS: list[tuple[type[Exception], str]] = [
    (jwt_errors.ExpiredSignatureError, "expired"),
    (jwt_errors.ImmatureSignatureError, "not_yet_valid"),
    (jwt_errors.InvalidIssuerError, "wrong_issuer"),
    (jwt_errors.InvalidAudienceError, "wrong_audience"),
    (jwt_errors.MissingRequiredClaimError, "missing_claim"),
    (jwt_errors.InvalidSubjectError, "bad_subject"),
    (jwt_errors.InvalidSignatureError, "bad_signature"),
    (jwt_errors.InvalidAlgorithmError, "algorithm_mismatch"),
    (jwt_errors.DecodeError, "malformed"),
]


@dataclass(frozen=True, slots=True)
class TokenRules:
    """What an acceptable token looks like, beyond its signature."""

    issuer: str
    audience: str
    algorithms: frozenset[str]
    leeway_seconds: float = 30.0
    max_token_bytes: int = 8192
    max_lifetime_seconds: float = 24 * 3600.0


class JwtTokenVerifier:
    """Verifies a bearer JWT offline against the issuer's published keys.

    Checks, in order, each failure raising ``AuthenticationError`` with a reason for the logs:
    size cap before any parsing; header ``alg`` in the asymmetric allow-list; a sane ``kid``;
    no nested JWT; the key for that ``kid`` (unknown -> one rate-limited refetch) and bound to
    that algorithm; signature; ``iss``/``aud`` exactly; ``exp``/``iat`` required and, with
    ``nbf``, checked with a small leeway; a lifetime ceiling; ``sub`` a non-empty string.
    Header fields naming other keys (``jku``, ``jwk``, ``x5u``, ``x5c``) are never read.
    """

    def __init__(
        self,
        keys: JwksKeySet,
        rules: TokenRules,
        on_failure: Callable[[str], None] | None = None,
    ) -> None:
        self._keys = keys
        self._rules = rules
        self._on_failure = on_failure

    async def verify(self, token: str) -> AuthenticatedUser:
        try:
            return await self._verify(token)
        except AuthenticationError as error:
            logger.info("token refused", extra={"reason": error.reason})
            if self._on_failure is not None:
                self._on_failure(error.reason)
            raise

    async def _verify(self, token: str) -> AuthenticatedUser:
        if len(token) > self._rules.max_token_bytes:
            raise AuthenticationError("token_too_large")
        if _COMPACT_JWS.fullmatch(token) is None:
            # Checked before any parsing. PyJWT would also take '='-padded segments; Better Auth
            # never pads, so one token has one spelling. ASCII only makes the cap a byte count.
            raise AuthenticationError("malformed")
        header = _unverified_header(token)
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in self._rules.algorithms:
            raise AuthenticationError("disallowed_algorithm")
        kid = header.get("kid")
        if not isinstance(kid, str) or not 0 < len(kid) <= MAX_KID_LENGTH:
            raise AuthenticationError("bad_kid")
        content_type = header.get("cty")
        if isinstance(content_type, str) and content_type.upper() in _NESTED_CONTENT_TYPES:
            raise AuthenticationError("nested_token")
        key = await self._keys.key_for(kid)
        if key is None:
            raise AuthenticationError("unknown_key")
        jwk = key.for_algorithm(algorithm)
        if jwk is None:
            raise AuthenticationError("algorithm_mismatch")
        claims = self._decode(token, jwk, algorithm)
        return self._user_from(claims)

    def _decode(self, token: str, jwk: jwt.PyJWK, algorithm: str) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                jwk,
                algorithms=[algorithm],
                issuer=self._rules.issuer,
                audience=self._rules.audience,
                leeway=self._rules.leeway_seconds,
                options={"require": _REQUIRED_CLAIMS, "strict_aud": False},
            )
        except jwt_errors.PyJWTError as error:
            raise AuthenticationError(_reason_for(error)) from None
        except (OverflowError, ValueError, TypeError):
            # Absurd claim values (``exp: 1e400``) break PyJWT's arithmetic, not its checks.
            raise AuthenticationError("malformed") from None

    def _user_from(self, claims: dict[str, Any]) -> AuthenticatedUser:
        subject = claims["sub"]
        if not isinstance(subject, str) or not 0 < len(subject) <= MAX_SUBJECT_LENGTH:
            raise AuthenticationError("bad_subject")
        issued_at, expires_at = claims["iat"], claims["exp"]
        if not _is_number(issued_at) or not _is_number(expires_at):
            raise AuthenticationError("malformed")
        if expires_at - issued_at > self._rules.max_lifetime_seconds:
            raise AuthenticationError("lifetime_too_long")
        return AuthenticatedUser(
            expires_at=datetime.fromtimestamp(expires_at, UTC),
            id=subject,
            email=_optional_text(claims.get("email")),
            name=_optional_text(claims.get("name")),
        )


def _unverified_header(token: str) -> dict[str, Any]:
    """The header, read once here; ``jwt.decode`` reads it again with the signature.

    The shape check already proved the segment is base64url, so PyJWT's own per-character
    check (``get_unverified_header``) would only cost a second pass over the whole token.
    """
    try:
        header = json.loads(base64url_decode(token.partition(".")[0]))
    except (ValueError, RecursionError):
        raise AuthenticationError("malformed") from None
    if not isinstance(header, dict):
        raise AuthenticationError("malformed")
    return header


def _reason_for(error: jwt_errors.PyJWTError) -> str:
    for error_type, reason in _REASONS:
        if isinstance(error, error_type):
            return reason
    return "invalid"


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _optional_text(value: object) -> str | None:
    return value if isinstance(value, str) else None
