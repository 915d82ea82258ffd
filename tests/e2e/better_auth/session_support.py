"""Helpers for AUTH_MODE=session tests: settings, cookie-carrying calls and forged cookies."""

import base64
import hashlib
import hmac
import secrets
from typing import Any, cast
from urllib.parse import quote

from infrastructure.auth.better_auth_session import BetterAuthSessionVerifier
from interfaces.container import Container
from interfaces.settings import Settings
from tests.e2e.better_auth.harness import ApiUnderTest, settings_for
from tests.support.better_auth import SESSION_COOKIE_NAME, BetterAuthServer

APP_ORIGIN = "http://app.example.test"
# server.mjs signs with this unless BETTER_AUTH_SECRET is set.
# Better Auth encodeURIComponent()s cookie values; these characters stay as they are.
COOKIE_SAFE = "-_.!~*'()"
DEV_SECRET = "tasks-api-e2e-development-secret-not-for-production-0123456789"


def session_settings(server: BetterAuthServer, **overrides: Any) -> Settings:
    """Session mode against ``server``, the front end at ``APP_ORIGIN``; overrides win."""
    values: dict[str, Any] = {"auth_mode": "session", "cors_origins": [APP_ORIGIN]}
    values.update(overrides)
    return settings_for(server, **values)


def cookie(token: str, name: str = SESSION_COOKIE_NAME) -> dict[str, str]:
    """A ``Cookie`` header as a browser sends it: the value percent-encoded like Better Auth."""
    return {"Cookie": f"{name}={quote(token, safe=COOKIE_SAFE)}"}


def from_app(headers: dict[str, str]) -> dict[str, str]:
    """The headers of a request the front end at ``APP_ORIGIN`` makes."""
    return {**headers, "Origin": APP_ORIGIN}


def signed_session_token(session_id: str, secret: str = DEV_SECRET) -> str:
    """``<id>.<HMAC-SHA256>``: how Better Auth signs the session id it puts in the cookie."""
    digest = hmac.new(secret.encode(), session_id.encode(), hashlib.sha256).digest()
    return f"{session_id}.{base64.b64encode(digest).decode()}"


def random_session_id() -> str:
    return secrets.token_urlsafe(24).replace("-", "a").replace("_", "b")[:32]


def session_verifier(api: ApiUnderTest) -> BetterAuthSessionVerifier:
    """The app's own session adapter; ``lookups`` counts its calls to Better Auth."""
    return cast(Container, api.app.state.container).session_verifier()
