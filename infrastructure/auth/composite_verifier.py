"""JwtOrSessionVerifier: JWT-shaped credentials go to the JWT verifier, all others to sessions."""

import base64
import binascii
import json
import re

from application.auth import AuthenticatedUser
from application.ports import TokenVerifier

_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")
_MAX_HEADER_SEGMENT = 2048


class JwtOrSessionVerifier:
    """Lets one API accept Better Auth JWTs and Better Auth session tokens side by side.

    The two never look alike: a JWT is three base64url segments whose first decodes to a JSON
    object, a signed session token is ``<id>.<base64 signature>`` (two segments). Routing on
    shape alone means a JWT is never sent to Better Auth and a session token never parsed as a
    JWT; whichever verifier gets the credential gives the final answer.
    """

    def __init__(self, jwt: TokenVerifier, session: TokenVerifier) -> None:
        self._jwt = jwt
        self._session = session

    async def verify(self, token: str) -> AuthenticatedUser:
        verifier = self._jwt if looks_like_jwt(token) else self._session
        return await verifier.verify(token)


def looks_like_jwt(token: str) -> bool:
    """Three base64url segments, the first a JSON object: the compact JWS shape."""
    segments = token.split(".")
    if len(segments) != 3 or not all(_SEGMENT.fullmatch(part) for part in segments[:2]):
        return False
    header = segments[0]
    if len(header) > _MAX_HEADER_SEGMENT:
        return False
    try:
        decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except (binascii.Error, ValueError):
        return False
    return isinstance(decoded, dict)
